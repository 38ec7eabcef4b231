using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Redirector.Clicks;
using Redirector.Events;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Events;

/// <summary>The ClickHouse provider against a real clickhouse-server 18.16: the same questions as on DuckDB, the same answers.</summary>
public sealed class ClickHouseEventStoreTests
{
    private static readonly EventQuery November = new(new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc), null, EventFilter.None);

    [Fact]
    public async Task A_batch_applied_twice_counts_once_and_events_read_back_whole()
    {
        using var server = new ClickHouseServer();
        await using var store = new ClickHouseEventStore(new Uri(server.Address), new EventsOptions());
        await store.OpenAsync(CancellationToken.None);
        await store.AppendAsync(DuckDbEventStoreTests.Batch(1), CancellationToken.None);
        await store.AppendAsync(DuckDbEventStoreTests.Batch(1), CancellationToken.None);
        await store.AppendAsync(DuckDbEventStoreTests.Batch(2), CancellationToken.None);
        Assert.Equal(18, await store.CountAsync(CancellationToken.None));

        var rows = new List<EventRow>();
        await foreach (var row in store.ReadEventsAsync(November, CancellationToken.None))
            rows.Add(row);
        Assert.Equal(18, rows.Select(r => (r.Node, r.Sequence, r.Index)).Distinct().Count());
        Assert.Equal(new ulong[] { 1000, 1001, 1002 }, rows.Where(r => r.Sequence == 1 && r.Event == EventKinds.Click).Select(r => r.Visitor!.Value).Order());

        var stats = await store.ReadStatsAsync(EventQuery.Days(new DateOnly(2026, 11, 22), new DateOnly(2026, 11, 22), 7, EventFilter.None), 100, CancellationToken.None);
        Assert.Equal(6, stats.Clicks);
        Assert.Equal(4, stats.Bots);
        Assert.Equal(3, stats.UniqueVisitors);
        // Bots are counted once, as bots: never a device type.
        Assert.Equal([("mobile", 6L)], stats[Dimensions.DeviceType].Select(k => (k.Key, k.Clicks)));
        // Values with quotes and backslashes are literals, never SQL.
        var odd = new EventFilter([new DimensionFilter(Dimensions.UtmSource, ["fb' OR 1=1 --\\"], [])]);
        Assert.Equal(0, (await store.ReadStatsAsync(EventQuery.Days(new DateOnly(2026, 11, 22), new DateOnly(2026, 11, 22), null, odd), 100, CancellationToken.None)).Clicks);
    }

    [Fact]
    public async Task A_click_at_23_30_UTC_counts_on_the_next_day_in_Berlin()
    {
        using var server = new ClickHouseServer();
        await using var store = new ClickHouseEventStore(new Uri(server.Address), new EventsOptions());
        await store.OpenAsync(CancellationToken.None);
        await DuckDbEventStoreTests.DaysAndHoursFollowTheTimeZoneAsync(store);
    }

    private static Dictionary<string, string?> On(ClickHouseServer server) => new()
    {
        ["Events:Provider"] = "ClickHouse",
        ["ConnectionStrings:Events"] = server.Address,
    };

    [Fact]
    public async Task Twelve_clicks_answer_the_issues_filters_on_ClickHouse()
    {
        using var server = new ClickHouseServer();
        await using var app = new RedirectorApplication(settings: On(server));
        await FilteredStatsTests.TwelveClicksAnswerEveryFilterAsync(app);
    }

    [Fact]
    public async Task Redis_and_ClickHouse_give_the_same_numbers_for_every_breakdown()
    {
        using var server = new ClickHouseServer();
        await using var app = new RedirectorApplication(settings: On(server));
        await FilteredStatsTests.BothPathsGiveTheSameNumbersAsync(app);
    }

    /// <summary>
    /// The store is away while clicks come: redirects and Redis counting go on, the batches wait in the spool, the
    /// node restarts, the store comes up, and every event is stored exactly once.
    /// </summary>
    [Fact]
    public async Task Clicks_during_a_store_outage_wait_in_the_spool_across_a_restart_and_are_stored_once()
    {
        var port = RedisServer.FreePort();
        using var redis = new RedisServer();
        var data = Directory.CreateTempSubdirectory("events-outage-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["Events:Provider"] = "ClickHouse",
            ["ConnectionStrings:Events"] = $"http://127.0.0.1:{port}/",
            ["Analytics:ReplayInterval"] = "00:00:00.050",
            ["Analytics:ConsumerRetryMax"] = "00:00:00.200",
        };
        try
        {
            await using (var app = new RedirectorApplication(redis, settings, data))
            {
                await app.CreateLinkAsync(new { url = "https://shop.example.com/sale", slug = "sale" });
                using var visitor = app.CreateVisitorClient();
                for (var i = 0; i < 25; i++)
                    await Core.CountingTests.ClickAsync(visitor, "/sale?utm_source=facebook", Core.Agents.SafariIphone, null);
                await app.WaitForSpoolDrainedAsync();
                Assert.Equal(25, (await Core.CountingTests.GetStatsAsync(app, "sale")).Clicks);
                var consumer = app.Services.GetRequiredService<EventStoreConsumer>();
                await Until(() => consumer.Failing);
                Assert.True(consumer.PendingBatches > 0);
                using var api = app.CreateApiClient();
                var ready = await api.GetStringAsync("/readyz");
                Assert.Contains("\"events\"", ready);
                Assert.Contains("\"failing\":true", ready);
            }
            using var server = new ClickHouseServer(port);
            await using (var again = new RedirectorApplication(redis, settings, data))
            {
                using var visitor = again.CreateVisitorClient();
                for (var i = 0; i < 5; i++)
                    await Core.CountingTests.ClickAsync(visitor, "/sale?utm_source=google", Core.Agents.SafariIphone, null);
                await again.WaitForEventsAsync();
                Assert.Equal(30, await again.Services.GetRequiredService<EventStore>().CountAsync(CancellationToken.None));
                using var api = again.CreateApiClient();
                var facebook = (await api.GetFromJsonAsync<Redirector.Stats.StatsResponse>("/api/links/sale/stats?utmSource=facebook"))!;
                Assert.Equal(25, facebook.Clicks);
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(20);
        }
    }
}
