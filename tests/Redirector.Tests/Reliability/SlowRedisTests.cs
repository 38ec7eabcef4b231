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
    private const int Clicks = 5000;
    private const int QueueCapacity = 2000;
    private const int BatchSize = 20;

    private const string BusyFor15Ms = """
        local t = redis.call('TIME')
        local from = t[1] * 1000000 + t[2]
        repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] - from > 15000
        """;

    [Fact]
    public async Task Clicks_faster_than_Redis_takes_them_wait_in_the_spool_and_none_is_dropped()
    {
        await using var app = new RedirectorApplication(settings: new Dictionary<string, string?>
        {
            ["Analytics:BatchSize"] = $"{BatchSize}",
            ["Analytics:QueueCapacity"] = $"{QueueCapacity}",
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

        // Another client keeps Redis busy 15 ms at a time with a gap of a few ms: the pipeline's calls wait up to 15 ms,
        // far inside the apply timeout, so Redis is slow but never failing, taking at most a batch (BatchSize clicks) a gap.
        using var sending = new CancellationTokenSource();
        var queue = app.Services.GetRequiredService<ClickQueue>();
        var mostWaiting = 0;
        var slow = Task.Run(async () =>
        {
            while (!sending.IsCancellationRequested)
            {
                await redis.GetDatabase().ScriptEvaluateAsync(BusyFor15Ms);
                mostWaiting = Math.Max(mostWaiting, queue.Count + pipeline.SpooledBatches * BatchSize);
                await Task.Delay(2);
            }
        });
        await Parallel.ForEachAsync(Enumerable.Range(0, Clicks), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) =>
        {
            using var response = await CountingTests.ClickAsync(visitor, "/busy", Agents.ChromeWindows, null);
        });
        await app.FlushClicksAsync();
        await sending.CancelAsync();
        await slow;

        // More clicks than the queue holds waited for Redis at once (else the test would prove nothing): none was lost.
        Assert.True(mostWaiting > QueueCapacity, $"at most {mostWaiting} clicks waited for Redis");
        await app.WaitForSpoolDrainedAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, pipeline.DroppedClicks);
        Assert.Equal(Clicks + 1, (await CountingTests.GetStatsAsync(app, "busy")).Clicks);
    }
}
