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
        using var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
        // One click counted before the page opens, so that the timed clicks measure a running node rather than the
        // first compilation of its click pipeline: in the first seconds of a fresh-clone CI run, with every test class
        // starting at once, that took longer than the second.
        await ClickAsync(visitor);
        await app.FlushClicksAsync();
        var page = await browser.SignedInPageAsync(address);
        await Expect(page.GetByTestId("clicks-value")).ToHaveTextAsync("1");
        // The stream's first event says it listens; clicks before it would be in the page as rendered.
        await Expect(page.Locator("html[data-live='listening']")).ToHaveCountAsync(1);

        for (var click = 2; click <= 4; click++)
        {
            var clicked = Stopwatch.StartNew();
            await ClickAsync(visitor);
            // No flush, no reload: the page alone must show it within the second.
            await Expect(page.GetByTestId("clicks-value")).ToHaveTextAsync(click.ToString(System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = 1_000 });
            Assert.True(clicked.Elapsed < TimeSpan.FromSeconds(1), $"click {click} showed after {clicked.ElapsedMilliseconds} ms");
        }
        Assert.Equal("/admin", new Uri(page.Url).AbsolutePath);
    }

    private static async Task ClickAsync(HttpClient visitor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/live");
        request.Headers.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
        using var response = await visitor.SendAsync(request);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
    }
}
