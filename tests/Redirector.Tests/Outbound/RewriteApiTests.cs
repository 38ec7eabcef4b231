using System.Net;
using System.Net.Http.Json;
using Redirector.Clicks;
using Redirector.Stats;
using Redirector.Tests.Infrastructure;
using Redirector.Tracking;
using static Redirector.Tests.Outbound.OutboundTestHelpers;

namespace Redirector.Tests.Outbound;

public sealed class RewriteApiTests
{
    private const string Page = "https://blog.example.com/post/1";

    private const string Document = """
        <!DOCTYPE html>
        <html><head><title>Post &amp; more</title><!-- keep me --></head>
        <body>
          <p class=intro>Read <A HREF='https://github.com/dotnet'  target="_blank" rel="noopener">the   .NET
             repo</A> and <a href=https://www.npmjs.com/package/x?a=1&amp;b=2>npm</a>.</p>
          <a href="/about">About</a> <a href="https://blog.example.com/other">Other post</a>
          <a href="https://www.example.com/shop">Shop</a>
          <a href="//cdn.example.org/file.pdf">PDF</a>
          <a href="mailto:me@example.com">Mail</a> <a href="tel:+123">Call</a> <a href="javascript:alert(1)">JS</a>
          <a href="https://ignored.example.net/" data-redirector-ignore>Ignored</a>
          <a name=anchor>no href</a>
        </body></html>
        """;

    [Fact]
    public async Task Outbound_links_become_signed_tracked_urls_and_the_rest_stays_byte_for_byte()
    {
        await using var app = new RedirectorApplication();
        var site = await app.CreateSiteAsync("Blog", true, "example.com");
        using var api = app.CreateApiClient();
        using var response = await api.PostAsJsonAsync("/api/rewrite", new { site = site.Key, sourcePage = Page, html = Document });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = (await response.Content.ReadFromJsonAsync<RewriteResponse>())!.Html;

        var tracked = System.Text.RegularExpressions.Regex.Matches(html, "href=\"(http://localhost/out\\?[^\"]+)\"", System.Text.RegularExpressions.RegexOptions.IgnoreCase).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();
        Assert.Equal(3, tracked.Count);
        Assert.Equal(
            ["https://github.com/dotnet", "https://www.npmjs.com/package/x?a=1&b=2", "https://cdn.example.org/file.pdf"],
            tracked.Select(t => Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(t).Query)["url"].ToString()));
        Assert.Contains("text=the%20.NET%20repo", tracked[0], StringComparison.Ordinal);

        // Undo the three edits: what is left must be the document as it was sent.
        var restored = html;
        foreach (var (original, url) in new[] { ("'https://github.com/dotnet'", tracked[0]), ("https://www.npmjs.com/package/x?a=1&amp;b=2", tracked[1]), ("\"//cdn.example.org/file.pdf\"", tracked[2]) })
            restored = restored.Replace("\"" + WebUtility.HtmlEncode(url).Replace("&#39;", "'", StringComparison.Ordinal) + "\"", original, StringComparison.Ordinal);
        Assert.Equal(Document, restored);

        // Each rewritten URL redirects from anywhere (a mail client sends no Referer) and counts its text and page.
        using var visitor = app.CreateVisitorClient();
        foreach (var url in tracked)
        {
            using var redirect = await GetAsync(visitor, new Uri(url).PathAndQuery, referrer: null);
            Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
        }
        await app.FlushClicksAsync();
        var targets = await app.GetJsonAsync<List<TargetCount>>("/api/stats/targets");
        Assert.Equal(3, targets.Sum(t => t.Clicks));
        Assert.Equal(["the .NET repo"], targets.Single(t => t.Domain == "github.com").Texts.Select(t => t.Key));
        Assert.Equal([(Page, 3L)], (await app.GetJsonAsync<List<PageCount>>("/api/stats/pages")).Select(p => (p.Key, p.Clicks)));
    }

    [Fact]
    public async Task Unknown_sites_and_bad_pages_are_refused()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        using var response = await api.PostAsJsonAsync("/api/rewrite", new { site = "NoSuchSite000000", sourcePage = "javascript:alert(1)", html = (string?)null });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ValidationProblemDetails>())!;
        Assert.Equal(["html", "site", "sourcePage"], problem.Errors.Keys.Order());
    }

    [Fact]
    public async Task A_document_without_outbound_links_comes_back_unchanged()
    {
        await using var app = new RedirectorApplication();
        var site = await app.CreateSiteAsync("Blog", false, "blog.example.com");
        const string html = "<p>Nothing <a href=\"/here\">here</a> &nbsp; <b>leaves</p>";
        using var api = app.CreateApiClient();
        using var response = await api.PostAsJsonAsync("/api/rewrite", new { site = site.Key, html });
        Assert.Equal(html, (await response.Content.ReadFromJsonAsync<RewriteResponse>())!.Html);
    }
}
