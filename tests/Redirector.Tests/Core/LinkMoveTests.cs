using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Redirector.Catalog;
using Redirector.Tests.Infrastructure;
using Redirector.Tests.Reliability;

namespace Redirector.Tests.Core;

/// <summary>
/// <c>PATCH /api/links/{slug}?domain=OLD {"domain": "NEW"}</c> moves a link to another registered domain: its old
/// short URL stops answering and its new one answers, on every node that shares the catalogue.
/// </summary>
public sealed class LinkMoveTests
{
    private const string Shop = "https://shop.example/";

    [Fact]
    public async Task A_moved_link_answers_on_its_new_domain_only_on_every_node()
    {
        using var redis = new RedisServer();
        var catalogue = Path.Combine(Directory.CreateTempSubdirectory("redirector-move-").FullName, "catalog.db");
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Catalog"] = $"Data Source={catalogue}",
            ["Redirector:BaseUrl"] = "https://go.example.com",
        };
        await using var first = new RedirectorApplication(redis, settings);
        await using var second = new RedirectorApplication(redis, settings);
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
