using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Redirector.Clicks;
using Redirector.Stats;
using Redirector.Tests.Core;
using Redirector.Tests.Infrastructure;
using Redirector.Tracking;
using static Redirector.Tests.Outbound.OutboundTestHelpers;

namespace Redirector.Tests.Outbound;

/// <summary>/out and /pv through the real pipeline, read back through the stats API.</summary>
public sealed class OutRedirectTests
{
    private const string Page = "https://blog.example.com/post/1";
    private const string Target = "https://github.com/dotnet/aspnetcore?utm_source=blog";

    [Fact]
    public async Task Unsigned_links_clicked_on_the_site_redirect_and_count_with_text_page_and_domain()
    {
        await using var app = new RedirectorApplication();
        var site = await app.CreateSiteAsync("Blog", true, "example.com");
        using var visitor = app.CreateVisitorClient();

        for (var i = 0; i < 3; i++)
        {
            using var response = await GetAsync(visitor, OutPath(site.Key, Target, Page + "#comments", "  The ASP.NET repo "), Page + "?x=1");
            Assert.Equal(HttpStatusCode.Found, response.StatusCode);
            Assert.Equal(Target, response.Headers.Location!.OriginalString);
            Assert.Equal("noindex", response.Headers.GetValues("X-Robots-Tag").Single());
        }
        // From a subdomain, with the source page taken from the Referer when "from" is not the site's.
        using (var fromSubdomain = await GetAsync(visitor, OutPath(site.Key, "https://www.npmjs.com/", "https://evil.example/", "npm"), "https://docs.example.com/start"))
            Assert.Equal(HttpStatusCode.Found, fromSubdomain.StatusCode);
        using (var head = await visitor.SendAsync(new HttpRequestMessage(HttpMethod.Head, OutPath(site.Key, Target))
               { Headers = { { "Referer", Page } } }))
            Assert.Equal(HttpStatusCode.Found, head.StatusCode);
        // A prefetch is refused (a browser would otherwise reuse its 302 for the navigation, uncounted) and not counted.
        using (var prefetch = await visitor.SendAsync(new HttpRequestMessage(HttpMethod.Get, OutPath(site.Key, Target))
               { Headers = { { "Referer", Page }, { "Sec-Purpose", "prefetch" } } }))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, prefetch.StatusCode);
            Assert.Null(prefetch.Headers.Location);
        }
        await app.FlushClicksAsync();

        var domains = await app.GetJsonAsync<List<KeyCount>>("/api/stats/domains");
        Assert.Equal([("github.com", 3L), ("npmjs.com", 1L)], domains.Select(d => (d.Key, d.Clicks)));
        var targets = await app.GetJsonAsync<List<TargetCount>>("/api/stats/targets");
        Assert.Equal([(Target, "github.com", 3L), ("https://www.npmjs.com/", "npmjs.com", 1L)], targets.Select(t => (t.Url, t.Domain, t.Clicks)));
        Assert.Equal([("The ASP.NET repo", 3L)], targets[0].Texts.Select(t => (t.Key, t.Clicks)));
        var pages = await app.GetJsonAsync<List<PageCount>>("/api/stats/pages");
        Assert.Equal([(Page, 3L), ("https://docs.example.com/start", 1L)], pages.Select(p => (p.Key, p.Clicks)));
        var summary = await app.GetJsonAsync<StatsResponse>("/api/stats/summary");
        Assert.Equal([("blog", 3L)], summary[Dimensions.UtmSource].Select(u => (u.Key, u.Clicks)));
    }

    [Fact]
    public async Task Without_the_sites_referer_a_warning_page_is_shown_and_counts_only_when_continued_in_the_same_browser()
    {
        await using var app = new RedirectorApplication();
        var site = await app.CreateSiteAsync("Blog", false, "blog.example.com");
        using var visitor = app.CreateVisitorClient();

        foreach (var referrer in new[] { null, "https://evil.example/phish", "https://blog.example.com.evil.example/" })
        {
            using var warning = await GetAsync(visitor, OutPath(site.Key, Target, Page, "<b>repo</b>"), referrer);
            Assert.Equal(HttpStatusCode.OK, warning.StatusCode);
            Assert.Null(warning.Headers.Location);
            Assert.Equal("no-referrer", warning.Headers.GetValues("Referrer-Policy").Single());
            Assert.Equal("noindex", warning.Headers.GetValues("X-Robots-Tag").Single());
            Assert.True(warning.Headers.CacheControl!.NoStore);
            var html = await warning.Content.ReadAsStringAsync();
            Assert.Contains("You are leaving for github.com", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<b>repo</b>", html, StringComparison.Ordinal);
        }
        await app.FlushClicksAsync();
        Assert.Empty(await app.GetJsonAsync<List<KeyCount>>("/api/stats/domains"));

        using var page = await GetAsync(visitor, OutPath(site.Key, Target, Page, "repo"), null);
        var continueUrl = ContinueUrl(await page.Content.ReadAsStringAsync());
        Assert.Contains("confirm=", continueUrl, StringComparison.Ordinal);

        // Someone else's browser (no cookie) gets the warning again; a forged confirm never redirects.
        using (var stranger = app.CreateVisitorClient())
        using (var copied = await GetAsync(stranger, continueUrl, null))
            Assert.Equal(HttpStatusCode.OK, copied.StatusCode);
        using (var forged = await GetAsync(visitor, OutPath(site.Key, Target, Page) + "&confirm=9999999999.AAAAAAAAAAAAAAAAAAAAAA", null))
            Assert.Equal(HttpStatusCode.OK, forged.StatusCode);
        using (var otherTarget = await GetAsync(visitor, continueUrl.Replace("github.com", "evil.example", StringComparison.Ordinal), null))
            Assert.Equal(HttpStatusCode.OK, otherTarget.StatusCode);

        using var continued = await GetAsync(visitor, continueUrl, null);
        Assert.Equal(HttpStatusCode.Found, continued.StatusCode);
        Assert.Equal(Target, continued.Headers.Location!.OriginalString);
        await app.FlushClicksAsync();
        Assert.Equal([("github.com", 1L)], (await app.GetJsonAsync<List<KeyCount>>("/api/stats/domains")).Select(d => (d.Key, d.Clicks)));
        Assert.Equal([(Page, 1L)], (await app.GetJsonAsync<List<PageCount>>("/api/stats/pages")).Select(p => (p.Key, p.Clicks)));
    }

    [Fact]
    public async Task Signed_links_redirect_from_anywhere_and_tampered_or_unknown_ones_never_do()
    {
        await using var app = new RedirectorApplication();
        var site = await app.CreateSiteAsync("Newsletter", false, "news.example.com");
        var signer = app.Services.GetRequiredService<OutboundSigner>();
        var signature = signer.Sign(site.Key, Target, Page);
        using var visitor = app.CreateVisitorClient();
        string Signed(string key, string url, string? from, string sig) => "/out" + OutboundUrls.Query(key, url, from, "Repo", ("sig", sig));

        using (var ok = await GetAsync(visitor, Signed(site.Key, Target, Page, signature), "https://mail.example.net/"))
        {
            Assert.Equal(HttpStatusCode.Found, ok.StatusCode);
            Assert.Equal(Target, ok.Headers.Location!.OriginalString);
        }
        var other = await app.CreateSiteAsync("Other", false, "other.example.com");
        foreach (var (path, status) in new[]
        {
            (Signed(site.Key, "https://evil.example/", Page, signature), HttpStatusCode.BadRequest),
            (Signed(site.Key, Target, "https://blog.example.com/other", signature), HttpStatusCode.BadRequest),
            (Signed(site.Key, Target, Page, (signature[0] == 'A' ? "B" : "A") + signature[1..]), HttpStatusCode.BadRequest),
            (Signed(other.Key, Target, Page, signature), HttpStatusCode.BadRequest),
            (Signed("NoSuchSite000000", Target, Page, signature), HttpStatusCode.NotFound),
            (OutPath("NoSuchSite000000", Target), HttpStatusCode.NotFound),
        })
        {
            using var response = await GetAsync(visitor, path, "https://news.example.com/");
            Assert.Equal(status, response.StatusCode);
            Assert.Null(response.Headers.Location);
            Assert.DoesNotContain("href=", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        await app.FlushClicksAsync();
        Assert.Equal([(Target, 1L)], (await app.GetJsonAsync<List<TargetCount>>("/api/stats/targets")).Select(t => (t.Url, t.Clicks)));
    }

    [Fact]
    public async Task Page_views_from_the_sites_pages_are_counted_and_give_the_outbound_click_rate()
    {
        await using var app = new RedirectorApplication();
        var site = await app.CreateSiteAsync("Blog", false, "blog.example.com");
        using var visitor = app.CreateVisitorClient();
        async Task<HttpStatusCode> View(string body, string agent = Agents.ChromeWindows, string type = "text/plain")
        {
            using var content = new StringContent(body, Encoding.UTF8, type);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/pv") { Content = content };
            request.Headers.TryAddWithoutValidation("User-Agent", agent);
            using var response = await visitor.SendAsync(request);
            return response.StatusCode;
        }
        string Body(string key, string url) => System.Text.Json.JsonSerializer.Serialize(new { site = key, url });

        for (var i = 0; i < 4; i++)
            Assert.Equal(HttpStatusCode.NoContent, await View(Body(site.Key, Page + "?ref=x#top")));
        Assert.Equal(HttpStatusCode.NoContent, await View(Body(site.Key, Page), type: "application/json"));
        Assert.Equal(HttpStatusCode.NoContent, await View(Body(site.Key, Page), Agents.Slackbot));
        Assert.Equal(HttpStatusCode.BadRequest, await View(Body(site.Key, "https://evil.example/")));
        Assert.Equal(HttpStatusCode.BadRequest, await View(Body("NoSuchSite000000", Page)));
        Assert.Equal(HttpStatusCode.BadRequest, await View("not json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, await View(Body(site.Key, Page + "?" + new string('a', 5000))));
        for (var i = 0; i < 2; i++)
            (await GetAsync(visitor, OutPath(site.Key, Target, Page), Page)).Dispose();
        await app.FlushClicksAsync();

        var page = Assert.Single(await app.GetJsonAsync<List<PageCount>>("/api/stats/pages"));
        Assert.Equal((Page, 2L, 5L, 0.4), (page.Key, page.Clicks, page.PageViews, page.ExitRate));
    }

    [Fact]
    public async Task The_tracker_script_is_small_cacheable_and_revalidates_by_etag()
    {
        await using var app = new RedirectorApplication();
        using var visitor = app.CreateVisitorClient();
        using var response = await visitor.GetAsync("/t.js");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType!.MediaType);
        Assert.True(response.Headers.CacheControl!.Public);
        var script = await response.Content.ReadAsByteArrayAsync();
        Assert.InRange(script.Length, 500, 4096);
        using var again = new HttpRequestMessage(HttpMethod.Get, "/t.js") { Headers = { { "If-None-Match", response.Headers.ETag!.Tag } } };
        Assert.Equal(HttpStatusCode.NotModified, (await visitor.SendAsync(again)).StatusCode);
    }

    internal static string ContinueUrl(string html)
    {
        var start = html.IndexOf("href=\"", StringComparison.Ordinal) + 6;
        return WebUtility.HtmlDecode(html[start..html.IndexOf('"', start)]);
    }
}
