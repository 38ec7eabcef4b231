using System.Diagnostics;
using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Redirector.Catalog;
using Redirector.Links;
using Redirector.Tests.Core;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Scale;

/// <summary>
/// The bounded link cache with read-through: misses read the catalogue once, unknown slugs are remembered, changes
/// on one node reach another within a second, the capacity holds, and start-up does not read the links.
/// </summary>
public sealed class LinkCacheTests
{
    [Fact]
    public async Task Concurrent_misses_for_one_link_make_one_catalogue_query_and_every_click_is_counted()
    {
        await using var first = new RedirectorApplication();
        await using var second = SecondNode(first, ("Catalog:Cache:WarmLinks", "0"));
        var cache = second.Services.GetRequiredService<LinkCache>();
        await Eventually(() => Task.FromResult(cache.FilterReady), TimeSpan.FromSeconds(10));
        await first.CreateLinkAsync(new { slug = "miss", url = "https://example.com/miss" });
        await second.RedisReadyAsync();
        var lookup = second.Services.GetRequiredService<LinkCacheLookup>();
        // A create reaches another node's filter with its next poll (within 1 s): visits before that are answered 404.
        await Eventually(() => Task.FromResult(cache.MayExist("", "miss")));
        Assert.False(cache.Contains("", "miss"));

        using var visitor = second.CreateVisitorClient();
        const int visits = 40;
        var answers = await Task.WhenAll(Enumerable.Range(0, visits).Select(_ => Task.Run(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/miss");
            request.Headers.UserAgent.ParseAdd(Agents.ChromeWindows);
            using var response = await visitor.SendAsync(request);
            return (response.StatusCode, response.Headers.Location?.ToString());
        })));

