using Microsoft.Extensions.DependencyInjection;
using Redirector.Clicks;
using Redirector.Tests.Core;
using Redirector.Tests.Infrastructure;
using StackExchange.Redis;

namespace Redirector.Tests.Reliability;

/// <summary>
/// Redis that answers, but slower than clicks come (traffic spread over many links on a busy server): the clicks
/// beyond what Redis takes wait in the spool, bounded by its bytes on disk, not in the click queue, bounded by clicks,
/// whose overflow would be lost. Every click is counted once Redis catches up.
/// </summary>
public sealed class SlowRedisTests
{
    private const int Clicks = 15_000;
    private const int QueueCapacity = 10_000;
    private const int BatchSize = 20;

    private const string BusyFor200Ms = """
        local t = redis.call('TIME')
        local from = t[1] * 1000000 + t[2]
        repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] - from > 200000
        """;

    [Fact]
    public async Task Clicks_faster_than_Redis_takes_them_wait_in_the_spool_and_none_is_dropped()
    {
        await using var app = new RedirectorApplication(settings: new Dictionary<string, string?>
        {
            ["Analytics:BatchSize"] = $"{BatchSize}",
            ["Analytics:QueueCapacity"] = $"{QueueCapacity}",
            // Batches one at a time, so that Redis takes about a batch per gap: ranges would take everything waiting.
            ["Analytics:ApplyWindow"] = "00:00:00",
            ["Events:Enabled"] = "false",
        });
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "busy" });
        await app.RedisReadyAsync();
        var pipeline = app.Services.GetRequiredService<ClickPipeline>();
        using var visitor = app.CreateVisitorClient();
        // A first click, so that the first call's own start (the script's loading, the compiler) is not what is measured.
        using (await CountingTests.ClickAsync(visitor, "/busy", Agents.ChromeWindows, null))
            await app.WaitForSpoolDrainedAsync();
        using var redis = await ConnectionMultiplexer.ConnectAsync(app.Redis.ConnectionString);

        // Another client keeps Redis busy 200 ms at a time, sending the next busy call as soon as the last one answers: the
        // pipeline's call, waiting in Redis meanwhile, runs between the two, and its next one is sent only after the busy
        // client's. Each of the pipeline's calls waits up to 200 ms, far inside the apply timeout, so Redis is slow but
        // never failing: about a batch (20 clicks) each 200 ms. A pause between busy calls would let a fast pipeline
        // apply several batches in it. Clicks come at most 2,000 a second, so the queue holds 5 s of them (the
        // pipeline thread may stall that long on busy cores) and far fewer than all that come.
        using var sending = new CancellationTokenSource();
        var queue = app.Services.GetRequiredService<ClickQueue>();
        var mostWaiting = 0;
        var slow = Task.Run(async () =>
        {
            while (!sending.IsCancellationRequested)
            {
                await redis.GetDatabase().ScriptEvaluateAsync(BusyFor200Ms);
                mostWaiting = Math.Max(mostWaiting, queue.Count + pipeline.SpooledBatches * BatchSize);
            }
        });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < Clicks; i++)
        {
            using (await CountingTests.ClickAsync(visitor, "/busy", Agents.ChromeWindows, null))
            {
            }
            // Read the clock once: read twice, the wait could turn negative between the test and the delay.
            if (TimeSpan.FromSeconds(i / 2000.0) - clock.Elapsed is { Ticks: > 0 } ahead)
                await Task.Delay(ahead);
        }
        await sending.CancelAsync();
        await slow;
        var takenMeanwhile = pipeline.AppliedClicks;
        var sentIn = clock.Elapsed;
        await app.FlushClicksAsync();

        // More clicks than the queue holds waited for Redis at once (else the test would prove nothing): none was lost.
        Assert.True(mostWaiting > QueueCapacity, $"at most {mostWaiting} clicks waited for Redis, which took {takenMeanwhile} in {sentIn.TotalSeconds:F1} s");
        await app.WaitForSpoolDrainedAsync(TimeSpan.FromSeconds(60));
        Assert.True(pipeline.DroppedClicks == 0, $"{pipeline.DroppedClicks} clicks dropped, {queue.Dropped} of them by the queue");
        Assert.Equal(Clicks + 1, (await CountingTests.GetStatsAsync(app, "busy")).Clicks);
    }
}
