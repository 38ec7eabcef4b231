using Microsoft.Playwright;
using Redirector.Tests.Admin;
using Redirector.Tests.Core;
using static Microsoft.Playwright.Assertions;

namespace Redirector.Tests.Bots;

/// <summary>The bot kinds where the admin area shows bots, in Chromium against the real service on a loopback port.</summary>
public sealed class BotKindAdminTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_link_page_shows_its_bots_by_kind_as_shares_of_the_bots_and_exports_them()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "mail" });
        await VisitAsync(address, new[] { (Agents.ChromeWindows, 2), (Agents.Slackbot, 3), ("curl/8.5.0", 1) }
            .SelectMany(v => Enumerable.Repeat(("mail", v.Item1), v.Item2)));
        await app.FlushClicksAsync();

        var page = await browser.SignedInPageAsync(address);
        await page.GotoAsync("/admin/links/mail");
        await Expect(page.GetByTestId("clicks-value")).ToHaveTextAsync("2");
        await Expect(page.GetByTestId("bots-value")).ToHaveTextAsync("4");
        var kinds = page.Locator("section", new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "Bot kinds" }) });
        await Expect(kinds.Locator("td.key")).ToHaveTextAsync(["preview", "library"]);
        await Expect(kinds.Locator("td.num")).ToHaveTextAsync(["3", "1"]);
        // The bars are shares of the 4 bots, not of the 2 clicks.
        await Expect(kinds.Locator("rect").First).ToHaveAttributeAsync("width", "75");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "IP Geolocation by DB-IP" })).ToHaveAttributeAsync("href", "https://db-ip.com");
        await BrowserFixture.ScreenshotAsync(page, "30-bot-kinds");

        var download = await page.RunAndWaitForDownloadAsync(() =>
            kinds.GetByRole(AriaRole.Link, new() { Name = "Export Bot kinds as CSV" }).ClickAsync());
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Equal("key,clicks\r\npreview,3\r\nlibrary,1\r\n", csv.TrimStart('\uFEFF'));
    }

    [Fact]
    public async Task Recent_clicks_name_each_bots_kind_a_burst_scanner_too()
    {
        // A wide window so that a slow machine cannot spread the burst out (BotKindCountingTests does the same).
        var (app, address) = BrowserFixture.StartService(new() { ["Bots:BurstLinks"] = "3", ["Bots:BurstWindow"] = "00:00:30" });
        await using var _ = app;
        var slugs = new[] { "offer1", "offer2", "offer3", "offer4" };
        foreach (var slug in slugs)
            await app.CreateLinkAsync(new { url = $"https://shop.example.com/{slug}", slug });
        // One address and agent opening a fourth link within the window is a scanner by the burst rule (docs/bots.md);
        // a link-preview agent is a bot by its agent.
        await VisitAsync(address, slugs.Select(s => (s, Agents.ChromeWindows)).Append(("offer4", Agents.Slackbot)));
        await app.WaitForSpoolDrainedAsync();
        var page = await browser.SignedInPageAsync(address);

        await page.GotoAsync("/admin/links/offer4?bots=1");
        var devices = page.Locator("#recent tbody tr td:nth-child(4)");
        // Both within the same moment: the list's order between them is not what is tested.
        await Expect(devices).ToHaveCountAsync(2);
        Assert.Equal(["bot · preview", "bot · scanner"], (await devices.AllInnerTextsAsync()).Select(t => t.Trim()).Order());
        await page.GotoAsync("/admin/links/offer3?bots=1");
        await Expect(devices).ToHaveTextAsync(["desktop · Windows · Chrome"]);
    }

    /// <summary>Opens each (slug, user agent) in order from one client on a real port, each answered with a redirect.</summary>
    private static async Task VisitAsync(Uri address, IEnumerable<(string Slug, string Agent)> visits)
    {
        using var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
        foreach (var (slug, agent) in visits)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/" + slug);
            request.Headers.TryAddWithoutValidation("User-Agent", agent);
            using var response = await visitor.SendAsync(request);
            Assert.Equal(System.Net.HttpStatusCode.Found, response.StatusCode);
        }
    }
}
