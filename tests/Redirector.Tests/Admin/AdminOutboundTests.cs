using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Redirector.Tests.Core;
using Microsoft.Extensions.DependencyInjection;
using Redirector.Sites;
using Redirector.Tracking;
using Redirector.Tests.Outbound;
using static Redirector.Tests.Admin.AdminHttp;
using static Redirector.Tests.Outbound.OutboundTestHelpers;

namespace Redirector.Tests.Admin;

/// <summary>Sites and outbound counts in the admin area, over plain HTTP forms as a browser without script submits them.</summary>
public sealed partial class AdminOutboundTests
{
    private const string PageA = "https://blog.example.com/a";
    private const string PageB = "https://blog.example.com/b";
    private const string PageC = "https://docs.example.com/c";
    private const string Repo = "https://github.com/dotnet/aspnetcore?tab=readme";
    private const string Npm = "https://www.npmjs.com/";

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

        // A host belongs to one site: the form says which has it, as the API's 409 does.
        var other = await app.CreateSiteAsync("Docs", false, "docs.example.com");
        using (var taken = await SubmitAsync(client, "/admin/sites", "new-site", new() { ["Form.Name"] = "Blog", ["Form.Hosts"] = "docs.example.com" }))
        {
            Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
            Assert.Contains($"data-testid=\"error-hosts\">'docs.example.com' already belongs to the site 'Docs' (key {other.Key})",
                WebUtility.HtmlDecode(await taken.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        }
        await catalog.DeleteAsync(other.Key, CancellationToken.None);

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

    [Fact]
    public async Task Outbound_clicks_and_page_views_show_exactly_on_the_outbound_and_pages_pages_and_their_exports()
    {
        await using var app = NewApp();
        var site = await app.CreateSiteAsync("Blog", true, "example.com");
        using (var visitor = app.CreateVisitorClient())
        {
            foreach (var (page, target, text) in new[] { (PageA, Repo, "The repo"), (PageA, Repo, "The repo"), (PageA, Repo, "Source"), (PageC, Npm, "npm") })
            {
                using var click = await GetAsync(visitor, OutPath(site.Key, target, page, text), page);
                Assert.Equal(HttpStatusCode.Found, click.StatusCode);
            }
            await SendPageViewsAsync(visitor, site.Key, PageA, PageA, PageA, PageA, PageB, PageB);
        }
        await app.FlushClicksAsync();
        using var client = NewClient(app);
        await SignInAsync(client);

        var outbound = WebUtility.HtmlDecode(await client.GetStringAsync("/admin/outbound?preset=7d"));
        Assert.Equal(["3", "1"], Cells(outbound, "target-clicks"));
        Assert.Contains("“The repo” <span class=\"muted\">2</span>", outbound, StringComparison.Ordinal);
        Assert.Contains("<a class=\"tag\" href=\"/admin/domains/github.com?preset=7d\">github.com</a>", outbound, StringComparison.Ordinal);
        Assert.Equal(
            $"url,domain,clicks,link_texts\r\n{Repo},github.com,3,\"The repo (2); Source (1)\"\r\n{Npm},npmjs.com,1,npm (1)\r\n",
            await CsvAsync(client, "/admin/export/targets.csv"));
        Assert.Equal("key,clicks\r\ngithub.com,3\r\nnpmjs.com,1\r\n", await CsvAsync(client, "/admin/export/DestinationDomain.csv?scope=global"));
        // Without a scope an export is of everything, as docs/admin.md says.
        Assert.Equal("key,clicks\r\ngithub.com,3\r\nnpmjs.com,1\r\n", await CsvAsync(client, "/admin/export/DestinationDomain.csv"));

        var pages = WebUtility.HtmlDecode(await client.GetStringAsync("/admin/pages"));
        Assert.Equal([PageA, PageB, PageC], PageLinks().Matches(pages).Select(m => m.Groups[1].Value));
        Assert.Equal(["4", "2", "0"], Cells(pages, "views"));
        Assert.Equal(["3", "0", "1"], Cells(pages, "clicks"));
        Assert.Equal(["75%", "0%", "—"], Cells(pages, "rate"));
        Assert.Equal(
            $"page,page_views,clicks,exit_rate\r\n{PageA},4,3,0.75\r\n{PageB},2,0,0\r\n{PageC},0,1,\r\n",
            await CsvAsync(client, "/admin/export/pages.csv"));
    }

    /// <summary>One page view reported by the site script for each page given.</summary>
    internal static async Task SendPageViewsAsync(HttpClient visitor, string siteKey, params string[] pages)
    {
        foreach (var page in pages)
        {
            using var content = new StringContent(System.Text.Json.JsonSerializer.Serialize(new { site = siteKey, url = page }), Encoding.UTF8, "text/plain");
            using var request = new HttpRequestMessage(HttpMethod.Post, "/pv") { Content = content };
            request.Headers.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
            using var view = await visitor.SendAsync(request);
            Assert.True(view.IsSuccessStatusCode);
        }
    }

    private static List<string> Cells(string html, string testId) =>
        Regex.Matches(html, $"data-testid=\"{testId}\">([^<]*)<").Select(m => m.Groups[1].Value).ToList();

    private static async Task<string> CsvAsync(HttpClient client, string path) => (await client.GetStringAsync(path)).TrimStart('\uFEFF');

    [GeneratedRegex("<a class=\"url-split\" href=\"/admin/pages\\?url=[^\"]+\" title=\"([^\"]+)\"")]
    private static partial Regex PageLinks();
}
