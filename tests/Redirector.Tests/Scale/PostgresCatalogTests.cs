using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Redirector.Links;
using Redirector.Tests.Core;
using Redirector.Clicks;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Scale;

/// <summary>The catalogue on PostgreSQL, and two nodes sharing it and one Redis.</summary>
public sealed class PostgresCatalogTests(PostgresCatalogTests.Server server) : IClassFixture<PostgresCatalogTests.Server>
{
    public sealed class Server : IDisposable
    {
        public PostgresServer Postgres { get; } = new();

        public void Dispose() => Postgres.Dispose();
    }

    private static Dictionary<string, string?> Settings(string connectionString) => new()
    {
        ["Catalog:Provider"] = "PostgreSQL",
        ["ConnectionStrings:Catalog"] = connectionString,
    };

    [Fact]
    public async Task Links_are_created_listed_changed_and_counted_on_PostgreSQL()
    {
        await using var app = new RedirectorApplication(settings: Settings(server.Postgres.CreateDatabase()));
        await app.CreateLinkAsync(new { url = "https://example.com/a", slug = "pg", tags = new[] { "sale" }, utm = new { source = "mail" } });
        using var api = app.CreateApiClient();
        var list = await api.GetFromJsonAsync<LinkListResponse>("/api/links?tag=sale&search=EXAMPLE");
        Assert.Equal(["pg"], list!.Items.Select(l => l.Slug));
        (await api.PatchAsJsonAsync("/api/links/pg", new { title = "On Postgres", expiresAt = DateTimeOffset.UtcNow.AddDays(3) })).EnsureSuccessStatusCode();

        using var visitor = app.CreateVisitorClient();
        for (var i = 0; i < 25; i++)
            await CountingTests.ClickAsync(visitor, "/pg", Agents.SafariIphone, "https://news.example/");
        await app.FlushClicksAsync();
        var stats = await CountingTests.GetStatsAsync(app, "pg");
        Assert.Equal(25, stats.Clicks);
        Assert.Equal([("mail", 25)], stats[Dimensions.UtmSource].Select(u => (u.Key, (int)u.Clicks)));
    }

    [Fact]
    public async Task Fifty_concurrent_creates_of_one_slug_give_one_201_on_PostgreSQL()
    {
        await using var app = new RedirectorApplication(settings: Settings(server.Postgres.CreateDatabase()));
        using var api = app.CreateApiClient();
        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            api.PostAsJsonAsync("/api/links", new { url = $"https://example.com/{i}", slug = "race" })));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(49, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
    }

    [Fact]
    public async Task Two_nodes_share_links_within_a_second_and_count_each_click_once()
    {
        var catalog = server.Postgres.CreateDatabase();
        using var redis = new RedisServer();
        await using var first = new RedirectorApplication(redis, Settings(catalog));
        await using var second = new RedirectorApplication(redis, Settings(catalog));
        using var firstVisitor = first.CreateVisitorClient();
        using var secondVisitor = second.CreateVisitorClient();
        Assert.Equal(HttpStatusCode.NotFound, (await secondVisitor.GetAsync("/shared")).StatusCode);

        await first.CreateLinkAsync(new { url = "https://example.com/shared", slug = "shared" });
        var visibleAfter = await WaitForStatusAsync(secondVisitor, "/shared", HttpStatusCode.Found);
        Assert.True(visibleAfter < TimeSpan.FromSeconds(1), $"the second node saw the link after {visibleAfter.TotalMilliseconds} ms");

        for (var i = 0; i < 30; i++)
        {
            await CountingTests.ClickAsync(firstVisitor, "/shared", Agents.ChromeWindows, null);
            await CountingTests.ClickAsync(secondVisitor, "/shared", Agents.ChromeWindows, null);
        }
        await first.FlushClicksAsync();
        await second.FlushClicksAsync();
        Assert.Equal(60, (await CountingTests.GetStatsAsync(first, "shared")).Clicks);

        using var api = first.CreateApiClient();
        (await api.DeleteAsync("/api/links/shared")).EnsureSuccessStatusCode();
        var goneAfter = await WaitForStatusAsync(secondVisitor, "/shared", HttpStatusCode.NotFound);
        Assert.True(goneAfter < TimeSpan.FromSeconds(1), $"the second node still redirected after {goneAfter.TotalMilliseconds} ms");
    }

    private static async Task<TimeSpan> WaitForStatusAsync(HttpClient client, string path, HttpStatusCode expected)
    {
        var started = Stopwatch.GetTimestamp();
        // HEAD, so that polling is not itself counted as clicks.
        while ((await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path))).StatusCode != expected)
        {
            if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(10))
                break;
            await Task.Delay(20);
        }
        return Stopwatch.GetElapsedTime(started);
    }
}
