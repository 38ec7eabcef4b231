using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Redirector.Tests.Infrastructure;
using Redirector.Tracking;

namespace Redirector.Tests.Outbound;

public sealed class SitesApiTests
{
    [Fact]
    public async Task Sites_are_created_listed_changed_and_deleted()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();

        using var created = await api.PostAsJsonAsync("/api/sites", new { name = "Blog", hosts = new List<string> { "Blog.Example.com", "bücher.example" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var site = (await created.Content.ReadFromJsonAsync<SiteResponse>())!;
        Assert.Matches("^[0-9A-Za-z]{16}$", site.Key);
        Assert.Equal($"/api/sites/{site.Key}", created.Headers.Location!.OriginalString);
        Assert.Equal(["blog.example.com", "xn--bcher-kva.example"], site.Hosts);
        Assert.False(site.AllowSubdomains);
        Assert.Contains($"data-site=\"{site.Key}\"", site.Snippet, StringComparison.Ordinal);
        Assert.Contains("/t.js\"", site.Snippet, StringComparison.Ordinal);

        var list = await api.GetFromJsonAsync<List<SiteResponse>>("/api/sites");
        Assert.Equal([site.Key], list!.Select(s => s.Key));

        using var patched = await api.PatchAsJsonAsync($"/api/sites/{site.Key}", new { hosts = new List<string> { "example.com" }, allowSubdomains = true });
        var changed = (await patched.Content.ReadFromJsonAsync<SiteResponse>())!;
        Assert.Equal(("Blog", true), (changed.Name, changed.AllowSubdomains));
        Assert.Equal(["example.com"], (await api.GetFromJsonAsync<SiteResponse>($"/api/sites/{site.Key}"))!.Hosts);

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/sites/{site.Key}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/sites/{site.Key}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.DeleteAsync($"/api/sites/{site.Key}")).StatusCode);
    }

    /// <summary>The trial registered "localhost" for two sites, 201 twice: a host belongs to one site.</summary>
    [Fact]
    public async Task A_host_of_another_site_is_refused_with_409_naming_that_site()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        var blog = await app.CreateSiteAsync("Blog", false, "localhost");
        var shop = await app.CreateSiteAsync("Shop", false, "shop.example.com");

        using var second = await api.PostAsJsonAsync("/api/sites", new { name = "Staging", hosts = new[] { "LOCALHOST." } });
        await AssertHostTakenAsync(second, blog.Key);
        using var moved = await api.PatchAsJsonAsync($"/api/sites/{shop.Key}", new { hosts = new[] { "shop.example.com", "localhost" } });
        await AssertHostTakenAsync(moved, blog.Key);
        Assert.Equal(["shop.example.com"], (await api.GetFromJsonAsync<SiteResponse>($"/api/sites/{shop.Key}"))!.Hosts);
        Assert.Equal(2, (await api.GetFromJsonAsync<List<SiteResponse>>("/api/sites"))!.Count);

        // A site keeps its own hosts, and a host given up is free for another.
        using (var same = await api.PatchAsJsonAsync($"/api/sites/{blog.Key}", new { name = "Blog", hosts = new[] { "localhost" } }))
            Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        using (var given = await api.PatchAsJsonAsync($"/api/sites/{blog.Key}", new { hosts = new[] { "blog.example.com" } }))
            Assert.Equal(HttpStatusCode.OK, given.StatusCode);
        using (var taken = await api.PatchAsJsonAsync($"/api/sites/{shop.Key}", new { hosts = new[] { "localhost" } }))
            Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
    }

    private static async Task AssertHostTakenAsync(HttpResponseMessage response, string owner)
    {
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!;
        Assert.Contains($"'localhost' already belongs to the site 'Blog' (key {owner})", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(problem.Detail, Assert.Single(problem.Errors["hosts"]));
    }

    [Fact]
    public async Task Invalid_sites_are_refused_field_by_field_and_the_api_needs_a_key()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        using var response = await api.PostAsJsonAsync("/api/sites", new { name = " ", hosts = new List<string> { "https://example.com/path" } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!;
        Assert.Equal(["hosts", "name"], problem.Errors.Keys.Order());

        using var anonymous = app.CreateApiClient(key: null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/sites")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/rewrite", new { site = "x", html = "" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/stats/targets")).StatusCode);
    }

    [Fact]
    public async Task A_site_change_on_another_node_reaches_this_node_within_a_second()
    {
        await using var first = new RedirectorApplication();
        await using var second = new RedirectorApplication(first.Redis, new Dictionary<string, string?>
        {
            ["ConnectionStrings:Catalog"] = $"Data Source={Path.Combine(first.DataDirectory, "catalog.db")}",
        }, dataDirectory: Directory.CreateTempSubdirectory("redirector-test-").FullName);
        _ = second.Services;
        var site = await first.CreateSiteAsync("Blog", false, "blog.example.com");
        using var visitor = second.CreateVisitorClient();
        var path = OutboundTestHelpers.OutPath(site.Key, "https://github.com/");

        await Eventually(async () =>
        {
            using var response = await OutboundTestHelpers.GetAsync(visitor, path, "https://blog.example.com/post");
            return response.StatusCode == HttpStatusCode.Found;
        });
        using var api = first.CreateApiClient();
        await api.DeleteAsync($"/api/sites/{site.Key}");
        await Eventually(async () =>
        {
            using var response = await OutboundTestHelpers.GetAsync(visitor, path, "https://blog.example.com/post");
            return response.StatusCode == HttpStatusCode.NotFound;
        });
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(1.5);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the change did not arrive within a second");
            await Task.Delay(50);
        }
    }
}
