using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Redirector.Clicks;
using Redirector.Links;
using Redirector.Tests.Infrastructure;
using Redirector.Tests.Outbound;
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
        var link = (await app.Services.GetRequiredService<LinkCatalog>().FindAsync("", "recent", CancellationToken.None))!;
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
        // Source pages are pages of registered sites.
        await app.CreateSiteAsync("Example", true, "example.org");
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
        var link = (await app.Services.GetRequiredService<LinkCatalog>().FindAsync("", "schemes", CancellationToken.None))!;
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
    public async Task A_batch_over_3000_links_is_counted_exactly_once_even_when_applied_twice()
    {
        await using var app = new RedirectorApplication();
        await app.RedisReadyAsync();
        var keys = app.Services.GetRequiredService<StatsKeys>();
        var builder = new ClickBatchBuilder();
        var time = new DateTime(2026, 11, 22, 9, 30, 0, DateTimeKind.Utc);
        // The global day gets a field per link, and the counts take many arguments.
        for (var link = 1; link <= 3000; link++)
        {
            var shape = TestShapes.Make("20261122", 9, link, isBot: false, (Dimensions.DestinationDomain, "shop.example.com"),
                (Dimensions.ReferrerDomain, "news.example.org"), (Dimensions.Referrer, "https://news.example.org/a"), (Dimensions.SourcePage, "https://news.example.org/a"),
                (Dimensions.UtmSource, "mail"), (Dimensions.DeviceType, "mobile"), (Dimensions.Os, "iOS"), (Dimensions.Browser, "Mobile Safari"));
            builder.Add(new Click(time, shape, (ulong)link));
            builder.Add(new Click(time, shape, (ulong)link));
        }
        var batch = builder.Build("node-a", 42);
        var writer = app.Services.GetRequiredService<RedisClickWriter>();
        var calls = writer.CallsOf([batch]);
        // A link's writes go to the unit of its id's remainder: 3,000 links make a call of every unit.
        Assert.Equal(StatsKeys.LinkUnits, calls.Count);
        var counts = calls.SelectMany(call => call.Args.Where((_, i) => i > 0 && call.Args[i - 1] == "j")).ToList();
        Assert.True(counts.Count > calls.Count);
        Assert.All(counts, c => Assert.True(((byte[])c!).Length < 85_000, "a counts argument on the large object heap"));
        await writer.ApplyAsync(batch);
        await writer.ApplyAsync(batch);

        using var redis = await ConnectionMultiplexer.ConnectAsync(app.Redis.ConnectionString);
        var db = redis.GetDatabase();
        var globalDay = keys.Day(StatsSubject.Global, "20261122");
        Assert.Equal(6000, (long)await db.HashGetAsync(globalDay, "c"));
        Assert.Equal(2, (long)await db.HashGetAsync(globalDay, "ln:1"));
        Assert.Equal(2, (long)await db.HashGetAsync(globalDay, "ln:3000"));
        Assert.Equal(3000 + 10, await db.HashLengthAsync(globalDay)); // a field per link and c, h09, rd, rf, sp, us, dt, os, br, dd
        var linkDay = keys.Day(StatsSubject.Link(777), "20261122");
        Assert.Equal(2, (long)await db.HashGetAsync(linkDay, "c"));
        Assert.Equal(2, (long)await db.HashGetAsync(linkDay, "rf:news.example.org/a"));
        Assert.Equal(2, (long)await db.HashGetAsync(keys.Totals(StatsSubject.Link(777)), "c"));
        Assert.True(await db.KeyTimeToLiveAsync(linkDay) > TimeSpan.FromDays(300));
        Assert.Equal(1, await db.HyperLogLogLengthAsync(keys.Visitors(StatsSubject.Link(777), "20261122")));
        Assert.InRange(await db.HyperLogLogLengthAsync(keys.Visitors(StatsSubject.Global, "20261122")), 2940, 3060);
        var linkDays = Enumerable.Range(1, 3000).Select(link => (RedisKey)keys.Day(StatsSubject.Link(link), "20261122")).ToArray();
        Assert.Equal(3000, (await Task.WhenAll(linkDays.Select(k => db.HashGetAsync(k, "c")))).Count(c => c == 2));
    }

    private static async Task<List<JsonElement>> StoredRawShapesAsync(IDatabase db)
    {
        var shapes = new List<JsonElement>();
        foreach (var entry in await db.StreamRangeAsync("rd:{g}:x"))
        {
            using var document = JsonDocument.Parse((string)entry["c"]!);
            shapes.AddRange(document.RootElement.EnumerateArray().Select(e => e.Clone()));
        }
        return shapes;
    }

    [Fact]
    public async Task Batches_applied_as_a_range_are_counted_once_when_a_longer_range_follows_one_Redis_took()
    {
        await using var app = new RedirectorApplication();
        await app.RedisReadyAsync();
        var keys = app.Services.GetRequiredService<StatsKeys>();
        var time = new DateTime(2026, 11, 22, 9, 30, 0, DateTimeKind.Utc);
        var builder = new ClickBatchBuilder();
        ClickBatch Batch(long sequence)
        {
            // Forty links: every unit has links in every batch.
            for (var link = 1; link <= 40; link++)
                builder.Add(new Click(time, TestShapes.Make("20261122", 9, link, isBot: false, (Dimensions.DeviceType, "mobile")), (ulong)link));
            return builder.Build("node-a", sequence);
        }
        var (first, second, third) = (Batch(10), Batch(20), Batch(30));
        var writer = app.Services.GetRequiredService<RedisClickWriter>();

        // The first two as a range; then, as after an answer lost to a timeout, the three as one: each unit is given the third.
        await writer.ApplyAsync([first, second]);
        await writer.ApplyAsync([first, second, third]);
        // A replay of one batch of the range, and of the range, count nothing.
        await writer.ApplyAsync(second);
        await writer.ApplyAsync([second, third]);

        using var redis = await ConnectionMultiplexer.ConnectAsync(app.Redis.ConnectionString);
        var db = redis.GetDatabase();
        var globalDay = keys.Day(StatsSubject.Global, "20261122");
        Assert.Equal(120, (long)await db.HashGetAsync(globalDay, "c"));
        Assert.Equal(120, (long)await db.HashGetAsync(globalDay, "dt:mobile"));
        for (var link = 1; link <= 40; link++)
        {
            Assert.Equal(3, (long)await db.HashGetAsync(keys.Day(StatsSubject.Link(link), "20261122"), "c"));
            Assert.Equal(3, (long)await db.HashGetAsync(globalDay, $"ln:{link}"));
        }
        Assert.Equal(3, await db.StreamLengthAsync(keys.RawLog));
    }
}
