using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Redirector.Sites;
using Redirector.Tracking;
using Redirector.Tests.Outbound;
using static Redirector.Tests.Admin.AdminHttp;

namespace Redirector.Tests.Admin;

/// <summary>Sites and outbound counts in the admin area, over plain HTTP forms as a browser without script submits them.</summary>
public sealed class AdminOutboundTests
{
    [Fact]
    public async Task A_site_is_created_edited_and_deleted_through_the_forms_with_the_apis_rules()
    {
        await using var app = NewApp();
        using var client = NewClient(app);
        await SignInAsync(client);
        var catalog = app.Services.GetRequiredService<SiteCatalog>();

        using (var invalid = await SubmitAsync(client, "/admin/sites", "new-site", new() { ["Form.Name"] = "Blog", ["Form.Hosts"] = "https://blog.example.com/path" }))
        {
            Assert.Equal(HttpStatusCode.OK, invalid.StatusCode);
            var html = WebUtility.HtmlDecode(await invalid.Content.ReadAsStringAsync());
            Assert.Contains("data-testid=\"error-hosts\">'https://blog.example.com/path' is not a host name", html, StringComparison.Ordinal);
            Assert.Contains("value=\"Blog\"", html, StringComparison.Ordinal);
        }
        Assert.Empty(await catalog.ListAsync(CancellationToken.None));

        string key;
        using (var created = await SubmitAsync(client, "/admin/sites", "new-site",
                   new() { ["Form.Name"] = "Blog", ["Form.Hosts"] = "Blog.Example.com,\nwww.example.com", ["Form.AllowSubdomains"] = "true" }))
        {
            Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
            var site = Assert.Single(await catalog.ListAsync(CancellationToken.None));
            Assert.Equal(("Blog", "blog.example.com www.example.com", true), (site.Name, string.Join(' ', site.Hosts), site.AllowSubdomains));
            key = site.Key;
            Assert.Equal($"/admin/sites/{key}?saved=1", created.Headers.Location!.PathAndQuery);
        }

        var page = WebUtility.HtmlDecode(await client.GetStringAsync($"/admin/sites/{key}"));
        var snippet = (await app.GetJsonAsync<SiteResponse>($"/api/sites/{key}")).Snippet;
        Assert.Equal($"<script src=\"http://localhost/t.js\" data-site=\"{key}\" defer></script>", snippet);
        Assert.Contains($"data-testid=\"snippet\">{snippet}</pre>", page, StringComparison.Ordinal);
        Assert.Contains($"<a class=\"slug\" href=\"/admin/sites/{key}\">Blog</a>", WebUtility.HtmlDecode(await client.GetStringAsync("/admin/sites")), StringComparison.Ordinal);

        using (var edited = await SubmitAsync(client, $"/admin/sites/{key}", "site", new() { ["Form.Name"] = "Docs", ["Form.Hosts"] = "docs.example.com" }))
            Assert.Equal($"/admin/sites/{key}?saved=1", edited.Headers.Location!.PathAndQuery);
        var changed = await catalog.FindAsync(key, CancellationToken.None);
        Assert.Equal(("Docs", "docs.example.com", false), (changed!.Name, string.Join(' ', changed.Hosts), changed.AllowSubdomains));

        Assert.Contains("Delete Docs for good?", await client.GetStringAsync($"/admin/sites/{key}?confirm=delete"), StringComparison.Ordinal);
        using (var deleted = await SubmitAsync(client, $"/admin/sites/{key}?confirm=delete", "delete-site", []))
            Assert.Equal("/admin/sites?deleted=Docs", deleted.Headers.Location!.PathAndQuery);
        Assert.Null(await catalog.FindAsync(key, CancellationToken.None));
        Assert.False(app.Services.GetRequiredService<SiteCache>().TryGet(key, out _));
    }
}
