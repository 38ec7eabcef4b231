using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Redirector.Admin.Exports;
using Redirector.Tests.Core;
using Redirector.Tests.Infrastructure;
using static Redirector.Tests.Admin.AdminHttp;
using static Redirector.Tests.Outbound.OutboundTestHelpers;

namespace Redirector.Tests.Admin;

/// <summary>
/// What the admin's counts pages narrow by, over plain HTTP: links on two short domains, <c>?shortDomain=</c>, the
/// outbound and pages pages under filters, and the raw-click export from the event store.
/// </summary>
public sealed partial class AdminFilterScopeTests
{
    [Fact]
    public async Task Top_links_name_each_link_on_its_short_domain_and_shortDomain_narrows_every_count()
    {
        await using var app = await TwoDomainsAsync();
        using var client = NewClient(app);
        await SignInAsync(client);

        var dashboard = WebUtility.HtmlDecode(await client.GetStringAsync("/admin"));
        Assert.Equal("5", Cell(dashboard, "clicks-value"));
        // The same slug on two short domains: two rows, each with its host and its own link page.
        Assert.Contains(">brand.test/same</a>", dashboard, StringComparison.Ordinal);
        Assert.Contains(">localhost/same</a>", dashboard, StringComparison.Ordinal);
        Assert.Contains("href=\"/admin/links/same?domain=brand.test&preset=30d\"", dashboard, StringComparison.Ordinal);
        Assert.Contains("href=\"/admin/links/same?preset=30d\"", dashboard, StringComparison.Ordinal);
        Assert.Contains("href=\"/admin?domain=brand.test&link=same\"", dashboard, StringComparison.Ordinal);
        // The short-domain picker: every domain, the default one first.
        Assert.Equal(["All", "localhost", "brand.test"], Regex.Matches(Section(dashboard, "short-domains"), ">([^<>]+)</a>").Select(m => m.Groups[1].Value));

        var brand = WebUtility.HtmlDecode(await client.GetStringAsync("/admin?shortDomain=brand.test"));
        Assert.Equal("3", Cell(brand, "clicks-value"));
        Assert.Contains("Short domain: <strong>brand.test</strong>", brand, StringComparison.Ordinal);
        Assert.DoesNotContain(">localhost/same</a>", brand, StringComparison.Ordinal);
        Assert.Equal("2", Cell(WebUtility.HtmlDecode(await client.GetStringAsync("/admin?shortDomain=localhost")), "clicks-value"));

        // A link filter names its domain; its chip shows it and goes with it.
        var link = WebUtility.HtmlDecode(await client.GetStringAsync("/admin?domain=brand.test&link=same"));
        Assert.Equal("3", Cell(link, "clicks-value"));
        Assert.Contains("Top links: <strong>brand.test/same</strong>", link, StringComparison.Ordinal);
        Assert.Equal("2", Cell(WebUtility.HtmlDecode(await client.GetStringAsync("/admin?link=same")), "clicks-value"));

        Assert.Equal("slug,clicks\r\nbrand.test/same,3\r\nsame,2\r\n", await CsvAsync(client, "/admin/export/Link.csv?scope=global"));
        Assert.Equal("key,clicks\r\nbrand.example.com,3\r\n", await CsvAsync(client, "/admin/export/DestinationDomain.csv?scope=global&shortDomain=brand.test"));
        // The exports follow the view.
        Assert.Contains("&shortDomain=brand.test", Regex.Match(brand, "href=\"(/admin/export/days.csv[^\"]+)\"").Groups[1].Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_campaigns_page_takes_the_short_domain_picker_and_its_counts_follow_it()
    {
        await using var app = await TwoDomainsAsync("?utm_campaign=spring");
        using var client = NewClient(app);
        await SignInAsync(client);

        var all = WebUtility.HtmlDecode(await client.GetStringAsync("/admin/campaigns"));
        Assert.Equal(["All", "localhost", "brand.test"], Regex.Matches(Section(all, "short-domains"), ">([^<>]+)</a>").Select(m => m.Groups[1].Value));
        Assert.Equal("5", Cell(all, "campaign-clicks"));

        var brand = WebUtility.HtmlDecode(await client.GetStringAsync("/admin/campaigns?preset=7d&shortDomain=brand.test"));
        Assert.Equal("3", Cell(brand, "campaign-clicks"));
        Assert.Contains("Short domain: <strong>brand.test</strong>", brand, StringComparison.Ordinal);
        Assert.Equal("2", Cell(WebUtility.HtmlDecode(await client.GetStringAsync("/admin/campaigns?shortDomain=localhost")), "campaign-clicks"));
        // The range form, the campaign's own page and the CSV keep the choice.
        Assert.Contains("<input type=\"hidden\" name=\"shortDomain\" value=\"brand.test\" />", brand, StringComparison.Ordinal);
        Assert.Contains("href=\"/admin/campaigns/spring?preset=7d&shortDomain=brand.test\"", brand, StringComparison.Ordinal);
        var export = Regex.Match(brand, "href=\"(/admin/export/UtmCampaign.csv[^\"]+)\"").Groups[1].Value;
        Assert.Contains("&shortDomain=brand.test", export, StringComparison.Ordinal);
        Assert.Equal("key,clicks\r\nspring,3\r\n", await CsvAsync(client, export));
        Assert.Equal("3", Cell(WebUtility.HtmlDecode(await client.GetStringAsync("/admin/campaigns/spring?shortDomain=brand.test")), "clicks-value"));

        // A link lives on one short domain: its page has no picker.
        Assert.DoesNotContain("data-testid=\"short-domains\"", await client.GetStringAsync("/admin/links/same?domain=brand.test"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_raw_click_export_streams_every_click_of_the_range_from_the_event_store_under_the_pages_filters()
    {
        await using var app = NewApp();
        await app.CreateLinkAsync(new { url = "https://example.com/raw", slug = "raw" });
        using (var visitor = app.CreateVisitorClient())
        {
            for (var i = 0; i < 5; i++)
                await CountingTests.ClickAsync(visitor, "/raw?utm_source=ads", Agents.ChromeWindows, null);
            for (var i = 0; i < 3; i++)
                await CountingTests.ClickAsync(visitor, "/raw?utm_source=mail", Agents.SafariIphone, null);
            for (var i = 0; i < 2; i++)
                await CountingTests.ClickAsync(visitor, "/raw?utm_source=ads", Agents.Slackbot, null);
        }
        await app.WaitForEventsAsync();
        using var client = NewClient(app);
        await SignInAsync(client);

        using var response = await client.GetAsync("/admin/export/clicks.csv?scope=link&key=raw&preset=30d&utmSource=ads");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(string.Join(',', EventCsv.Header), lines[0]);
        // Five clicks of people and two bot requests with utm_source=ads: every one, each as a row of its kind.
        Assert.Equal(7, lines.Length - 1);
        var kinds = lines[1..].Select(l => l.Split(',')[4]).ToList();
        Assert.Equal(5, kinds.Count(k => k == "click"));
        Assert.Equal(2, kinds.Count(k => k == "bot"));
        Assert.All(lines[1..], line => Assert.Contains(",ads,", line, StringComparison.Ordinal));
        // The link by name, not only by id: slug, short domain, short URL.
        Assert.All(lines[1..], line => Assert.Equal("raw", line.Split(',')[^3]));
        Assert.All(lines[1..], line => Assert.EndsWith("/raw", line.Split(',')[^1], StringComparison.Ordinal));

        var mobile = (await CsvAsync(client, "/admin/export/clicks.csv?scope=global&deviceType=mobile")).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, mobile.Length - 1);
        Assert.All(mobile[1..], line => Assert.Contains(",mail,", line, StringComparison.Ordinal));

        // The event store answers without Redis: the export goes on while the counters are away.
        app.Redis.Pause();
        try
        {
            Assert.Equal(11, (await CsvAsync(client, "/admin/export/clicks.csv?scope=link&key=raw")).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        }
        finally
        {
            app.Redis.Resume();
        }
        using var bad = await client.GetAsync("/admin/export/clicks.csv?scope=global&utmSource=");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var unknown = await client.GetAsync("/admin/export/clicks.csv?scope=link&key=missing");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task The_raw_click_export_is_a_problem_503_without_the_event_store()
    {
        await using (var app = NewApp(new() { ["Events:Enabled"] = "false" }))
        {
            using var client = NewClient(app);
            await SignInAsync(client);
            using var off = await client.GetAsync("/admin/export/clicks.csv?scope=global");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, off.StatusCode);
            Assert.Equal("application/problem+json", off.Content.Headers.ContentType!.MediaType);
        }
    }

    [Fact]
    public async Task Outbound_and_pages_pages_narrow_by_the_filters_of_the_counts_pages_and_say_what_views_cannot()
    {
        await using var app = NewApp();
        var site = await app.CreateSiteAsync("Blog", true, "example.com");
        const string PageA = "https://blog.example.com/a", PageC = "https://docs.example.com/c";
        const string Repo = "https://github.com/dotnet/aspnetcore", Npm = "https://www.npmjs.com/";
        using (var visitor = app.CreateVisitorClient())
        {
            foreach (var (page, target, agent) in new[]
                     {
                         (PageA, Repo, Agents.ChromeWindows), (PageA, Repo, Agents.ChromeWindows), (PageA, Repo, Agents.SafariIphone), (PageC, Npm, Agents.SafariIphone),
                         (PageC, Npm, Agents.SafariIphone),
                     })
            {
                using var click = await GetAsync(visitor, OutPath(site.Key, target, page, "go"), page, agent);
                Assert.Equal(HttpStatusCode.Found, click.StatusCode);
            }
            await AdminOutboundTests.SendPageViewsAsync(visitor, site.Key, PageA, PageA, PageA, PageA);
        }
        await app.WaitForEventsAsync();
        using var client = NewClient(app);
        await SignInAsync(client);

        var outbound = WebUtility.HtmlDecode(await client.GetStringAsync("/admin/outbound?preset=7d&deviceType=mobile"));
        Assert.Equal(["2", "1"], Cells(outbound, "target-clicks"));
        Assert.Contains("Device types: <strong>mobile</strong>", outbound, StringComparison.Ordinal);
        // The range form and the domains keep the filter; a domain row narrows further.
        Assert.Contains("<input type=\"hidden\" name=\"deviceType\" value=\"mobile\" />", outbound, StringComparison.Ordinal);
        Assert.Contains("href=\"/admin/domains/github.com?preset=7d&deviceType=mobile\"", outbound, StringComparison.Ordinal);
        Assert.Contains("href=\"/admin/outbound?preset=7d&deviceType=mobile&destinationDomain=github.com\"", outbound, StringComparison.Ordinal);
        Assert.Equal(["1"], Cells(WebUtility.HtmlDecode(await client.GetStringAsync("/admin/outbound?deviceType=mobile&destinationDomain=github.com")), "target-clicks"));
        Assert.Equal($"url,domain,clicks,link_texts\r\n{Npm},npmjs.com,2,go (2)\r\n{Repo},github.com,1,go (1)\r\n",
            await CsvAsync(client, "/admin/export/targets.csv?deviceType=mobile"));

        var pages = WebUtility.HtmlDecode(await client.GetStringAsync("/admin/pages?deviceType=mobile"));
        Assert.Equal(["2", "1"], Cells(pages, "clicks"));
        Assert.Empty(Cells(pages, "views"));
        Assert.Empty(Cells(pages, "rate"));
        Assert.Contains("data-testid=\"views-note\"", pages, StringComparison.Ordinal);
        Assert.Contains($"href=\"/admin/pages?url={Uri.EscapeDataString(PageC)}&preset=30d&deviceType=mobile\"", pages, StringComparison.Ordinal);
        Assert.Equal($"page,clicks\r\n{PageC},2\r\n{PageA},1\r\n", await CsvAsync(client, "/admin/export/pages.csv?deviceType=mobile"));
        // Without filters the views and exit rates are back.
        Assert.Equal(["4", "0"], Cells(WebUtility.HtmlDecode(await client.GetStringAsync("/admin/pages")), "views"));
    }

    /// <summary>
    /// A service with the short domain brand.test, the slug "same" on it and on the default domain, 3 and 2 clicks,
    /// each with <paramref name="query"/> (e.g. UTM parameters).
    /// </summary>
    private static async Task<RedirectorApplication> TwoDomainsAsync(string query = "")
    {
        var app = NewApp();
        using (var api = app.CreateApiClient())
            (await api.PostAsJsonAsync("/api/domains", new { host = "brand.test" })).EnsureSuccessStatusCode();
        await app.CreateLinkAsync(new { url = "https://example.com/default", slug = "same" });
        await app.CreateLinkAsync(new { url = "https://brand.example.com/same", slug = "same", domain = "brand.test" });
        using (var visitor = app.CreateVisitorClient())
        {
            foreach (var (host, times) in new[] { ("brand.test", 3), ("localhost", 2) })
            {
                for (var i = 0; i < times; i++)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/same" + query);
                    request.Headers.Host = host;
                    request.Headers.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
                    using var response = await visitor.SendAsync(request);
                    Assert.Equal(HttpStatusCode.Found, response.StatusCode);
                }
            }
        }
        await app.WaitForEventsAsync();
        return app;
    }

    private static string Cell(string html, string testId) => Cells(html, testId).Single();

    private static List<string> Cells(string html, string testId) =>
        Regex.Matches(html, $"data-testid=\"{testId}\">([^<]*)<").Select(m => m.Groups[1].Value.Trim()).ToList();

    private static string Section(string html, string testId) =>
        Regex.Match(html, $"data-testid=\"{testId}\">(.*?)</nav>", RegexOptions.Singleline).Groups[1].Value;

    private static async Task<string> CsvAsync(HttpClient client, string path) => (await client.GetStringAsync(path)).TrimStart('\uFEFF');
}
