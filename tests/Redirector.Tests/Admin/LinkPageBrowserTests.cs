using System.Net.Http.Json;
using Redirector.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Redirector.Tests.Admin;

/// <summary>A link's page (<c>/admin/links/{slug}</c>) in Chromium against the real service.</summary>
public sealed class LinkPageBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string LongHost = "go.brand-example-with-a-rather-long-name.com";

    [Fact]
    public async Task A_new_link_with_a_long_short_url_fits_a_phones_width()
    {
        var (app, address) = await StartWithLongHostAsync();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://shop.example.com/black-friday", slug = "black-friday-newsletter-header-button-2026" });
        var page = await browser.SignedInPageAsync(address, 390, 844);

        foreach (var path in new[] { "/admin/links/black-friday-newsletter-header-button-2026", $"/admin/links/spring?domain={LongHost}" })
        {
            await page.GotoAsync(path);
            // The empty chart offers to copy the short URL: the button that was as wide as the URL itself.
            await Expect(page.Locator(".empty-state").GetByText("No clicks yet")).ToBeVisibleAsync();
            var wider = await page.EvaluateAsync<string[]>("""
                () => [...document.querySelectorAll('body *')]
                  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth)
                  .map(e => `${e.tagName.toLowerCase()}.${e.className} right ${Math.round(e.getBoundingClientRect().right)}`)
                """);
            Assert.True(await page.EvaluateAsync<int>("document.documentElement.scrollWidth") <= 390, $"{path} is wider than 390 px: {string.Join("; ", wider)}");
        }
    }

    [Fact]
    public async Task The_short_domain_and_the_link_to_its_other_links_are_apart()
    {
        var (app, address) = await StartWithLongHostAsync();
        await using var _ = app;
        var page = await browser.SignedInPageAsync(address);

        await page.GotoAsync($"/admin/links/spring?domain={LongHost}");
        await Expect(page.GetByTestId("short-domain")).ToHaveTextAsync($"{LongHost} · all links on {LongHost}");
    }

    /// <summary>The service with the short domain <see cref="LongHost"/> and a link /spring on it, which has no clicks.</summary>
    private static async Task<(RedirectorApplication App, Uri Address)> StartWithLongHostAsync()
    {
        var (app, address) = BrowserFixture.StartService();
        using var api = app.CreateApiClient();
        (await api.PostAsJsonAsync("/api/domains", new { host = LongHost })).EnsureSuccessStatusCode();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/spring", slug = "spring", domain = LongHost });
        return (app, address);
    }
}
