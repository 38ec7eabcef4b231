using System.Net;
using Microsoft.Playwright;
using Redirector.Admin.Access;
using static Microsoft.Playwright.Assertions;
using static Redirector.Tests.Admin.AdminHttp;

namespace Redirector.Tests.Admin;

/// <summary>Each user's display time zone: taken from the browser once, chosen on the account page, IANA ids only.</summary>
public sealed class DisplayTimeZoneTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_chosen_zone_shows_times_in_it_and_an_unknown_or_windows_zone_is_refused()
    {
        await using var app = NewApp();
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "timed", validFrom = "2020-01-01T09:30:00Z" });
        using var client = NewClient(app);
        await SignInAsync(client);
        Assert.Contains("valid from 2020-01-01 09:30 UTC", await client.GetStringAsync("/admin/links/timed"), StringComparison.Ordinal);

        using (var saved = await PostZoneAsync(client, "Europe/Paris"))
        {
            Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
            Assert.Equal("/admin/account?zone=saved", saved.Headers.Location!.OriginalString);
        }
        Assert.Contains("valid from 2020-01-01 10:30 Europe/Paris", await client.GetStringAsync("/admin/links/timed"), StringComparison.Ordinal);
        // Recent clicks name the zone once, in their heading, and show each time in it.
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var before = TimeZoneInfo.ConvertTimeFromUtc(DateTime.UtcNow, paris);
        using (var visitor = app.CreateVisitorClient())
        using (var click = new HttpRequestMessage(HttpMethod.Get, "/timed"))
        {
            click.Headers.TryAddWithoutValidation("User-Agent", Redirector.Tests.Core.Agents.ChromeWindows);
            using var redirected = await visitor.SendAsync(click);
            Assert.Equal(HttpStatusCode.Found, redirected.StatusCode);
        }
        await app.FlushClicksAsync();
        var recent = await client.GetStringAsync("/admin/links/timed");
        Assert.Contains("<th scope=\"col\">Time (Europe/Paris)</th>", recent, StringComparison.Ordinal);
        var after = TimeZoneInfo.ConvertTimeFromUtc(DateTime.UtcNow, paris);
        Assert.Matches($@"<td class=""nowrap"">({Hour(before)}|{Hour(after)}):\d\d:\d\d</td>", recent);
        var account = await client.GetStringAsync("/admin/account?zone=saved");
        Assert.Contains("<option value=\"Europe/Paris\" selected>", account, StringComparison.Ordinal);
        Assert.Contains("Times are now shown in Europe/Paris.", account, StringComparison.Ordinal);

        // Summer time applies to the date shown: July in Paris is UTC+2.
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "summer", validFrom = "2026-07-01T09:30:00Z" });
        Assert.Contains("valid from 2026-07-01 11:30 Europe/Paris", await client.GetStringAsync("/admin/links/summer"), StringComparison.Ordinal);

        foreach (var bad in new[] { "Mars/Olympus", "W. Europe Standard Time", "+02:00", "Europe/Paris\n", new string('a', 100) })
        {
            using var refused = await PostZoneAsync(client, bad);
            Assert.Equal("/admin/account?zone=unknown", refused.Headers.Location!.OriginalString);
            using var fromBrowser = await PostZoneAsync(client, bad, browser: true);
            Assert.Equal(HttpStatusCode.BadRequest, fromBrowser.StatusCode);
            Assert.Equal("application/problem+json", fromBrowser.Content.Headers.ContentType!.MediaType);
        }
        // The browser's zone never replaces one already set.
        using (var ignored = await PostZoneAsync(client, "Asia/Tokyo", browser: true))
            Assert.Equal(HttpStatusCode.NoContent, ignored.StatusCode);
        Assert.Contains("10:30 Europe/Paris", await client.GetStringAsync("/admin/links/timed"), StringComparison.Ordinal);

        // Without the page's antiforgery token nothing changes.
        using (var forged = await client.PostAsync("/admin/account/time-zone", new FormUrlEncodedContent(new Dictionary<string, string> { ["zone"] = "Asia/Tokyo" })))
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Contains("10:30 Europe/Paris", await client.GetStringAsync("/admin/links/timed"), StringComparison.Ordinal);
    }

    private static string Hour(DateTime time) => System.Text.RegularExpressions.Regex.Escape(time.ToString("MMM d, HH", System.Globalization.CultureInfo.InvariantCulture));

    [Theory]
    [InlineData("Asia/Calcutta", "Asia/Kolkata")]
    [InlineData("US/Eastern", "America/New_York")]
    [InlineData("Europe/Kiev", "Europe/Kyiv")]
    [InlineData("America/Buenos_Aires", "America/Argentina/Buenos_Aires")]
    [InlineData("Asia/Kolkata", "Asia/Kolkata")]
    [InlineData("Etc/GMT+5", "Etc/GMT+5")]
    public void An_old_zone_name_is_read_as_the_one_the_picker_lists(string id, string listed)
    {
        Assert.True(DisplayTimeZone.TryParse(id, out var zone));
        Assert.Equal(listed, zone.Id);
    }

    [Fact]
    public async Task An_old_zone_name_is_saved_and_shown_selected_as_its_current_name()
    {
        await using var app = NewApp();
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "timed", validFrom = "2020-01-01T09:30:00Z" });
        using var client = NewClient(app);
        await SignInAsync(client);
        (await PostZoneAsync(client, "US/Eastern")).Dispose();
        var account = await client.GetStringAsync("/admin/account?zone=saved");
        Assert.Contains("<option value=\"America/New_York\" selected>", account, StringComparison.Ordinal);
        Assert.Contains("Times are now shown in America/New_York.", account, StringComparison.Ordinal);
        Assert.Contains("valid from 2020-01-01 04:30 America/New_York", await client.GetStringAsync("/admin/links/timed"), StringComparison.Ordinal);

        // A fixed offset zone.tab does not list stays the user's choice, shown first, not replaced by UTC.
        (await PostZoneAsync(client, "Etc/GMT+5")).Dispose();
        Assert.Contains("<option value=\"Etc/GMT+5\" selected>", WebUtility.HtmlDecode(await client.GetStringAsync("/admin/account")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_browser_reporting_an_old_zone_name_sees_its_current_name_selected_on_a_phone_and_a_desktop()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        foreach (var (width, height, suffix) in new[] { (1366, 900, ""), (390, 844, "-phone") })
        {
            // Chromium's Intl names India's zone Asia/Calcutta, as CLDR does; the picker lists the tz database's Asia/Kolkata.
            var page = await browser.SignedInPageAsync(address, width, height, timeZone: "Asia/Calcutta");
            Assert.Equal("Asia/Calcutta", await page.EvaluateAsync<string>("Intl.DateTimeFormat().resolvedOptions().timeZone"));
            await page.GotoAsync("/admin/account");
            await Expect(page.GetByLabel("Show times in")).ToHaveValueAsync("Asia/Kolkata");
            Assert.Equal(width, await page.EvaluateAsync<int>("document.documentElement.scrollWidth"));
            await BrowserFixture.ScreenshotAsync(page, "35-account-old-zone-name" + suffix);
            await page.Context.CloseAsync();
        }
    }

    [Theory]
    [InlineData("Europe/Paris", true)]
    [InlineData("America/Argentina/Buenos_Aires", true)]
    [InlineData("UTC", true)]
    [InlineData("Etc/UTC", true)]
    [InlineData("Pacific Standard Time", false)]
    [InlineData("europe/nowhere", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Only_iana_ids_the_system_knows_are_zones(string? id, bool known) =>
        Assert.Equal(known, DisplayTimeZone.TryParse(id, out _));

    [Fact]
    public async Task The_browsers_zone_is_taken_once_and_the_account_page_changes_it_on_a_phone_and_a_desktop()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "timed", validFrom = "2020-01-01T09:30:00Z" });
        foreach (var (width, height, suffix) in new[] { (1366, 900, ""), (390, 844, "-phone") })
        {
            var page = await browser.SignedInPageAsync(address, width, height, timeZone: "America/New_York");
            if (suffix.Length == 0)
            {
                // The first page signed in sent the browser's zone (SignedInPageAsync waits for it); the next shows times in it.
                await page.GotoAsync("/admin/links/timed");
                await Expect(page.GetByTestId("access")).ToContainTextAsync("valid from 2020-01-01 04:30 America/New_York");
            }
            await page.GotoAsync("/admin/account");
            await Expect(page.GetByLabel("Show times in")).ToHaveValueAsync(suffix.Length == 0 ? "America/New_York" : "Asia/Tokyo");
            await page.GetByLabel("Show times in").SelectOptionAsync("Asia/Tokyo");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save time zone" }).ClickAsync();
            await Expect(page.GetByTestId("zone-saved")).ToHaveTextAsync("Times are now shown in Asia/Tokyo.");
            Assert.Equal(width, await page.EvaluateAsync<int>("document.documentElement.scrollWidth"));
            await BrowserFixture.ScreenshotAsync(page, "34-account-time-zone" + suffix);
            await page.GotoAsync("/admin/links/timed");
            await Expect(page.GetByTestId("access")).ToContainTextAsync("valid from 2020-01-01 18:30 Asia/Tokyo");
            await Expect(page.GetByTestId("utc-note")).ToHaveTextAsync("Days in UTC");
            await page.Context.CloseAsync();
        }
    }

    private static async Task<HttpResponseMessage> PostZoneAsync(HttpClient client, string zone, bool browser = false)
    {
        var token = TokenOf(await client.GetStringAsync("/admin/account"));
        var fields = new Dictionary<string, string> { ["zone"] = zone, ["__RequestVerificationToken"] = token };
        if (browser)
            fields["browser"] = "1";
        return await client.PostAsync("/admin/account/time-zone", new FormUrlEncodedContent(fields));
    }
}
