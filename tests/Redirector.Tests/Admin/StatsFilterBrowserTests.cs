using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Redirector.Tests.Core;
using static Microsoft.Playwright.Assertions;

namespace Redirector.Tests.Admin;

/// <summary>Filters in the admin's counts: a breakdown row narrows every card, as the filtered stats API counts.</summary>
public sealed partial class StatsFilterBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    /// <summary>The cards checked against the API after filtering: (section heading, stats JSON property).</summary>
    private static readonly (string Title, string Json)[] Cards =
        [("UTM source", "utmSources"), ("UTM medium", "utmMediums"), ("Referrer domains", "referrerDomains"), ("Device types", "deviceTypes"), ("Top links", "")];

    [Fact]
    public async Task Clicking_a_campaign_row_filters_every_card_and_the_counts_match_the_filtered_stats_api()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://shop.example.com/spring", slug = "spring", utm = new { campaign = "spring", source = "newsletter", medium = "email" } });
        await app.CreateLinkAsync(new { url = "https://shop.example.com/winter", slug = "winter", utm = new { campaign = "winter", source = "ads", medium = "cpc" } });
        using (var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address })
        {
            foreach (var (path, referrer, agent, times) in new[]
                     {
                         ("/spring", "https://mail.example.net/inbox", Agents.ChromeWindows, 4), ("/spring?utm_source=social", "https://www.facebook.com/", Agents.SafariIphone, 3),
                         ("/winter", "https://www.google.com/", Agents.ChromeWindows, 6), ("/winter", null, Agents.Slackbot, 2),
                     })
            {
                for (var i = 0; i < times; i++)
                    (await Outbound.OutboundTestHelpers.GetAsync(visitor, path, referrer, agent)).Dispose();
            }
        }
        await app.WaitForEventsAsync();
        using var api = app.CreateApiClient();
        var expected = await api.GetFromJsonAsync<JsonElement>("/api/stats/summary?utmCampaign=spring");
        Assert.Equal(7, expected.GetProperty("clicks").GetInt32());

        var page = await browser.SignedInPageAsync(address);
        await Expect(page.GetByTestId("clicks-value")).ToHaveTextAsync("13");
        await page.Locator("section.breakdown", new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "UTM campaign" }) })
            .GetByRole(AriaRole.Link, new() { Name = "spring", Exact = true }).ClickAsync();

        await Expect(page).ToHaveURLAsync(CampaignFilter());
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Remove filter UTM campaign spring" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("clicks-value")).ToHaveTextAsync(Number(expected, "clicks"));
        await Expect(page.GetByTestId("short-link-clicks-value")).ToHaveTextAsync(Number(expected, "shortLinkClicks"));
        await Expect(page.GetByTestId("outbound-clicks-value")).ToHaveTextAsync(Number(expected, "outboundClicks"));
        await Expect(page.GetByTestId("visitors-value")).ToHaveTextAsync(Number(expected, "uniqueVisitors"));
        await Expect(page.GetByTestId("bots-value")).ToHaveTextAsync(Number(expected, "bots"));
        foreach (var (title, json) in Cards)
        {
            var rows = await page.Locator("section.breakdown", new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = title, Exact = true }) })
                .Locator("tr").EvaluateAllAsync<string[][]>("rows => rows.map(r => [r.querySelector('.key').textContent.trim(), r.querySelector('.num').textContent.trim()])");
            var want = json.Length == 0
                ? [["127.0.0.1/spring", "7"]]
                : expected.GetProperty(json).EnumerateArray().Select(k => new[] { k.GetProperty("key").GetString()!, k.GetProperty("clicks").GetInt64().ToString("N0", System.Globalization.CultureInfo.InvariantCulture) }).ToArray();
            Assert.Equal(want, rows);
        }
        await BrowserFixture.ScreenshotAsync(page, "30-dashboard-filtered");

        // A second filter narrows further; removing the first keeps the second.
        await page.Locator("section.breakdown", new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "Device types" }) })
            .GetByRole(AriaRole.Link, new() { Name = "mobile", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("clicks-value")).ToHaveTextAsync("3");
        await page.GetByRole(AriaRole.Link, new() { Name = "Remove filter UTM campaign spring" }).ClickAsync();
        await Expect(page.GetByTestId("clicks-value")).ToHaveTextAsync("3");
        Assert.DoesNotContain("utmCampaign", page.Url, StringComparison.Ordinal);

        // The campaigns page lists each campaign; one campaign's page shows its links, sources and mediums.
        await page.GotoAsync("/admin/campaigns");
        await page.GetByRole(AriaRole.Link, new() { Name = "spring", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "spring", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("clicks-value")).ToHaveTextAsync("7");
        await BrowserFixture.ScreenshotAsync(page, "31-campaign");
    }

    [Fact]
    public async Task A_cut_or_swapped_range_is_said_and_the_range_stays_when_moving_between_pages()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        var page = await browser.SignedInPageAsync(address, 390, 844);
        await page.GotoAsync("/admin?from=2026-11-30&to=2020-01-01&group=month");
        await Expect(page.GetByTestId("range-note")).ToContainTextAsync("from and to were swapped");
        await Expect(page.GetByTestId("range-note")).ToContainTextAsync("cut to its last 400 days");
        await page.GotoAsync("/admin?preset=12m&group=month");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Clicks per month" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Outbound", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(TwelveMonths());
        await page.GetByRole(AriaRole.Link, new() { Name = "Dashboard", Exact = true }).ClickAsync();
        await Expect(page.Locator(".chips a.active", new() { HasText = "12 months" })).ToHaveCountAsync(1);
        Assert.Equal(page.ViewportSize!.Width, await page.EvaluateAsync<int>("document.documentElement.scrollWidth"));
    }

    [Fact]
    public async Task The_countries_card_draws_each_counted_country_on_a_local_world_map_and_a_country_filters()
    {
        await using var app = new Infrastructure.RedirectorApplication(settings: new Dictionary<string, string?>
        {
            ["Admin:Email"] = BrowserFixture.AdminEmail,
            ["Admin:Password"] = BrowserFixture.AdminPassword,
            ["Analytics:CountryHeader"] = "CF-IPCountry",
        });
        var address = app.StartKestrel();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "geo" });
        using (var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address })
        {
            foreach (var (country, times) in new[] { ("FR", 5), ("BR", 2) })
            {
                for (var i = 0; i < times; i++)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/geo");
                    request.Headers.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
                    request.Headers.TryAddWithoutValidation("CF-IPCountry", country);
                    (await visitor.SendAsync(request)).Dispose();
                }
            }
        }
        await app.WaitForEventsAsync();
        var page = await browser.SignedInPageAsync(address, 390, 844);
        var map = page.GetByTestId("world-map");
        await Expect(map.Locator("use.country")).ToHaveCountAsync(2);
        await Expect(map.Locator("use[data-country='FR']")).ToHaveClassAsync(new Regex("shade-5"));
        await Expect(map.Locator("use[data-country='BR']")).ToHaveClassAsync(new Regex("shade-2"));
        // The shapes come from this service, and the browser draws them: France has a size on screen.
        await Expect(map.Locator("use[data-country='FR']")).ToBeVisibleAsync();
        var france = await map.Locator("use[data-country='FR']").BoundingBoxAsync();
        Assert.True(france is { Width: > 3, Height: > 3 }, $"France drawn as {france?.Width}x{france?.Height}");
        using (var svg = await new HttpClient { BaseAddress = address }.GetAsync("/admin/assets/world.svg"))
        {
            Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType!.MediaType);
            Assert.InRange(svg.Content.Headers.ContentLength ?? 0, 50_000, 250_000);
        }
        await map.ScrollIntoViewIfNeededAsync();
        await BrowserFixture.ScreenshotAsync(page, "32-countries-map-phone");

        await page.Locator("section.breakdown", new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "Countries" }) })
            .GetByRole(AriaRole.Link, new() { Name = "BR", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("clicks-value")).ToHaveTextAsync("2");
        await Expect(page.GetByTestId("world-map").Locator("use.country")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task The_short_domain_picker_narrows_the_dashboard_and_top_links_name_their_domain_on_a_phone_and_a_desktop()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        using (var api = app.CreateApiClient())
            (await api.PostAsJsonAsync("/api/domains", new { host = "brand.test" })).EnsureSuccessStatusCode();
        await app.CreateLinkAsync(new { url = "https://example.com/default", slug = "same" });
        await app.CreateLinkAsync(new { url = "https://brand.example.com/same", slug = "same", domain = "brand.test" });
        using (var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address })
        {
            foreach (var (host, times) in new[] { ("brand.test", 3), ("127.0.0.1", 2) })
            {
                for (var i = 0; i < times; i++)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/same");
                    request.Headers.Host = host;
                    request.Headers.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
                    (await visitor.SendAsync(request)).Dispose();
                }
            }
        }
        await app.WaitForEventsAsync();
        foreach (var (width, height, name) in new[] { (1366, 900, "33-dashboard-short-domain"), (390, 844, "33-dashboard-short-domain-phone") })
        {
            var page = await browser.SignedInPageAsync(address, width, height);
            var topLinks = page.Locator("section.breakdown", new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "Top links" }) });
            await Expect(topLinks.GetByRole(AriaRole.Link, new() { Name = "brand.test/same", Exact = true })).ToBeVisibleAsync();
            await page.GetByTestId("short-domains").GetByRole(AriaRole.Link, new() { Name = "brand.test", Exact = true }).ClickAsync();
            await Expect(page.GetByTestId("clicks-value")).ToHaveTextAsync("3");
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Remove filter Short domain brand.test" })).ToBeVisibleAsync();
            await Expect(topLinks.Locator("tr")).ToHaveCountAsync(1);
            Assert.Equal(width, await page.EvaluateAsync<int>("document.documentElement.scrollWidth"));
            await BrowserFixture.ScreenshotAsync(page, name);
            // The row's arrow opens that link's own page, on its domain.
            await topLinks.GetByRole(AriaRole.Link, new() { Name = "Open brand.test/same" }).ClickAsync();
            await Expect(page).ToHaveURLAsync(BrandLinkPage());
            await page.GotoAsync("/admin/outbound?deviceType=desktop&shortDomain=brand.test");
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Remove filter Device types desktop" })).ToBeVisibleAsync();
            Assert.Equal(width, await page.EvaluateAsync<int>("document.documentElement.scrollWidth"));
            await BrowserFixture.ScreenshotAsync(page, name.Replace("dashboard", "outbound", StringComparison.Ordinal));
            await page.Context.CloseAsync();
        }
    }

    [GeneratedRegex("/admin/links/same\\?domain=brand.test&preset=30d$")]
    private static partial Regex BrandLinkPage();

    private static string Number(JsonElement json, string name) =>
        json.GetProperty(name).GetInt64().ToString("N0", System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex("/admin/outbound\\?preset=12m")]
    private static partial Regex TwelveMonths();

    [GeneratedRegex("utmCampaign=spring")]
    private static partial Regex CampaignFilter();
}
