using Redirector.Clicks;

namespace Redirector.Tests.Reliability;

public sealed class ClickSpoolTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("spool-test-").FullName;

    private static ClickBatch Batch(long sequence)
    {
        var group = new ClickGroup(Core.TestShapes.Make("20261122", 10, 7, isBot: false, (Dimensions.UtmSource, "mail"), (Dimensions.Referrer, null)));
        group.Add(new DateTime(2026, 11, 22, 10, 0, 0, DateTimeKind.Utc), 0xfeed);
        group.Add(new DateTime(2026, 11, 22, 10, 0, 1, DateTimeKind.Utc), null);
        return new ClickBatch("node", sequence, [group], [new PageViewCount("20261122", "https://blog.example.org/", 4)]);
    }

    [Fact]
    public void Batches_come_back_in_order_and_survive_a_reopen()
    {
        using (var spool = Open(1 << 20))
        {
            for (var i = 1; i <= 5; i++)
                Assert.True(spool.TryAppend(Batch(i)));
            Assert.Equal(1, spool.Cursor("redis").Peek()!.Sequence);
            spool.Cursor("redis").Acknowledge();
            Assert.Equal(2, spool.Cursor("redis").Peek()!.Sequence);
            spool.Cursor("redis").Acknowledge();
        }
        using var reopened = Open(1 << 20);
        Assert.Equal(3, reopened.PendingBatches);
        var sequences = new List<long>();
        while (reopened.Cursor("redis").Peek() is { } batch)
        {
            sequences.Add(batch.Sequence);
            var group = Assert.Single(batch.Groups);
            Assert.Equal(Batch(sequence: 0).Groups[0].Shape, group.Shape);
            Assert.Equal("mail", group.Shape[Dimensions.UtmSource]);
            Assert.Equal([0xfeedUL], group.Visitors);
            Assert.Equal(2, group.Count);
            Assert.Equal(new PageViewCount("20261122", "https://blog.example.org/", 4), Assert.Single(batch.PageViews));
            reopened.Cursor("redis").Acknowledge();
        }
        Assert.Equal([3, 4, 5], sequences);
        Assert.False(reopened.Cursor("redis").HasPending);
        Assert.Equal(0, reopened.PendingBytes);
    }

    [Fact]
    public void A_torn_last_record_is_cut_off_and_the_rest_kept()
    {
        using (var spool = Open(1 << 20))
        {
            spool.TryAppend(Batch(1));
            spool.TryAppend(Batch(2));
        }
        var file = Directory.GetFiles(_directory, "*.spool").Single();
        var length = new FileInfo(file).Length;
        using (var stream = new FileStream(file, FileMode.Open))
            stream.SetLength(length - 7);

        using var reopened = Open(1 << 20);
        Assert.Equal(1, reopened.PendingBatches);
        Assert.Equal(1, reopened.Cursor("redis").Peek()!.Sequence);
        reopened.Cursor("redis").Acknowledge();
        Assert.True(reopened.TryAppend(Batch(3)));
        Assert.Equal(3, reopened.Cursor("redis").Peek()!.Sequence);
    }

    [Fact]
    public void A_full_spool_refuses_more()
    {
        using var spool = Open(300);
        var accepted = Enumerable.Range(1, 10).Count(i => spool.TryAppend(Batch(i)));
        Assert.InRange(accepted, 1, 9);
        Assert.True(spool.PendingBytes <= 300);
    }

    private ClickSpool Open(long maxBytes, long segmentBytes = ClickSpool.DefaultSegmentBytes, params string[] consumers) =>
        new(_directory, maxBytes, consumers.Length > 0 ? consumers : ["redis"], segmentBytes);

    private int SegmentFiles => Directory.GetFiles(_directory, "*.spool").Length;

    private static List<long> ReadAll(SpoolCursor cursor, int max = int.MaxValue)
    {
        var sequences = new List<long>();
        while (sequences.Count < max && cursor.Peek() is { } batch)
        {
            sequences.Add(batch.Sequence);
            cursor.Acknowledge();
        }
        return sequences;
    }

    [Fact]
    public void Segments_stay_until_every_consumer_has_passed_them_and_each_resumes_at_its_own_position()
    {
        // Segments of about two records, so six batches fill three.
        var segmentBytes = 2 * RecordLength(Directory.CreateTempSubdirectory("spool-probe-").FullName) - 1;
        using (var spool = Open(1 << 20, segmentBytes, "redis", "events"))
        {
            for (var i = 1; i <= 6; i++)
                Assert.True(spool.TryAppend(Batch(i)));
            Assert.Equal([1, 2, 3, 4, 5, 6], ReadAll(spool.Cursor("redis")));
            Assert.False(spool.Cursor("redis").HasPending);
            // The lagging consumer has read nothing: every segment stays, and the spool counts its backlog.
            Assert.Equal(6, spool.Cursor("events").PendingBatches);
            Assert.Equal(6, spool.PendingBatches);
            Assert.True(SegmentFiles >= 3);
            Assert.Equal([1, 2], ReadAll(spool.Cursor("events"), max: 2));
        }
        using (var reopened = Open(1 << 20, segmentBytes, "redis", "events"))
        {
            Assert.False(reopened.Cursor("redis").HasPending);
            Assert.Equal(4, reopened.Cursor("events").PendingBatches);
            Assert.Equal([3, 4, 5], ReadAll(reopened.Cursor("events"), max: 3));
            // Only the segment of batch 5 and later remain once both consumers are past the first two.
            Assert.InRange(SegmentFiles, 1, 2);
            Assert.True(reopened.TryAppend(Batch(7)));
            Assert.Equal([7], ReadAll(reopened.Cursor("redis")));
            Assert.Equal([6, 7], ReadAll(reopened.Cursor("events")));
            Assert.Equal(0, reopened.PendingBytes);
        }
        // Both caught up: the log was emptied in place and both positions point at its start.
        Assert.Equal(1, SegmentFiles);
        Assert.Equal(0, new FileInfo(Directory.GetFiles(_directory, "*.spool").Single()).Length);
        using (var emptied = Open(1 << 20, segmentBytes, "redis", "events"))
        {
            Assert.Equal(0, emptied.PendingBatches);
            Assert.True(emptied.TryAppend(Batch(8)));
            Assert.Equal([8], ReadAll(emptied.Cursor("redis")));
            Assert.Equal([8], ReadAll(emptied.Cursor("events")));
        }
    }

    [Fact]
    public void A_damaged_or_missing_position_reads_the_whole_spool_again_and_a_sound_one_resumes()
    {
        using (var spool = Open(1 << 20, ClickSpool.DefaultSegmentBytes, "redis", "events", "webhooks"))
        {
            for (var i = 1; i <= 4; i++)
                Assert.True(spool.TryAppend(Batch(i)));
            foreach (var consumer in spool.Consumers)
                Assert.Equal([1, 2], ReadAll(spool.Cursor(consumer), max: 2));
        }
        // A power cut can tear the line being rewritten; a consumer then sees applied batches again (it skips
        // them by sequence) rather than skipping ones it never applied.
        var events = Path.Combine(_directory, "cursor.events");
        var line = File.ReadAllBytes(events);
        line[0] = (byte)(line[0] == (byte)'9' ? '8' : '9');
        File.WriteAllBytes(events, line);
        File.Delete(Path.Combine(_directory, "cursor.webhooks"));
        using var reopened = Open(1 << 20, ClickSpool.DefaultSegmentBytes, "redis", "events", "webhooks");
        Assert.Equal([3, 4], ReadAll(reopened.Cursor("redis")));
        Assert.Equal([1, 2, 3, 4], ReadAll(reopened.Cursor("events")));
        Assert.Equal([1, 2, 3, 4], ReadAll(reopened.Cursor("webhooks")));
    }

    [Fact]
    public void Batches_held_in_memory_and_batches_read_back_from_the_file_are_the_same_and_come_in_order()
    {
        // Room in memory for about two records: of six appended, the oldest are read back from the file.
        var held = 2 * RecordLength(Directory.CreateTempSubdirectory("spool-probe-").FullName) + 1;
        using var spool = new ClickSpool(_directory, 1 << 20, ["redis", "events"], ClickSpool.DefaultSegmentBytes, held);
        var appended = Enumerable.Range(1, 6).Select(i => Batch(i)).ToList();
        foreach (var batch in appended)
            Assert.True(spool.TryAppend(batch));
        foreach (var cursor in new[] { spool.Cursor("redis"), spool.Cursor("events") })
        {
            var read = new List<ClickBatch>();
            while (cursor.Peek() is { } batch)
            {
                read.Add(batch);
                cursor.Acknowledge();
            }
            Assert.Equal([1, 2, 3, 4, 5, 6], read.Select(b => b.Sequence));
            Assert.All(read, batch => Assert.Equal(appended[0].Groups[0].Shape, Assert.Single(batch.Groups).Shape));
            Assert.All(read, batch => Assert.Equal([0xfeedUL], batch.Groups[0].Visitors));
            // The first batches were decoded from the file; the last two are the objects appended.
            Assert.False(ReferenceEquals(appended[0], read[0]));
            Assert.Same(appended[4], read[4]);
            Assert.Same(appended[5], read[5]);
        }
        Assert.Equal(0, spool.PendingBytes);
    }

    [Fact]
    public void A_lagging_consumer_holds_the_spool_against_its_cap()
    {
        using var spool = Open(600, ClickSpool.DefaultSegmentBytes, "redis", "events");
        var accepted = 0;
        for (var i = 1; spool.TryAppend(Batch(i)); i++)
        {
            accepted++;
            ReadAll(spool.Cursor("redis"));
        }
        Assert.InRange(accepted, 2, 5);
        Assert.Equal(accepted, spool.Cursor("events").PendingBatches);
        ReadAll(spool.Cursor("events"));
        Assert.True(spool.TryAppend(Batch(100)));
    }

    /// <summary>The bytes one test batch takes in a spool, measured in a spool of its own.</summary>
    private static long RecordLength(string directory)
    {
        try
        {
            using var spool = new ClickSpool(directory, 1 << 20, ["redis"]);
            spool.TryAppend(Batch(1));
            return spool.PendingBytes;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