        Assert.All(answers, a => Assert.Equal((HttpStatusCode.Found, "https://example.com/miss"), a));
        Assert.Equal(1, lookup.Queries);
        await second.WaitForSpoolDrainedAsync();
        Assert.Equal(visits, (await CountingTests.GetStatsAsync(second, "miss")).Clicks);
    }

    [Fact]
    public async Task A_slug_answered_as_unknown_redirects_within_a_second_once_another_node_creates_it()
    {
        await using var first = new RedirectorApplication();
        await using var second = SecondNode(first);
        using var visitor = second.CreateVisitorClient();
        var cache = second.Services.GetRequiredService<LinkCache>();
        var lookup = second.Services.GetRequiredService<LinkCacheLookup>();
        await Eventually(() => Task.FromResult(cache.FilterReady), TimeSpan.FromSeconds(10));
        // A deleted slug stays in the filter, so its misses reach the catalogue and leave an unknown mark.
        await first.CreateLinkAsync(new { slug = "later", url = "https://example.com/old" });
        using (var api = first.CreateApiClient())
            Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync("/api/links/later")).StatusCode);
        await Eventually(() => Task.FromResult(cache.MayExist("", "later")));
        await Task.Delay(600); // both changes applied, so none comes after the mark below

        Assert.Equal(HttpStatusCode.NotFound, (await visitor.GetAsync("/later")).StatusCode);
        var queries = lookup.Queries;
        Assert.Equal(1, cache.UnknownCount);
        Assert.Equal(HttpStatusCode.NotFound, (await visitor.GetAsync("/later")).StatusCode);
        Assert.Equal(queries, lookup.Queries);

        await first.CreateLinkAsync(new { slug = "later", url = "https://example.com/later" });
        await Eventually(async () =>
        {
            using var response = await visitor.GetAsync("/later");
            return response.StatusCode == HttpStatusCode.Found;
        });
    }

    [Fact]
    public async Task An_edit_and_a_delete_on_one_node_reach_a_node_holding_the_link_within_a_second()
    {
        await using var first = new RedirectorApplication();
        await using var second = SecondNode(first);
        await first.CreateLinkAsync(new { slug = "moving", url = "https://example.com/old" });
        using var visitor = second.CreateVisitorClient();
        Assert.Equal("https://example.com/old", (await visitor.GetAsync("/moving")).Headers.Location?.ToString());
        Assert.True(second.Services.GetRequiredService<LinkCache>().Contains("", "moving"));

        using var api = first.CreateApiClient();
        using var edit = new HttpRequestMessage(HttpMethod.Patch, "/api/links/moving")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { url = "https://example.com/new" }),
        };
        Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(edit)).StatusCode);
        await Eventually(async () =>
        {
            using var response = await visitor.GetAsync("/moving");
            return response.Headers.Location?.ToString() == "https://example.com/new";
        });

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync("/api/links/moving")).StatusCode);
        await Eventually(async () =>
        {
            using var response = await visitor.GetAsync("/moving");
            return response.StatusCode == HttpStatusCode.NotFound;
        });
    }

    [Fact]
    public async Task Past_its_capacity_the_cache_evicts_and_evicted_links_are_read_back_with_their_maximum_of_clicks_intact()
    {
        await using var app = new RedirectorApplication(settings: new Dictionary<string, string?> { ["Catalog:Cache:Capacity"] = "10" });
        await app.CreateLinkAsync(new { slug = "capped", url = "https://example.com/capped", maxClicks = 2 });
        using var visitor = app.CreateVisitorClient();
        Assert.Equal(HttpStatusCode.Found, (await Visit(visitor, "/capped")).StatusCode);
        Assert.Equal(HttpStatusCode.Found, (await Visit(visitor, "/capped")).StatusCode);
        // Two clock ticks, so the links created next are all more recently used than this one.
        await Task.Delay(600);
        for (var i = 0; i < 30; i++)
            await app.CreateLinkAsync(new { slug = $"many-{i}", url = $"https://example.com/{i}" });

        var cache = app.Services.GetRequiredService<LinkCache>();
        await Eventually(() => Task.FromResult(cache.Count <= 10 && !cache.Contains("", "capped")), TimeSpan.FromSeconds(5));
        Assert.True(cache.Evictions >= 21);
        for (var i = 0; i < 30; i++)
            Assert.Equal($"https://example.com/{i}", (await visitor.GetAsync($"/many-{i}")).Headers.Location?.ToString());
        // Read back after its eviction, the link keeps the clicks it used: no fresh allowance.
        Assert.Equal(HttpStatusCode.NotFound, (await Visit(visitor, "/capped")).StatusCode);
        await Eventually(() => Task.FromResult(cache.Count <= 10), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_node_starts_without_reading_the_links_and_serves_those_it_did_not_warm()
    {
        await using var first = new RedirectorApplication();
        var factory = first.Services.GetRequiredService<IDbContextFactory<CatalogDb>>();
        await using (var db = await factory.CreateDbContextAsync())
        {
            var now = DateTime.UtcNow;
            db.Links.AddRange(Enumerable.Range(0, 5_000).Select(i => new Link
            {
                Slug = $"seed-{i}", Destination = $"https://example.com/{i}", CreatedAt = now, UpdatedAt = now,
            }));
            await db.SaveChangesAsync();
        }

        await using var second = SecondNode(first, ("Catalog:Cache:Capacity", "100"));
        var cache = second.Services.GetRequiredService<LinkCache>();
        Assert.True(cache.Count < 5_000);
        using var visitor = second.CreateVisitorClient();
        Assert.Equal("https://example.com/0", (await visitor.GetAsync("/seed-0")).Headers.Location?.ToString());
        // The warm-up takes the most recent links, up to 90% of the capacity.
        await Eventually(() => Task.FromResult(cache.Contains("", "seed-4999")), TimeSpan.FromSeconds(5));
        Assert.InRange(cache.Count, 90, 100);
    }

    [Fact]
    public async Task The_warm_up_and_the_filter_wait_for_the_first_seconds_of_serving()
    {
        await using var first = new RedirectorApplication();
        for (var i = 0; i < 20; i++)
            await first.CreateLinkAsync(new { slug = $"early-{i}", url = $"https://example.com/{i}" });

        await using var second = SecondNode(first, ("Catalog:Cache:WarmDelay", "00:10:00"));
        var cache = second.Services.GetRequiredService<LinkCache>();
        using var visitor = second.CreateVisitorClient();
        Assert.Equal("https://example.com/3", (await Visit(visitor, "/early-3")).Headers.Location?.ToString());
        // Without the delay the 20 links are warmed within milliseconds of the start.
        await Task.Delay(1000);
        Assert.Equal(1, cache.Count);
        Assert.False(cache.FilterReady);
        Assert.Equal(HttpStatusCode.NotFound, (await Visit(visitor, "/nowhere")).StatusCode);
    }

    [Fact]
    public async Task A_miss_while_the_catalogue_is_unreadable_answers_503_at_once_and_caches_nothing()
    {
        await using var first = new RedirectorApplication();
        await first.CreateLinkAsync(new { slug = "away", url = "https://example.com/away" });
        await using var second = SecondNode(first, ("Catalog:Cache:WarmLinks", "0"));
        using var visitor = second.CreateVisitorClient();
        visitor.Timeout = TimeSpan.FromSeconds(10);
        var file = Path.Combine(first.DataDirectory, "catalog.db");

        // With its write-ahead log and index too: a new empty file beside the old log could be rebuilt from it.
        string[] files = [file, file + "-wal", file + "-shm"];
        var cache = second.Services.GetRequiredService<LinkCache>();
        await Eventually(() => Task.FromResult(cache.FilterReady), TimeSpan.FromSeconds(10));
        SqliteConnection.ClearAllPools();
        foreach (var part in files.Where(File.Exists))
            File.Move(part, part + ".away");
        try
        {
            // A connection busy during the first clear (the change-log poller's) went back to the pool open on the old file.
            await Task.Delay(300);
            SqliteConnection.ClearAllPools();
            Assert.False(cache.Contains("", "away"));
            var clock = Stopwatch.StartNew();
            using var response = await visitor.GetAsync("/away");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var part in files)
            {
                File.Delete(part);
                if (File.Exists(part + ".away"))
                    File.Move(part + ".away", part);
            }
        }
        Assert.Equal("https://example.com/away", (await visitor.GetAsync("/away")).Headers.Location?.ToString());
    }

    private static RedirectorApplication SecondNode(RedirectorApplication first, params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Catalog"] = $"Data Source={Path.Combine(first.DataDirectory, "catalog.db")}",
        };
        foreach (var (key, value) in settings)
            all[key] = value;
        return new RedirectorApplication(first.Redis, all, dataDirectory: Directory.CreateTempSubdirectory("redirector-test-").FullName);
    }

    private static async Task<HttpResponseMessage> Visit(HttpClient visitor, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.UserAgent.ParseAdd(Agents.ChromeWindows);
        return await visitor.SendAsync(request);
    }

    private static async Task Eventually(Func<Task<bool>> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(1.2));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the change did not arrive in time");
            await Task.Delay(50);
        }
    }
}
