using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Redirector.Clicks;

namespace Redirector.Tests.Reliability;

/// <summary>
/// Consumers of the spool on their own threads while another thread appends: each sees every batch once, in order,
/// a failing one holds only itself back, and segments go only when all have passed them.
/// </summary>
public sealed class SpoolConsumerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("spool-consumers-").FullName;

    private static readonly IOptions<AnalyticsOptions> Fast = Options.Create(new AnalyticsOptions
    {
        ReplayInterval = TimeSpan.FromMilliseconds(5),
        ConsumerRetryMax = TimeSpan.FromMilliseconds(40),
        IdlePriorityLag = TimeSpan.Zero,
    });

    // Applies at the lowest CPU priority while the consumer trails by less than 200 ms.
    private static readonly IOptions<AnalyticsOptions> Idle = Options.Create(new AnalyticsOptions
    {
        ReplayInterval = TimeSpan.FromMilliseconds(5),
        ConsumerRetryMax = TimeSpan.FromMilliseconds(40),
        IdlePriorityLag = TimeSpan.FromMilliseconds(200),
    });

    /// <summary>
    /// Records the sequence of every batch it applies, and how many batches each apply took; throws while
    /// <see cref="FailFrom"/> is at or below a batch's. Takes up to <see cref="PerApply"/> events an apply.
    /// </summary>
    private sealed class Recorder(string name, ClickSpool spool, IOptions<AnalyticsOptions>? options = null)
        : SpoolConsumer(name, spool, options ?? Fast, TimeProvider.System, NullLogger.Instance)
    {
        public ConcurrentQueue<long> Applied { get; } = new();

        /// <summary>Per apply, its first batch and the scheduling policy of the thread that finished it.</summary>
        public ConcurrentQueue<(long Sequence, int Policy)> Policies { get; } = new();

        /// <summary>How long each apply takes after its first await.</summary>
        public TimeSpan ApplyTime { get; set; }

        public ConcurrentQueue<int> Applies { get; } = new();

        public int Attempts;

        public volatile int FailFrom = int.MaxValue;

        public int PerApply { get; init; }

        protected override int EventsPerApply => PerApply;

        protected override async Task ApplyAsync(IReadOnlyList<ClickBatch> batches, CancellationToken ct)
        {
            Interlocked.Increment(ref Attempts);
            await Task.Yield();
            if (batches.Any(b => b.Sequence >= FailFrom))
                throw new IOException("store is away");
            if (ApplyTime > TimeSpan.Zero)
                Thread.Sleep(ApplyTime);
            foreach (var batch in batches)
                Applied.Enqueue(batch.Sequence);
            Applies.Enqueue(batches.Count);
            Policies.Enqueue((batches[0].Sequence, SchedulingPolicyOfThisThread()));
        }
    }

    private const int SchedOther = 0, SchedIdle = 5;

    /// <summary>The calling thread's Linux scheduling policy: field 41 of /proc/thread-self/stat (proc(5)).</summary>
    private static int SchedulingPolicyOfThisThread()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        // The thread's name (field 2) is in parentheses and may hold spaces: count from the field after it.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[41 - 3], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static ClickBatch Batch(long sequence)
    {
        var group = new ClickGroup(Core.TestShapes.Make("20261122", 10, 7, isBot: false, (Dimensions.UtmSource, "mail")));
        group.Add(new DateTime(2026, 11, 22, 10, 0, 0, DateTimeKind.Utc), (ulong)sequence);
        return new ClickBatch("node", sequence, [group], []);
    }

    private ClickSpool Open(long segmentBytes = 4096) => new(_directory, 1 << 24, ["redis", "events", "hooks"], segmentBytes);

    private int SegmentFiles => Directory.GetFiles(_directory, "*.spool").Length;

    private static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException(what);
            await Task.Delay(5);
        }
    }

    /// <summary>The pipeline's part: append from one thread and drain the "redis" cursor on the same thread.</summary>
    private static Task AppendOnAThread(ClickSpool spool, int from, int to) => Task.Run(() =>
    {
        var redis = spool.Cursor("redis");
        for (var i = from; i <= to; i++)
        {
            Assert.True(spool.TryAppend(Batch(i)));
            while (redis.Peek() is not null)
                redis.Acknowledge();
        }
    });

    [Fact]
    public async Task A_failing_consumer_holds_back_only_itself_and_catches_up_with_every_batch_once_in_order()
    {
        using var spool = Open();
        var events = new Recorder("events", spool);
        var hooks = new Recorder("hooks", spool) { FailFrom = 1 };
        await events.StartAsync(CancellationToken.None);
        await hooks.StartAsync(CancellationToken.None);

        await AppendOnAThread(spool, 1, 400);
        await Until(() => events.Applied.Count == 400, "events applies everything");
        Assert.Equal(Enumerable.Range(1, 400).Select(i => (long)i), events.Applied);
        Assert.Empty(hooks.Applied);
        // On a loaded machine the failing consumer may not have made its first attempt when the other is done.
        await Until(() => hooks.Failing && hooks.PendingBatches == 400, "hooks fails on its first batch");
        Assert.Contains("store is away", hooks.LastError);
        Assert.Equal(400, hooks.PendingBatches);
        Assert.True(spool.ConsumerFailing);
        // The backoff keeps a failing store from being hammered: a few dozen attempts, not thousands.
        Assert.InRange(hooks.Attempts, 1, 200);
        // Nothing hooks has not passed may go.
        Assert.True(SegmentFiles > 3);

        hooks.FailFrom = int.MaxValue;
        await Until(() => hooks.Applied.Count == 400, "hooks catches up");
        Assert.Equal(Enumerable.Range(1, 400).Select(i => (long)i), hooks.Applied);
        Assert.False(hooks.Failing);
        Assert.Null(hooks.LastError);
        await Until(() => SegmentFiles == 1 && new FileInfo(Directory.GetFiles(_directory, "*.spool")[0]).Length == 0, "log emptied");
        await events.StopAsync(CancellationToken.None);
        await hooks.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Appends_and_two_consumers_on_their_own_threads_lose_and_repeat_nothing()
    {
        using var spool = Open(segmentBytes: 1024);
        var events = new Recorder("events", spool, Idle);
        var hooks = new Recorder("hooks", spool);
        await events.StartAsync(CancellationToken.None);
        await hooks.StartAsync(CancellationToken.None);
        // Consumers keep up, fall behind and catch up again while segments turn over and the log empties in place.
        for (var from = 1; from <= 3000; from += 300)
        {
            await AppendOnAThread(spool, from, from + 299);
            await Task.Delay(from % 600 == 1 ? 0 : 15);
        }
        await Until(() => events.Applied.Count >= 3000 && hooks.Applied.Count >= 3000, "both apply everything");
        await events.StopAsync(CancellationToken.None);
        await hooks.StopAsync(CancellationToken.None);
        Assert.Equal(3000, events.Applied.Distinct().Count());
        Assert.Equal(3000, events.Applied.Count);
        Assert.Equal(3000, hooks.Applied.Count);
        Assert.Equal(3000, hooks.Applied.Distinct().Count());
        Assert.Equal(0, spool.PendingBatches);
    }

    [Fact]
    public async Task After_a_restart_each_consumer_resumes_at_its_own_position()
    {
        var segmentBytes = 4096;
        using (var spool = Open(segmentBytes))
        {
            var events = new Recorder("events", spool);
            var hooks = new Recorder("hooks", spool) { FailFrom = 121 };
            await events.StartAsync(CancellationToken.None);
            await hooks.StartAsync(CancellationToken.None);
            await AppendOnAThread(spool, 1, 300);
            await Until(() => events.Applied.Count == 300 && hooks.Applied.Count == 120, "both apply what they can");
            await events.StopAsync(CancellationToken.None);
            await hooks.StopAsync(CancellationToken.None);
        }
        using (var reopened = Open(segmentBytes))
        {
            Assert.Equal(0, reopened.Cursor("events").PendingBatches);
            Assert.Equal(180, reopened.Cursor("hooks").PendingBatches);
            var events = new Recorder("events", reopened);
            var hooks = new Recorder("hooks", reopened);
            await events.StartAsync(CancellationToken.None);
            await hooks.StartAsync(CancellationToken.None);
            await AppendOnAThread(reopened, 301, 310);
            await Until(() => events.Applied.Count == 10 && hooks.Applied.Count == 190, "both resume");
            await events.StopAsync(CancellationToken.None);
            await hooks.StopAsync(CancellationToken.None);
            Assert.Equal(Enumerable.Range(301, 10).Select(i => (long)i), events.Applied);
            Assert.Equal(Enumerable.Range(121, 190).Select(i => (long)i), hooks.Applied);
        }
        Assert.Equal(1, SegmentFiles);
    }

    [Fact]
    public async Task A_batch_applied_but_not_acknowledged_before_a_crash_comes_again_and_nothing_else_does()
    {
        using (var spool = Open())
        {
            for (var i = 1; i <= 5; i++)
                spool.TryAppend(Batch(i));
            var events = spool.Cursor("events");
            for (var i = 1; i <= 3; i++)
            {
                Assert.Equal(i, events.Peek()!.Sequence);
                events.Acknowledge();
            }
            // Batch 4 applied, then the process dies before the acknowledgement.
            Assert.Equal(4, events.Peek()!.Sequence);
        }
        using var reopened = Open();
        var again = new Recorder("events", reopened);
        await again.StartAsync(CancellationToken.None);
        await Until(() => again.Applied.Count == 2, "replay");
        await again.StopAsync(CancellationToken.None);
        Assert.Equal([4L, 5L], again.Applied);
    }

    [Fact]
    public async Task A_consumer_behind_takes_several_batches_an_apply_up_to_its_events_and_a_crash_replays_them_whole()
    {
        using (var spool = Open())
        {
            for (var i = 1; i <= 8; i++)
                spool.TryAppend(Batch(i));
            var events = spool.Cursor("events");
            // One click a batch: batches are added while fewer than 3 events are taken.
            Assert.Equal([1L, 2L, 3L], events.Peek(3).Select(b => b.Sequence));
            events.Acknowledge();
            Assert.Equal(5, events.PendingBatches);
            // Applied, then the process dies before the acknowledgement: all three come again.
            Assert.Equal([4L, 5L, 6L], events.Peek(3).Select(b => b.Sequence));
        }
        using var reopened = Open();
        var again = new Recorder("events", reopened) { PerApply = 3 };
        await again.StartAsync(CancellationToken.None);
        await Until(() => again.Applied.Count == 5, "replay");
        await again.StopAsync(CancellationToken.None);
        Assert.Equal([4L, 5L, 6L, 7L, 8L], again.Applied);
        Assert.Equal([3, 2], again.Applies);
        Assert.Equal(0, again.PendingBatches);
    }

    [Fact]
    public async Task Applies_run_at_idle_priority_while_the_consumer_keeps_up_and_at_normal_priority_once_it_trails_past_the_lag()
    {
        using var spool = Open();
        var events = new Recorder("events", spool, Idle);
        await events.StartAsync(CancellationToken.None);

        // Keeping up: one batch at a time, each applied by the idle thread (after an await inside the apply, too). The
        // next batch comes once the last is acknowledged, not merely applied: one appended in between would find the
        // consumer still trailing since the last, so a busy machine's delay could pass the lag.
        for (var i = 1; i <= 3; i++)
        {
            await AppendOnAThread(spool, i, i);
            await Until(() => events.Applied.Count == i && events.PendingBatches == 0, $"batch {i} applied and acknowledged");
        }
        Assert.Equal([SchedIdle, SchedIdle, SchedIdle], events.Policies.Select(p => p.Policy));

        // Falling behind: each apply takes 150 ms while 6 batches wait, so from the third on the consumer has trailed
        // for more than the 200 ms lag and applies at normal priority until it has caught up.
        events.ApplyTime = TimeSpan.FromMilliseconds(150);
        await AppendOnAThread(spool, 4, 9);
        await Until(() => events.Applied.Count == 9, "backlog applied");
        var backlog = events.Policies.Where(p => p.Sequence >= 4).Select(p => p.Policy).ToList();
        Assert.Equal(SchedIdle, backlog[0]);
        Assert.Equal(SchedOther, backlog[^1]);

        // Caught up: idle again.
        events.ApplyTime = TimeSpan.Zero;
        await AppendOnAThread(spool, 10, 10);
        await Until(() => events.Applied.Count == 10, "batch 10 applied");
        Assert.Equal((10, SchedIdle), events.Policies.Last());
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), events.Applied);
        await events.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void A_consumer_not_registered_with_the_spool_is_refused_with_its_name()
    {
        using var spool = Open();
        var error = Assert.Throws<InvalidOperationException>(() => new Recorder("webhooks", spool));
        Assert.Contains("\"webhooks\"", error.Message);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
