using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Redirector.Tests.Core;
using static Microsoft.Playwright.Assertions;

namespace Redirector.Tests.Admin;

/// <summary>The Short domains page and the link form's domain picker, driven in Chromium against the real service.</summary>
public sealed class ShortDomainsBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_domain_added_in_the_admin_is_picked_in_the_link_form_and_its_link_redirects_on_that_host()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        var page = await browser.SignedInPageAsync(address);

        await page.GotoAsync("/admin");
        await page.GetByRole(AriaRole.Link, new() { Name = "Short domains" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/short-domains$"));
        await page.GetByLabel("Host").FillAsync("not a host");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add domain" }).ClickAsync();
        await Expect(page.GetByTestId("error-host")).ToContainTextAsync("not a valid DNS name");
        await page.GetByLabel("Host").FillAsync("Brand.Test");
        await page.GetByLabel("Unknown slugs go to").FillAsync("https://brand.example.com/missing");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add domain" }).ClickAsync();
        var row = page.Locator("tr[data-domain='brand.test']");
        await Expect(row).ToContainTextAsync("https://brand.example.com/missing");

        await page.GotoAsync("/admin/links/new");
        await Expect(page.GetByLabel("Short domain")).ToHaveValueAsync("");
        await page.GetByLabel("Short domain").SelectOptionAsync("brand.test");
        await page.GetByLabel("Destination URL").FillAsync("https://brand.example.com/spring");
        await page.GetByLabel("Slug").FillAsync("spring");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create link" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/links/spring\\?domain=brand.test&saved=1$"));
        await Expect(page.GetByTestId("short-domain")).ToContainTextAsync("brand.test");
        await Expect(page.GetByTestId("short-url")).ToHaveTextAsync($"http://brand.test:{address.Port}/spring");
        await BrowserFixture.ScreenshotAsync(page, "links-short-domain");

        using var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
        foreach (var (host, expected) in new[] { ("brand.test", "https://brand.example.com/spring"), ("brand.test", "https://brand.example.com/missing") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, expected.EndsWith("missing", StringComparison.Ordinal) ? "/no-such-slug" : "/spring");
            request.Headers.Host = host;
            request.Headers.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
            using var response = await visitor.SendAsync(request);
            Assert.Equal(HttpStatusCode.Found, response.StatusCode);
            Assert.Equal(expected, response.Headers.Location!.ToString());
        }

        await page.GotoAsync("/admin/links");
        await Expect(page.Locator("tr[data-domain='brand.test']")).ToContainTextAsync("brand.test/spring");

        await page.GotoAsync("/admin/short-domains");
        await page.GetByRole(AriaRole.Link, new() { Name = "Remove brand.test" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove now" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("still has 1 link");
        await page.GetByRole(AriaRole.Link, new() { Name = "Edit brand.test" }).ClickAsync();
        await page.GetByLabel("Root goes to").FillAsync("https://brand.example.com/");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.Locator("tr[data-domain='brand.test']")).ToContainTextAsync("https://brand.example.com/");
        await BrowserFixture.ScreenshotAsync(page, "short-domains");
    }
}
