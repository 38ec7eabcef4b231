using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Redirector.Tests.Core;
using Redirector.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Redirector.Tests.Admin;

/// <summary>The Short domains page and the link form's domain picker, driven in Chromium against the real service.</summary>
public sealed class ShortDomainsBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task An_internationalised_short_domain_reads_in_unicode_and_its_copied_short_url_works()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        const string Ascii = "xn--bcher-kva.example";
        using (var api = app.CreateApiClient())
            (await api.PostAsJsonAsync("/api/domains", new { host = "bücher.example" })).EnsureSuccessStatusCode();
        await app.CreateLinkAsync(new { url = "https://shop.example/buch", slug = "buch", domain = Ascii });
        var page = await browser.SignedInPageAsync(address);

        await page.GotoAsync("/admin/short-domains");
        var host = page.Locator($"tr[data-domain='{Ascii}'] a.host");
        await Expect(host).ToHaveTextAsync("bücher.example");
        await Expect(host).ToHaveAttributeAsync("title", Ascii);
        await page.GetByRole(AriaRole.Link, new() { Name = "Edit bücher.example", Exact = true }).ClickAsync();
        await Expect(page.GetByLabel("Host")).ToHaveValueAsync("bücher.example");
        await Expect(page.GetByLabel("Host")).ToHaveAccessibleDescriptionAsync($"In DNS: {Ascii}");

        await page.GotoAsync("/admin/links");
        var slug = page.Locator("tr[data-slug='buch'] a.slug");
        await Expect(slug).ToHaveTextAsync("bücher.example/buch");
        await Expect(slug.Locator("[title]")).ToHaveAttributeAsync("title", $"{Ascii}/buch");
        var copied = await page.Locator("tr[data-slug='buch'] [data-copy]").GetAttributeAsync("data-copy");

        await page.GotoAsync($"/admin/links/buch?domain={Ascii}");
        await Expect(page.GetByTestId("short-domain")).ToHaveTextAsync("bücher.example · all links on bücher.example");
        await Expect(page.GetByTestId("short-url")).ToHaveTextAsync($"http://bücher.example:{address.Port}/buch");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Copy short URL" })).ToHaveAttributeAsync("data-copy", copied!);

        // What is copied is the ASCII form, which every app makes a link of, and it leads to the link.
        Assert.Equal($"http://{Ascii}:{address.Port}/buch", copied);
        using var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(copied!).PathAndQuery);
        request.Headers.Host = new Uri(copied!).Authority;
        request.Headers.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
        using var response = await visitor.SendAsync(request);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("https://shop.example/buch", response.Headers.Location!.OriginalString);
    }

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

    [Fact]
    public async Task On_a_phone_and_a_laptop_every_row_button_of_a_long_host_with_a_long_root_is_inside_its_card_without_scrolling()
    {
        var (app, address) = await WithLongHostAsync();
        await using var _ = app;
        var page = await browser.SignedInPageAsync(address, 390, 844);
        var row = page.Locator($"tr[data-domain='{LongHost}']");

        // Both states of a row: Edit and Remove…, then Edit, Remove now and Cancel while a removal is confirmed.
        foreach (var (url, buttons) in new[] { ("/admin/short-domains", 2), ($"/admin/short-domains?confirm={LongHost}", 3) })
        {
            await page.GotoAsync(url);
            await Expect(row.Locator("a.button, button")).ToHaveCountAsync(buttons);
            await AssertButtonsInsideCardAsync(page, row, url);
            await Expect(row.Locator(".show-narrow")).ToContainTextAsync("Root: https://www.northern-outdoor-equipment");
            await BrowserFixture.ScreenshotAsync(page, buttons == 2 ? "short-domains-phone" : "short-domains-phone-confirm");
        }

        // A laptop shows every column, the long root URL too, cut origin first within the card.
        await page.SetViewportSizeAsync(1280, 900);
        await page.GotoAsync("/admin/short-domains");
        foreach (var column in new[] { "Root", "Unknown slugs", "Expired links", "Well-known" })
            await Expect(page.GetByRole(AriaRole.Columnheader, new() { Name = column })).ToBeVisibleAsync();
        await Expect(row.Locator(".show-narrow")).ToBeHiddenAsync();
        await AssertButtonsInsideCardAsync(page, row, "/admin/short-domains at 1280 px");
        var root = row.Locator("td.address .url-split").First;
        await Expect(root).ToHaveAttributeAsync("title", "https://www.northern-outdoor-equipment.example.co.uk/collections/spring-clearance");
        await Expect(root.Locator(".url-rest")).ToHaveTextAsync("/collections/spring-clearance");
    }

    [Fact]
    public async Task A_long_host_takes_no_more_lines_than_its_length_needs_on_a_phone_and_a_laptop()
    {
        var (app, address) = await WithLongHostAsync();
        await using var _ = app;
        var page = await browser.SignedInPageAsync(address, 390, 844);
        var link = page.Locator($"tr[data-domain='{LongHost}'] a.host");
        foreach (var width in new[] { 390, 1280 })
        {
            await page.SetViewportSizeAsync(width, 900);
            await page.GotoAsync("/admin/short-domains");
            // Lines drawn against lines needed: the host's width on one line over the width its cell gives it, rounded up.
            var measured = await link.EvaluateAsync<int[]>("""
                a => {
                  const text = document.createRange();
                  text.selectNodeContents(a);
                  const rects = [...text.getClientRects()];
                  const cell = a.closest('th'), style = getComputedStyle(cell);
                  const room = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
                  const full = rects.reduce((sum, r) => sum + r.width, 0);
                  return [new Set(rects.map(r => Math.round(r.top))).size, Math.ceil(full / room), Math.round(full), Math.round(room)];
                }
                """);
            var (lines, needed) = (measured[0], measured[1]);
            var text = $"{measured[2]} px of text in {measured[3]} px";
            Assert.True(lines <= needed, $"at {width} px the host takes {lines} lines where {needed} would do ({text})");
        }
    }

    private const string LongHost = "links.spring-clearance-campaign.northern-outdoor-equipment.example.co.uk";

    /// <summary>The service on a real port with <see cref="LongHost"/> registered, its root a long URL.</summary>
    private static async Task<(RedirectorApplication App, Uri Address)> WithLongHostAsync()
    {
        var (app, address) = BrowserFixture.StartService();
        using var api = app.CreateApiClient();
        using var created = await api.PostAsJsonAsync("/api/domains", new { host = LongHost, rootUrl = "https://www.northern-outdoor-equipment.example.co.uk/collections/spring-clearance" });
        created.EnsureSuccessStatusCode();
        return (app, address);
    }

    /// <summary>Every button of <paramref name="row"/> wholly inside its table's card, which does not scroll, on a page that does not either.</summary>
    private static async Task AssertButtonsInsideCardAsync(IPage page, ILocator row, string where)
    {
        var card = page.Locator(".table-card").Filter(new() { Has = row });
        var cardBox = (await card.BoundingBoxAsync())!;
        foreach (var button in await row.Locator("a.button, button").AllAsync())
        {
            var box = (await button.BoundingBoxAsync())!;
            Assert.True(box.X >= cardBox.X - 0.5 && box.X + box.Width <= cardBox.X + cardBox.Width + 0.5,
                $"\"{await button.TextContentAsync()}\" spans {box.X:0}..{box.X + box.Width:0}px, its card {cardBox.X:0}..{cardBox.X + cardBox.Width:0}px ({where})");
        }
        Assert.Equal(0, await card.EvaluateAsync<int>("c => c.scrollWidth - c.clientWidth"));
        Assert.Equal(page.ViewportSize!.Width, await page.EvaluateAsync<int>("document.documentElement.scrollWidth"));
    }
}
