using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Redirector.Tests.Core;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Reliability;

/// <summary>Redis goes away in the middle of traffic; every click is still answered and counted exactly once.</summary>
public sealed class FaultTests
{
    [Fact]
    public async Task The_service_starts_and_redirects_with_Redis_down_and_counts_once_Redis_arrives()
    {
        using var redis = new RedisServer(start: false);
        await using var app = new RedirectorApplication(redis);
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "early" });
        using var visitor = app.CreateVisitorClient();
        for (var i = 0; i < 40; i++)
            await CountingTests.ClickAsync(visitor, "/early", Agents.ChromeWindows, null);
        await app.FlushClicksAsync();

        using (var ready = JsonDocument.Parse(await visitor.GetStringAsync("/readyz")))
        {
            var analytics = ready.RootElement.GetProperty("checks").GetProperty("analytics");
            Assert.Equal("degraded", analytics.GetProperty("status").GetString());
            Assert.True(analytics.GetProperty("data").GetProperty("spooledBatches").GetInt32() > 0);
        }
        using (var api = app.CreateApiClient())
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await api.GetAsync("/api/links/early/stats")).StatusCode);

        redis.Start();
        await app.WaitForSpoolDrainedAsync();
        Assert.Equal(40, (await CountingTests.GetStatsAsync(app, "early")).Clicks);
    }

    [Fact]
    public async Task Redis_killed_mid_burst_and_restarted_loses_and_doubles_nothing()
    {
        using var redis = new RedisServer(persistent: true);
        await using var app = new RedirectorApplication(redis);
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "burst" });
        using var visitor = app.CreateVisitorClient();

        await BurstAsync(visitor, "/burst", 150);
        await app.FlushClicksAsync();
        redis.Kill();
        await BurstAsync(visitor, "/burst", 150);
        await app.FlushClicksAsync();
        redis.Start();
        await BurstAsync(visitor, "/burst", 100);
        await app.WaitForSpoolDrainedAsync();

        var stats = await CountingTests.GetStatsAsync(app, "burst");
        Assert.Equal(400, stats.Clicks);
        Assert.Equal(400, stats.ByDay.Sum(d => d.Clicks));
    }

    [Fact]
    public async Task Redis_paused_mid_burst_keeps_redirects_fast_and_counts_exactly()
    {
        using var redis = new RedisServer();
        await using var app = new RedirectorApplication(redis, new Dictionary<string, string?> { ["Analytics:ApplyTimeout"] = "00:00:00.500" });
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "pause" });
        using var visitor = app.CreateVisitorClient();

        await BurstAsync(visitor, "/pause", 100);
        redis.Pause();
        var slowest = await BurstAsync(visitor, "/pause", 200);
        await app.FlushClicksAsync();
        // The connection stays open while the server answers nothing: readyz must say so, not that clicks are replaying.
        using (var ready = JsonDocument.Parse(await visitor.GetStringAsync("/readyz")))
        {
            var analytics = ready.RootElement.GetProperty("checks").GetProperty("analytics");
            Assert.Equal("degraded", analytics.GetProperty("status").GetString());
            Assert.StartsWith("Redis does not answer", analytics.GetProperty("description").GetString());
        }
        redis.Resume();
        await BurstAsync(visitor, "/pause", 100);
        await app.WaitForSpoolDrainedAsync();

        // No request waits for Redis: even the slowest redirect during the pause is far below any Redis timeout.
        Assert.True(slowest < TimeSpan.FromMilliseconds(400), $"slowest redirect during the pause took {slowest.TotalMilliseconds} ms");
        Assert.Equal(400, (await CountingTests.GetStatsAsync(app, "pause")).Clicks);
    }

    [Fact]
    public async Task Redis_client_pause_mid_burst_delays_counting_but_not_redirects()
    {
        using var redis = new RedisServer();
        await using var app = new RedirectorApplication(redis, new Dictionary<string, string?> { ["Analytics:ApplyTimeout"] = "00:00:00.500" });
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "cpause" });
        using var visitor = app.CreateVisitorClient();

        await BurstAsync(visitor, "/cpause", 50);
        await app.FlushClicksAsync();
        Assert.Equal("+OK", redis.Command("CLIENT", "PAUSE", "2000", "WRITE"));
        var slowest = await BurstAsync(visitor, "/cpause", 150);
        await app.FlushClicksAsync();
        await BurstAsync(visitor, "/cpause", 50);
        await app.WaitForSpoolDrainedAsync();

        Assert.True(slowest < TimeSpan.FromMilliseconds(400), $"slowest redirect during the pause took {slowest.TotalMilliseconds} ms");
        Assert.Equal(250, (await CountingTests.GetStatsAsync(app, "cpause")).Clicks);
    }

    [Fact]
    public async Task A_graceful_restart_of_the_service_mid_burst_keeps_every_click()
    {
        using var redis = new RedisServer(persistent: true);
        var dataDirectory = Directory.CreateTempSubdirectory("redirector-restart-").FullName;
        var settings = new Dictionary<string, string?>();
        await using (var first = new RedirectorApplication(redis, settings, dataDirectory))
        {
            await first.CreateLinkAsync(new { url = "https://example.com/", slug = "restart" });
            using var visitor = first.CreateVisitorClient();
            await BurstAsync(visitor, "/restart", 100);
            redis.Kill();
            // These stay in the spool through the shutdown.
            await BurstAsync(visitor, "/restart", 60);
        }
        Assert.Contains(Directory.GetFiles(Path.Combine(dataDirectory, "spool"), "*.spool"), f => new FileInfo(f).Length > 0);

        redis.Start();
        await using var second = new RedirectorApplication(redis, settings, dataDirectory);
        using (var visitor = second.CreateVisitorClient())
            await BurstAsync(visitor, "/restart", 40);
        await second.WaitForSpoolDrainedAsync();
        Assert.Equal(200, (await CountingTests.GetStatsAsync(second, "restart")).Clicks);
        await second.DisposeAsync();
        Directory.Delete(dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Redis_flushed_mid_traffic_resumes_counting_without_errors()
    {
        using var redis = new RedisServer();
        await using var app = new RedirectorApplication(redis);
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "flush" });
        using var visitor = app.CreateVisitorClient();
        await BurstAsync(visitor, "/flush", 50);
        await app.FlushClicksAsync();
        Assert.Equal("+OK", redis.Command("FLUSHALL"));
        await BurstAsync(visitor, "/flush", 30);
        await app.FlushClicksAsync();

        var stats = await CountingTests.GetStatsAsync(app, "flush");
        Assert.Equal(30, stats.Clicks);
        Assert.All(stats.ByDay, d => Assert.True(d.Clicks >= 0));
        Assert.Equal(30, stats.ByDay.Sum(d => d.Clicks));
    }

    [Fact]
    public async Task A_full_spool_drops_clicks_and_says_so_in_readyz()
    {
        using var redis = new RedisServer(start: false);
        await using var app = new RedirectorApplication(redis, new Dictionary<string, string?> { ["Analytics:SpoolMaxBytes"] = "4096" });
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "full" });
        using var visitor = app.CreateVisitorClient();
        for (var i = 0; i < 30; i++)
        {
            await CountingTests.ClickAsync(visitor, $"/full?utm_campaign=c{i}", Agents.ChromeWindows, $"https://site{i}.example/page");
            await app.FlushClicksAsync();
        }
        using var ready = JsonDocument.Parse(await visitor.GetStringAsync("/readyz"));
        var data = ready.RootElement.GetProperty("checks").GetProperty("analytics").GetProperty("data");
        Assert.True(data.GetProperty("droppedClicks").GetInt64() > 0);
        Assert.True(data.GetProperty("spooledBytes").GetInt64() <= 4096);
    }

    /// <summary>Sends clicks one after another, asserting each is a redirect; returns the slowest.</summary>
    private static async Task<TimeSpan> BurstAsync(HttpClient visitor, string path, int count)
    {
        var slowest = TimeSpan.Zero;
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await CountingTests.ClickAsync(visitor, path, Agents.ChromeWindows, "https://news.example/item");
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (elapsed > slowest)
                slowest = elapsed;
        }
        return slowest;
    }
}
