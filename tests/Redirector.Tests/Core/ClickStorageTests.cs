using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Redirector.Analytics;
using Redirector.Clicks;
using Redirector.Links;
using Redirector.Tests.Infrastructure;
using StackExchange.Redis;

namespace Redirector.Tests.Core;

/// <summary>How clicks are laid out in Redis to save memory and work, read back through the API as they were sent.</summary>
public sealed class ClickStorageTests
{
    [Fact]
    public async Task Recent_clicks_come_back_one_per_click_newest_first_from_one_grouped_raw_log_entry()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "recent" });
        var link = (await app.Services.GetRequiredService<LinkCatalog>().FindAsync("recent", CancellationToken.None))!;
        // Handed over together, the five clicks land in one batch.
        var tracker = app.Services.GetRequiredService<ClickTracker>();
        foreach (var agent in new[] { Agents.ChromeWindows, Agents.SafariIphone, Agents.ChromeWindows, Agents.SafariIphone, Agents.ChromeWindows })
            tracker.Track(Agents.Get(agent), link.Id, "shop.example.com", UtmTags.Empty, sourcePage: null, targetUrl: null, linkText: null);
        await app.FlushClicksAsync();

        using var api = app.CreateApiClient();
        var clicks = await api.GetFromJsonAsync<List<JsonElement>>("/api/links/recent/clicks");
        Assert.Equal(5, clicks!.Count);
        var times = clicks.Select(c => c.GetProperty("time").GetDateTime()).ToList();
        Assert.Equal(times.OrderDescending(), times);
        Assert.Equal(3, clicks.Count(c => c.GetProperty("browser").GetString() == "Chrome"));
        Assert.Equal(2, clicks.Count(c => c.GetProperty("browser").GetString() == "Mobile Safari"));
        Assert.All(clicks, c => Assert.False(c.TryGetProperty(RawClickFields.Times, out _)));

        // Stored: one object per distinct shape with the times of its clicks, not one per click.
        using var redis = await ConnectionMultiplexer.ConnectAsync(app.Redis.ConnectionString);
        var shapes = await StoredRawShapesAsync(redis.GetDatabase());
        Assert.Equal([2, 3], shapes.Select(s => s.GetProperty(RawClickFields.Times).GetArrayLength()).Order());
    }

    [Fact]
    public async Task Https_urls_are_stored_without_their_scheme_and_read_back_whole_while_http_ones_keep_it()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "schemes" });
        using var visitor = app.CreateVisitorClient();
        foreach (var (referrer, times) in new[] { ("https://secure.example.org/a?b=1", 3), ("http://plain.example.org/c", 2) })
        {
            for (var i = 0; i < times; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/schemes");
                request.Headers.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
                request.Headers.Referrer = new Uri(referrer);
                (await visitor.SendAsync(request)).Dispose();
            }
        }
        await app.FlushClicksAsync();

        using var api = app.CreateApiClient();
        var stats = await api.GetFromJsonAsync<JsonElement>("/api/links/schemes/stats");
        Assert.Equal(
            [("https://secure.example.org/a?b=1", 3), ("http://plain.example.org/c", 2)],
            stats.GetProperty("referrers").EnumerateArray().Select(k => (k.GetProperty("key").GetString(), k.GetProperty("clicks").GetInt32())));
        Assert.Equal(
            [("https://secure.example.org/a", 3), ("http://plain.example.org/c", 2)],
            stats.GetProperty("sourcePages").EnumerateArray().Select(k => (k.GetProperty("key").GetString(), k.GetProperty("clicks").GetInt32())));

        using var redis = await ConnectionMultiplexer.ConnectAsync(app.Redis.ConnectionString);
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var link = (await app.Services.GetRequiredService<LinkCatalog>().FindAsync("schemes", CancellationToken.None))!;
        var dayKey = server.Keys(pattern: $"rd:{{l:{link.Id}}}:d:*").Single();
        var fields = (await redis.GetDatabase().HashKeysAsync(dayKey)).Select(f => (string)f!).ToList();
        Assert.Contains("rf:secure.example.org/a?b=1", fields);
        Assert.Contains("rf:http://plain.example.org/c", fields);
        // A link's source pages are its referrers' pages, derived when read rather than stored twice.
        Assert.DoesNotContain(fields, f => f.StartsWith("sp:", StringComparison.Ordinal));
        var domainDay = server.Keys(pattern: "rd:{d:shop.example.com}:d:*").Single();
        Assert.Contains("sp:secure.example.org/a", (await redis.GetDatabase().HashKeysAsync(domainDay)).Select(f => (string)f!));
    }

    [Fact]
    public async Task Link_days_written_with_their_own_source_pages_are_read_from_them()
    {
        await using var app = new RedirectorApplication();
        await app.RedisReadyAsync();
        using var redis = await ConnectionMultiplexer.ConnectAsync(app.Redis.ConnectionString);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var keys = app.Services.GetRequiredService<StatsKeys>();
        var link = StatsSubject.Link(9);
        await redis.GetDatabase().HashSetAsync(keys.Day(link, today.AddDays(-1).ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture)),
            [new("c", 4), new("rf:https://old.example.org/p?q=1", 4), new("sp:https://old.example.org/p", 4)]);
        await redis.GetDatabase().HashSetAsync(keys.Day(link, today.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture)),
            [new("c", 5), new("rf:old.example.org/p?q=2", 2), new("rf:new.example.org/", 3)]);

        var stats = await app.Services.GetRequiredService<StatsReader>().ReadAsync(link, today.AddDays(-1), today);
        Assert.Equal(
            [("https://old.example.org/p", 6L), ("https://new.example.org/", 3L)],
            stats[Dimension.SourcePage].Select(k => (k.Key, k.Clicks)));
    }

    [Fact]
    public async Task Spool_records_and_raw_log_entries_written_by_earlier_versions_are_still_applied_and_read()
    {
        await using var app = new RedirectorApplication();
        await app.RedisReadyAsync();
        using var redis = await ConnectionMultiplexer.ConnectAsync(app.Redis.ConnectionString);
        var db = redis.GetDatabase();
        // A batch in the spool from before multi-key PFADDs: one "p" operation per key.
        var writer = app.Services.GetRequiredService<RedisClickWriter>();
        var old = new ScriptCall(["rd:{g}:a", "rd:{g}:u:20261101"], ["old-node", "7", "p", "2", "3", "v1", "v2", "v3"]);
        await writer.ApplyAsync(new ClickBatch("old-node", 7, 3, [old]));
        Assert.Equal(3, await db.HyperLogLogLengthAsync("rd:{g}:u:20261101"));
        // One from before packed visitors: an "m" operation with one argument per visitor, for two keys.
        var unpacked = new ScriptCall(["rd:{g}:a", "rd:{g}:u:20261102", "rd:{g}:u:20261103"],
            ["old-node", "8", "m", "2", "2", "3", "2", "v1", "v4"]);
        await writer.ApplyAsync(new ClickBatch("old-node", 8, 2, [unpacked]));
        Assert.Equal(2, await db.HyperLogLogLengthAsync("rd:{g}:u:20261102"));
        Assert.Equal(2, await db.HyperLogLogLengthAsync("rd:{g}:u:20261103"));

        // A raw-log entry from before grouping: one object per click with its own time.
        await db.ExecuteAsync("XADD", "rd:{g}:x", "*", "c",
            """[{"time":"2026-11-01T10:00:00Z","link":42,"browser":"Firefox"},{"time":"2026-11-01T10:00:05Z","link":42,"browser":"Chrome"}]""");
        var recent = await app.Services.GetRequiredService<StatsReader>().ReadRecentAsync(10);
        Assert.Equal(["Chrome", "Firefox"], recent.Select(c => c.GetProperty("browser").GetString()));
    }

    private static async Task<List<JsonElement>> StoredRawShapesAsync(IDatabase db)
    {
        var entries = (RedisResult[])(await db.ExecuteAsync("XRANGE", "rd:{g}:x", "-", "+"))!;
        var shapes = new List<JsonElement>();
        foreach (var entry in entries)
        {
            var fields = (RedisResult[])((RedisResult[])entry!)[1]!;
            using var document = JsonDocument.Parse((string)fields[1]!);
            shapes.AddRange(document.RootElement.EnumerateArray().Select(e => e.Clone()));
        }
        return shapes;
    }
}
