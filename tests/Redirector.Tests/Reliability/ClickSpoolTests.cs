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
        using (var spool = new ClickSpool(_directory, 1 << 20))
        {
            for (var i = 1; i <= 5; i++)
                Assert.True(spool.TryAppend(Batch(i)));
            Assert.Equal(1, spool.Peek()!.Sequence);
            spool.Acknowledge();
            Assert.Equal(2, spool.Peek()!.Sequence);
            spool.Acknowledge();
        }
        using var reopened = new ClickSpool(_directory, 1 << 20);
        Assert.Equal(3, reopened.PendingBatches);
        var sequences = new List<long>();
        while (reopened.Peek() is { } batch)
        {
            sequences.Add(batch.Sequence);
            var group = Assert.Single(batch.Groups);
            Assert.Equal(Batch(sequence: 0).Groups[0].Shape, group.Shape);
            Assert.Equal("mail", group.Shape[Dimensions.UtmSource]);
            Assert.Equal([0xfeedUL], group.Visitors);
            Assert.Equal(2, group.Count);
            Assert.Equal(new PageViewCount("20261122", "https://blog.example.org/", 4), Assert.Single(batch.PageViews));
            reopened.Acknowledge();
        }
        Assert.Equal([3, 4, 5], sequences);
        Assert.False(reopened.HasPending);
        Assert.Equal(0, reopened.PendingBytes);
    }

    [Fact]
    public void A_torn_last_record_is_cut_off_and_the_rest_kept()
    {
        using (var spool = new ClickSpool(_directory, 1 << 20))
        {
            spool.TryAppend(Batch(1));
            spool.TryAppend(Batch(2));
        }
        var file = Directory.GetFiles(_directory, "*.spool").Single();
        var length = new FileInfo(file).Length;
        using (var stream = new FileStream(file, FileMode.Open))
            stream.SetLength(length - 7);

        using var reopened = new ClickSpool(_directory, 1 << 20);
        Assert.Equal(1, reopened.PendingBatches);
        Assert.Equal(1, reopened.Peek()!.Sequence);
        reopened.Acknowledge();
        Assert.True(reopened.TryAppend(Batch(3)));
        Assert.Equal(3, reopened.Peek()!.Sequence);
    }

    [Fact]
    public void A_full_spool_refuses_more()
    {
        using var spool = new ClickSpool(_directory, 300);
        var accepted = Enumerable.Range(1, 10).Count(i => spool.TryAppend(Batch(i)));
        Assert.InRange(accepted, 1, 9);
        Assert.True(spool.PendingBytes <= 300);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
