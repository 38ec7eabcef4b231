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
        using (var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address })
        {
            foreach (var (agent, times) in new[] { (Agents.ChromeWindows, 2), (Agents.Slackbot, 3), ("curl/8.5.0", 1) })
            {
                for (var i = 0; i < times; i++)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/mail");
                    request.Headers.TryAddWithoutValidation("User-Agent", agent);
                    using var response = await visitor.SendAsync(request);
                    Assert.Equal(System.Net.HttpStatusCode.Found, response.StatusCode);
                }
            }
        }
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
}
