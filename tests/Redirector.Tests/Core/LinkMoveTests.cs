using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Redirector.Catalog;
using Redirector.Tests.Infrastructure;
using Redirector.Tests.Reliability;

namespace Redirector.Tests.Core;

/// <summary>
/// <c>PATCH /api/links/{slug}?domain=OLD {"domain": "NEW"}</c> moves a link to another registered domain and
/// <c>{"slug": "NEW"}</c> renames it (as Dub and Shlink allow): its counts stay, its old short URL stops answering
/// and its new one answers, on every node that shares the catalogue; a key taken there is 409. A body
/// <c>version</c> guards a change as If-Match does.
/// </summary>
public sealed class LinkMoveTests
{
    private const string Shop = "https://shop.example/";

    [Fact]
    public async Task A_moved_link_answers_on_its_new_domain_only_on_every_node()
    {
        await using var nodes = new TwoNodes(new Dictionary<string, string?> { ["Redirector:BaseUrl"] = "https://go.example.com" });
        var (first, second) = (nodes.First, nodes.Second);
        using var api = first.CreateApiClient();
        (await api.PostAsJsonAsync("/api/domains", new { host = "brand.test" })).EnsureSuccessStatusCode();
        await first.CreateLinkAsync(new { url = Shop, slug = "move" });
        using var visitorOfFirst = first.CreateVisitorClient();
        using var visitorOfSecond = second.CreateVisitorClient();
        // Both nodes have both keys cached: the old one as a link, the new one as unknown.
        foreach (var visitor in new[] { visitorOfFirst, visitorOfSecond })
        {
            await WaitForStatusAsync(visitor, "http://go.example.com/move", HttpStatusCode.Found);
            await WaitForStatusAsync(visitor, "http://brand.test/move", HttpStatusCode.NotFound);
        }

        using var moved = await StrictInputTests.SendAsync(api, "PATCH", "/api/links/move", """{"domain":"brand.test"}""");
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        var link = await moved.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("brand.test", link.GetProperty("domain").GetString());
        Assert.Equal("https://brand.test/move", link.GetProperty("shortUrl").GetString());

        foreach (var visitor in new[] { visitorOfFirst, visitorOfSecond })
        {
            await WaitForStatusAsync(visitor, "http://brand.test/move", HttpStatusCode.Found);
            await WaitForStatusAsync(visitor, "http://go.example.com/move", HttpStatusCode.NotFound);
        }
        await using var db = await first.Services.GetRequiredService<IDbContextFactory<CatalogDb>>().CreateDbContextAsync();
        var keys = await db.Changes.Where(c => c.Slug == "move").Select(c => c.Domain).ToListAsync();
        Assert.Contains("", keys);
        Assert.Contains("brand.test", keys);
        using (var gone = await api.GetAsync("/api/links/move"))
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(Shop, (await api.GetFromJsonAsync<JsonElement>("/api/links/move?domain=brand.test")).GetProperty("url").GetString());
    }

    [Fact]
    public async Task A_move_onto_a_taken_slug_is_409_and_onto_an_unregistered_domain_400_and_the_own_domain_moves_nothing()
    {
        await using var app = new RedirectorApplication(settings: new Dictionary<string, string?> { ["Redirector:BaseUrl"] = "https://go.example.com" });
        using var api = app.CreateApiClient();
        (await api.PostAsJsonAsync("/api/domains", new { host = "brand.test" })).EnsureSuccessStatusCode();
        await app.CreateLinkAsync(new { url = Shop, slug = "spring" });
        await app.CreateLinkAsync(new { url = "https://brand.example/", slug = "spring", domain = "brand.test" });

        using (var taken = await StrictInputTests.SendAsync(api, "PATCH", "/api/links/spring", """{"domain":"brand.test"}"""))
        {
            Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
            Assert.Equal("application/problem+json", taken.Content.Headers.ContentType?.MediaType);
        }
        var unregistered = await StrictInputTests.ProblemAsync(await StrictInputTests.SendAsync(api, "PATCH", "/api/links/spring", """{"domain":"nowhere.test"}"""));
        Assert.True(unregistered.GetProperty("errors").TryGetProperty("domain", out _));
        Assert.Equal(Shop, (await api.GetFromJsonAsync<JsonElement>("/api/links/spring")).GetProperty("url").GetString());

        // A GET sent back names the domain the link is on: nothing moves.
        var read = await api.GetStringAsync("/api/links/spring?domain=brand.test");
        using (var back = await StrictInputTests.SendAsync(api, "PATCH", "/api/links/spring?domain=brand.test", read))
            Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        Assert.Equal("https://brand.example/", (await api.GetFromJsonAsync<JsonElement>("/api/links/spring?domain=brand.test")).GetProperty("url").GetString());
    }

