using System.Diagnostics;
using System.Net;
using Microsoft.Playwright;
using Redirector.Tests.Core;
using static Microsoft.Playwright.Assertions;

namespace Redirector.Tests.Admin;

/// <summary>Counts on an open page follow clicks within a second, pushed by /admin/live (server-sent events).</summary>
public sealed class LiveCountsBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_click_through_real_http_shows_on_an_open_dashboard_within_one_second()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://example.com/live", slug = "live" });
        var page = await browser.SignedInPageAsync(address);
        await Expect(page.GetByTestId("clicks-value")).ToHaveTextAsync("0");
        // The stream's first event says it listens; clicks before it would be in the page as rendered.
        await Expect(page.Locator("html[data-live='listening']")).ToHaveCountAsync(1);

        using var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
        for (var click = 1; click <= 3; click++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/live");
            request.Headers.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
            var clicked = Stopwatch.StartNew();
            using (var response = await visitor.SendAsync(request))
                Assert.Equal(HttpStatusCode.Found, response.StatusCode);
            // No flush, no reload: the page alone must show it within the second.
            await Expect(page.GetByTestId("clicks-value")).ToHaveTextAsync(click.ToString(System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = 1_000 });
            Assert.True(clicked.Elapsed < TimeSpan.FromSeconds(1), $"click {click} showed after {clicked.ElapsedMilliseconds} ms");
        }
        Assert.Equal("/admin", new Uri(page.Url).AbsolutePath);
    }
}