    [Fact]
    public async Task A_renamed_link_keeps_its_clicks_and_answers_on_its_new_slug_only_on_every_node()
    {
        await using var nodes = new TwoNodes();
        var (first, second) = (nodes.First, nodes.Second);
        await first.CreateLinkAsync(new { url = Shop, slug = "old-name" });
        using var visitorOfFirst = first.CreateVisitorClient();
        using var visitorOfSecond = second.CreateVisitorClient();
        // Both nodes have both keys cached: the old one as a link, the new one as unknown.
        foreach (var visitor in new[] { visitorOfFirst, visitorOfSecond })
        {
            await WaitForStatusAsync(visitor, "/old-name", HttpStatusCode.Found);
            await WaitForStatusAsync(visitor, "/new-name", HttpStatusCode.NotFound);
        }
        // Two clicks were counted above (one per node), three more here.
        const int clicks = 2 + 3;
        for (var i = 0; i < 3; i++)
            await CountingTests.ClickAsync(visitorOfFirst, "/old-name", Agents.ChromeWindows, null);
        await first.WaitForSpoolDrainedAsync();
        await second.WaitForSpoolDrainedAsync();
        using var api = first.CreateApiClient();

        using var renamed = await StrictInputTests.SendAsync(api, "PATCH", "/api/links/old-name", """{"slug":"new-name"}""");
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        var link = await renamed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("new-name", link.GetProperty("slug").GetString());
        Assert.EndsWith("/new-name", link.GetProperty("shortUrl").GetString());
        Assert.Equal(clicks, (await CountingTests.GetStatsAsync(first, "new-name")).Clicks);

        foreach (var visitor in new[] { visitorOfFirst, visitorOfSecond })
        {
            await WaitForStatusAsync(visitor, "/new-name", HttpStatusCode.Found);
            await WaitForStatusAsync(visitor, "/old-name", HttpStatusCode.NotFound);
        }
        await using var db = await first.Services.GetRequiredService<IDbContextFactory<CatalogDb>>().CreateDbContextAsync();
        var keys = await db.Changes.Where(c => c.Slug == "old-name" || c.Slug == "new-name").Select(c => c.Slug).ToListAsync();
        Assert.Contains("old-name", keys);
        Assert.Contains("new-name", keys);
        using (var gone = await api.GetAsync("/api/links/old-name"))
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task A_rename_onto_a_taken_or_bad_slug_changes_nothing_and_the_own_slug_renames_nothing()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        await app.CreateLinkAsync(new { url = Shop, slug = "spring", title = "Spring" });
        await app.CreateLinkAsync(new { url = "https://shop.example/autumn", slug = "autumn" });

        using (var taken = await StrictInputTests.SendAsync(api, "PATCH", "/api/links/spring", """{"slug":"autumn","title":"Lost"}"""))
        {
            Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
            var problem = JsonDocument.Parse(await taken.Content.ReadAsStringAsync()).RootElement;
            Assert.True(problem.GetProperty("errors").TryGetProperty("slug", out _), problem.ToString());
        }
        var reserved = await StrictInputTests.ProblemAsync(await StrictInputTests.SendAsync(api, "PATCH", "/api/links/spring", """{"slug":"api"}"""));
        Assert.True(reserved.GetProperty("errors").TryGetProperty("slug", out _));
        var empty = await StrictInputTests.ProblemAsync(await StrictInputTests.SendAsync(api, "PATCH", "/api/links/spring", """{"slug":null}"""));
        Assert.True(empty.GetProperty("errors").TryGetProperty("slug", out _));
        Assert.Equal("Spring", (await api.GetFromJsonAsync<JsonElement>("/api/links/spring")).GetProperty("title").GetString());
        Assert.Equal("https://shop.example/autumn", (await api.GetFromJsonAsync<JsonElement>("/api/links/autumn")).GetProperty("url").GetString());

        // A GET sent back names the slug the link has: nothing is renamed.
        var read = (await api.GetFromJsonAsync<JsonObject>("/api/links/spring"))!;
        read["title"] = "Spring again";
        using (var back = await StrictInputTests.SendAsync(api, "PATCH", "/api/links/spring", read.ToJsonString()))
            Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        Assert.Equal("Spring again", (await api.GetFromJsonAsync<JsonElement>("/api/links/spring")).GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_body_version_that_is_not_the_stored_one_is_412_and_the_stored_one_proceeds()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        await app.CreateLinkAsync(new { url = Shop, slug = "guarded", title = "Before" });
        var read = (await api.GetFromJsonAsync<JsonObject>("/api/links/guarded"))!;
        var version = read["version"]!.GetValue<int>();

        using (var stale = await StrictInputTests.SendAsync(api, "PATCH", "/api/links/guarded", $$"""{"title":"Stale","version":{{version + 1}}}"""))
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
            Assert.Equal("application/problem+json", stale.Content.Headers.ContentType?.MediaType);
        }
        // If-Match and the body disagreeing is stale too, whichever is current.
        using (var request = new HttpRequestMessage(HttpMethod.Patch, "/api/links/guarded")
        {
            Content = new StringContent($$"""{"title":"Torn","version":{{version + 1}}}""", System.Text.Encoding.UTF8, "application/json"),
        })
        {
            request.Headers.TryAddWithoutValidation("If-Match", $"\"v{version}\"");
            using var torn = await api.SendAsync(request);
            Assert.Equal(HttpStatusCode.PreconditionFailed, torn.StatusCode);
        }
        Assert.Equal("Before", (await api.GetFromJsonAsync<JsonElement>("/api/links/guarded")).GetProperty("title").GetString());

        read["title"] = "After";
        using (var current = await StrictInputTests.SendAsync(api, "PATCH", "/api/links/guarded", read.ToJsonString()))
            Assert.Equal(HttpStatusCode.OK, current.StatusCode);
        var after = await api.GetFromJsonAsync<JsonElement>("/api/links/guarded");
        Assert.Equal("After", after.GetProperty("title").GetString());
        Assert.Equal(version + 1, after.GetProperty("version").GetInt32());
        // The same body again carries the version it was read at: someone (this client) changed the link since.
        using (var again = await StrictInputTests.SendAsync(api, "PATCH", "/api/links/guarded", read.ToJsonString()))
            Assert.Equal(HttpStatusCode.PreconditionFailed, again.StatusCode);
    }

    private static async Task WaitForStatusAsync(HttpClient visitor, string url, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        HttpStatusCode status;
        do
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
            using var response = await visitor.SendAsync(request);
            status = response.StatusCode;
            if (status == expected)
                return;
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"{url} answered {(int)status}, not {(int)expected}, within 10 s");
    }
}

/// <summary>Two nodes sharing one catalogue file and one Redis, as a deployment of several nodes runs them.</summary>
internal sealed class TwoNodes : IAsyncDisposable
{
    private readonly RedisServer _redis = new();

    public TwoNodes(Dictionary<string, string?>? settings = null)
    {
        var catalogue = Path.Combine(Directory.CreateTempSubdirectory("redirector-nodes-").FullName, "catalog.db");
        settings = new Dictionary<string, string?>(settings ?? []) { ["ConnectionStrings:Catalog"] = $"Data Source={catalogue}" };
        First = new RedirectorApplication(_redis, settings);
        Second = new RedirectorApplication(_redis, settings);
    }

    public RedirectorApplication First { get; }
    public RedirectorApplication Second { get; }

    public async ValueTask DisposeAsync()
    {
        await First.DisposeAsync();
        await Second.DisposeAsync();
        _redis.Dispose();
    }
}
