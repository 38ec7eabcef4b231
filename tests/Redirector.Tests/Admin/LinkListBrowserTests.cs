using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Redirector.Links;
using Redirector.Tests.Core;
using static Microsoft.Playwright.Assertions;

namespace Redirector.Tests.Admin;

/// <summary>The links list's search, tag filters and bulk actions, driven in Chromium against the real service.</summary>
public sealed class LinkListBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Bulk_disabling_three_links_makes_exactly_those_answer_as_disabled()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        foreach (var slug in new[] { "one", "two", "three", "keep" })
            await app.CreateLinkAsync(new { url = $"https://shop.example/{slug}", slug, tags = new[] { "spring" } });
        var page = await browser.SignedInPageAsync(address);
        page.Dialog += (_, dialog) => dialog.AcceptAsync();

        await page.GotoAsync("/admin/links");
        foreach (var slug in new[] { "one", "two", "three" })
            await page.GetByLabel($"Select {slug}", new() { Exact = true }).CheckAsync();
        await Expect(page.Locator("[data-bulk-count]")).ToHaveTextAsync("3 selected");
        await BrowserFixture.ScreenshotAsync(page, "links-bulk");
        await page.GetByRole(AriaRole.Button, new() { Name = "Disable", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("bulk-done")).ToContainTextAsync("Disabled 3 links");
        await Expect(page.Locator("tr[data-slug='two']")).ToContainTextAsync("Off");
        await Expect(page.Locator("tr[data-slug='keep'] .badge")).ToHaveCountAsync(0);

        using var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
        visitor.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
        foreach (var slug in new[] { "one", "two", "three" })
        {
            using var response = await visitor.GetAsync("/" + slug);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains("This link does not exist", await response.Content.ReadAsStringAsync());
        }
        using (var kept = await visitor.GetAsync("/keep"))
            Assert.Equal(HttpStatusCode.Found, kept.StatusCode);

        // Select all on the page, add a tag, then delete after the confirmation.
        await page.GetByLabel("Select every link on this page").CheckAsync();
        await Expect(page.Locator("[data-bulk-count]")).ToHaveTextAsync("4 selected");
        await page.GetByLabel("Tag to add").FillAsync("q2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add tag" }).ClickAsync();
        await Expect(page.GetByTestId("bulk-done")).ToContainTextAsync("Tagged 4 links");
        await page.GotoAsync("/admin/links?tag=q2");
        await Expect(page.Locator("tbody tr")).ToHaveCountAsync(4);
        await page.GetByLabel("Select keep", new() { Exact = true }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Expect(page.GetByTestId("bulk-done")).ToContainTextAsync("Deleted 1 link");
        await Expect(page).ToHaveURLAsync(new Regex("/admin/links\\?tag=q2&bulk=delete&count=1$"));
        await Expect(page.Locator("tbody tr")).ToHaveCountAsync(3);
        using (var deleted = await visitor.GetAsync("/keep"))
            Assert.Equal(HttpStatusCode.NotFound, deleted.StatusCode);
    }

    [Fact]
    public async Task A_bulk_action_on_every_link_of_a_filtered_list_applies_exactly_to_the_links_the_filter_shows()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        using (var api = app.CreateApiClient())
            (await api.PostAsJsonAsync("/api/domains", new { host = "brand.test" })).EnsureSuccessStatusCode();
        await app.CreateLinkAsync(new { url = "https://shop.example/spring", slug = "spring-sale", tags = new[] { "sale" } });
        await app.CreateLinkAsync(new { url = "https://shop.example/spring-news", slug = "spring-news" });
        await app.CreateLinkAsync(new { url = "https://shop.example/autumn", slug = "autumn-sale", tags = new[] { "sale" } });
        await app.CreateLinkAsync(new { url = "https://brand.example/spring", slug = "spring-sale", domain = "brand.test", tags = new[] { "sale" } });
        var page = await browser.SignedInPageAsync(address);
        var catalog = app.Services.GetRequiredService<LinkCatalog>();

        // The API's name for the search (GET /api/links?search=), with a tag: the two spring-sale links, on either domain.
        await page.GotoAsync("/admin/links?search=spring&tag=sale");
        await Expect(page.Locator("tbody tr")).ToHaveCountAsync(2);
        await Expect(page.GetByRole(AriaRole.Searchbox)).ToHaveValueAsync("spring");
        await page.GetByLabel("Select every link on this page").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Disable", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("bulk-done")).ToContainTextAsync("Disabled 2 links");
        await Expect(page).ToHaveURLAsync(new Regex("/admin/links\\?search=spring&tag=sale&bulk=disable&count=2$"));
        var disabled = (await catalog.ListAsync(new LinkQuery(PageSize: 100), CancellationToken.None)).Items
            .Where(l => !l.Enabled).Select(l => l.Domain + "/" + l.Slug).Order();
        Assert.Equal(["/spring-sale", "brand.test/spring-sale"], disabled);

        // Search typed into the box, on one short domain: that domain's spring link alone.
        await page.GotoAsync("/admin/links?domain=brand.test");
        await page.GetByRole(AriaRole.Searchbox).FillAsync("spring");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/links\\?domain=brand.test&search=spring"));
        await Expect(page.Locator("tbody tr")).ToHaveCountAsync(1);
        await page.GetByLabel("Select every link on this page").CheckAsync();
        await page.GetByLabel("Tag to add").FillAsync("picked");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add tag" }).ClickAsync();
        await Expect(page.GetByTestId("bulk-done")).ToContainTextAsync("Tagged 1 link");
        var tagged = (await catalog.ListAsync(new LinkQuery(Tags: ["picked"], PageSize: 100), CancellationToken.None)).Items.Select(l => l.Domain + "/" + l.Slug);
        Assert.Equal(["brand.test/spring-sale"], tagged);
    }

    [Fact]
    public async Task On_a_phone_short_urls_wrap_before_a_slash_and_each_rows_buttons_stand_apart_in_their_row()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        const string Host = "links.northern-outdoor-equipment.example";
        using (var api = app.CreateApiClient())
            (await api.PostAsJsonAsync("/api/domains", new { host = Host })).EnsureSuccessStatusCode();
        await app.CreateLinkAsync(new { url = "https://shop.example/c", slug = "summer-clearance-event", domain = Host });
        await app.CreateLinkAsync(new { url = "https://shop.example/spring", slug = "spring-sale-2026-newsletter-header", title = "Spring" });
        var page = await browser.SignedInPageAsync(address, 390, 844);

        await page.GotoAsync("/admin/links");
        foreach (var slug in new[] { "summer-clearance-event", "spring-sale-2026-newsletter-header" })
        {
            var row = page.Locator($"tr[data-slug='{slug}']");
            Assert.Empty(await row.Locator("a.slug").EvaluateAsync<string[]>(BreaksInsideWords));
            // The buttons, one above the other with room between, in the middle of their own row, whose cell ends with it.
            var (cell, copy, edit, line) = (await row.Locator("td.row-actions").BoundingBoxAsync(), await row.Locator("[data-copy]").BoundingBoxAsync(),
                await row.GetByRole(AriaRole.Link, new() { Name = $"Edit {slug}" }).BoundingBoxAsync(), await row.BoundingBoxAsync());
            Assert.Equal(line!.Y + line.Height, cell!.Y + cell.Height, 1.0);
            Assert.True(copy!.Y + copy.Height + 6 <= edit!.Y, $"Copy ends at {copy.Y + copy.Height}, Edit starts at {edit.Y}");
            Assert.Equal(line.Y + line.Height / 2, (copy.Y + edit.Y + edit.Height) / 2, 2.0);
        }
        await BrowserFixture.ScreenshotAsync(page, "links-phone-short-urls");

        await page.GotoAsync($"/admin/links/summer-clearance-event?domain={Host}");
        var shortUrl = page.GetByTestId("short-url");
        Assert.Empty(await shortUrl.EvaluateAsync<string[]>(BreaksInsideWords));
        Assert.Equal(1, await shortUrl.GetByText("/summer-clearance-event").EvaluateAsync<int>("e => e.getClientRects().length"));
        Assert.Empty(await page.GetByTestId("short-domain").EvaluateAsync<string[]>(BreaksInsideWords));
        await BrowserFixture.ScreenshotAsync(page, "link-phone-short-url");

        // A laptop keeps the row's buttons side by side.
        await page.SetViewportSizeAsync(1280, 900);
        await page.GotoAsync("/admin/links");
        var wide = page.Locator("tr[data-slug='summer-clearance-event']");
        Assert.Equal((await wide.Locator("[data-copy]").BoundingBoxAsync())!.Y, (await wide.GetByRole(AriaRole.Link, new() { Name = "Edit summer-clearance-event" }).BoundingBoxAsync())!.Y, 1.0);
    }

    /// <summary>
    /// Where an element's text wraps other than before a '/' or after a '-', '.' or space: each such break as "a|b"
    /// (a browser left alone broke a long host and slug as "links.north|ern-" and "example/su|mmer-").
    /// </summary>
    private const string BreaksInsideWords = """
        e => {
          const breaks = [];
          const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
          let top = null, previous = '';
          for (let node; (node = walker.nextNode());) {
            for (let i = 0; i < node.data.length; i++) {
              const range = document.createRange();
              range.setStart(node, i);
              range.setEnd(node, i + 1);
              const box = range.getClientRects()[0];
              if (!node.data[i].trim()) { previous = ' '; continue; }
              if (!box) continue;
              if (top !== null && box.top > top + 2 && node.data[i] !== '/' && !'-. '.includes(previous))
                breaks.push(previous + '|' + node.data[i]);
              top = box.top;
              previous = node.data[i];
            }
          }
          return breaks;
        }
        """;

    [Fact]
    public async Task On_a_phone_each_link_shows_its_destination_under_the_short_url_keeping_the_path()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://www.a-rather-long-shop-domain-example.com/sandals", slug = "sandals", title = "Blue sandals" });
        await app.CreateLinkAsync(new { url = "https://www.a-rather-long-shop-domain-example.com/boots", slug = "boots" });
        var page = await browser.SignedInPageAsync(address, width: 390);

        await page.GotoAsync("/admin/links");
        foreach (var (slug, path) in new[] { ("sandals", "/sandals"), ("boots", "/boots") })
        {
            var shown = page.Locator($"tr[data-slug='{slug}'] td.slug-cell .url-split");
            await Expect(shown).ToBeVisibleAsync();
            await Expect(shown).ToHaveAttributeAsync("title", $"https://www.a-rather-long-shop-domain-example.com{path}");
            var rest = shown.Locator(".url-rest");
            await Expect(rest).ToHaveTextAsync(path);
            Assert.True(await rest.EvaluateAsync<bool>("e => e.scrollWidth <= e.clientWidth"), $"the path of /{slug}'s destination is cut: " + await shown.EvaluateAsync<string>("e => [e.closest('td'), e, ...e.children].map(c => c.className + ' ' + c.scrollWidth + '/' + c.clientWidth + ' ' + getComputedStyle(c).display).join(' | ')"));
        }
        Assert.Equal(0, await page.Locator(".table-card").EvaluateAsync<int>("c => c.scrollWidth - c.clientWidth"));
        Assert.Equal(390, await page.EvaluateAsync<int>("document.documentElement.scrollWidth"));

        // Where the Destination column has room, the destination is not said twice.
        await page.SetViewportSizeAsync(1280, 900);
        await Expect(page.Locator("td.slug-cell .url-split").First).ToBeHiddenAsync();
        await Expect(page.Locator("tr[data-slug='boots'] td.destination-cell")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task On_a_phone_two_destinations_on_one_shop_read_apart_by_the_end_of_their_paths()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        const string Shop = "https://www.a-rather-long-shop-domain-example.com/collections/summer-2026/";
        await app.CreateLinkAsync(new { url = Shop + "sandals", slug = "sandals" });
        await app.CreateLinkAsync(new { url = Shop + "hiking-boots", slug = "boots" });
        // Last segments wider than the cell, alike up to their end.
        await app.CreateLinkAsync(new { url = Shop + "products/linen-midi-dress-in-summer-blue", slug = "blue" });
        await app.CreateLinkAsync(new { url = Shop + "products/linen-midi-dress-in-summer-green", slug = "green" });
        var page = await browser.SignedInPageAsync(address, width: 390);

        await page.GotoAsync("/admin/links");
        var sandals = page.Locator("tr[data-slug='sandals'] td.slug-cell .show-narrow");
        var boots = page.Locator("tr[data-slug='boots'] td.slug-cell .show-narrow");
        // What is drawn, not what the markup holds: both cut at their end drew the same pixels ("h… /collections/su…").
        Assert.NotEqual(await sandals.ScreenshotAsync(), await boots.ScreenshotAsync());
        var blue = page.Locator("tr[data-slug='blue'] td.slug-cell .show-narrow");
        var green = page.Locator("tr[data-slug='green'] td.slug-cell .show-narrow");
        Assert.NotEqual(await blue.ScreenshotAsync(), await green.ScreenshotAsync());
        foreach (var (shown, end) in new[] { (sandals, "sandals"), (boots, "hiking-boots"), (blue, "linen-midi-dress-in-summer-blue"), (green, "linen-midi-dress-in-summer-green") })
        {
            await Expect(shown).ToContainTextAsync("a-rather-long-shop-domain-example.com");
            await Expect(shown).Not.ToContainTextAsync("https://www.");
            var tail = shown.GetByText(end, new() { Exact = true });
            await Expect(tail).ToBeVisibleAsync();
            Assert.True(await tail.EvaluateAsync<bool>("e => e.scrollWidth <= e.clientWidth && e.getBoundingClientRect().right <= e.closest('td').getBoundingClientRect().right"),
                $"the end of the destination of /{end} is cut");
        }
        Assert.Equal(390, await page.EvaluateAsync<int>("document.documentElement.scrollWidth"));
        await BrowserFixture.ScreenshotAsync(page, "links-phone-destinations");
    }

    [Fact]
    public async Task A_link_whose_clicks_reached_its_maximum_is_marked_used_up_in_the_list_and_on_its_page()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://shop.example/drop", slug = "drop", maxClicks = 3 });
        await app.CreateLinkAsync(new { url = "https://shop.example/half", slug = "half", maxClicks = 3 });
        using var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
        visitor.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
        foreach (var slug in new[] { "drop", "drop", "drop", "half", "half" })
        {
            using var response = await visitor.GetAsync("/" + slug);
            Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        }
        await app.FlushClicksAsync();
        var page = await browser.SignedInPageAsync(address);

        await page.GotoAsync("/admin/links");
        await Expect(page.Locator("tr[data-slug='drop'] .badge")).ToHaveTextAsync("Used up");
        await Expect(page.Locator("tr[data-slug='half'] .badge")).ToHaveCountAsync(0);

        await page.GotoAsync("/admin/links/drop");
        await Expect(page.GetByTestId("access")).ToContainTextAsync("3 of 3 clicks used — used up");
        await page.GotoAsync("/admin/links/half");
        await Expect(page.GetByTestId("access")).ToContainTextAsync("2 of 3 clicks used");
        await Expect(page.GetByTestId("access")).Not.ToContainTextAsync("used up");
    }

    [Fact]
    public async Task A_maximum_lowered_below_the_clicks_had_is_saved_and_said_by_the_form_the_links_page_and_the_api()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://shop.example/drop", slug = "drop", maxClicks = 5 });
        using var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
        visitor.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
        for (var i = 0; i < 3; i++)
        {
            using var response = await visitor.GetAsync("/drop");
            Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        }
        await app.FlushClicksAsync();
        var page = await browser.SignedInPageAsync(address);
        const string stopsNow = "This link has already had 3 clicks: with a maximum of 2 it is used up and stops redirecting now.";

        // A save refused for another field says what the new maximum will do, beside the field.
        await page.GotoAsync("/admin/links/drop/edit");
        await page.GetByLabel("Maximum of clicks").FillAsync("2");
        await page.GetByLabel("Expires (UTC)").FillAsync("2020-01-01T00:00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.GetByTestId("error-expiresAt")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("note-maxClicks")).ToHaveTextAsync(stopsNow);
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Please correct the field marked below.");

        // Saved: the link's page says it, and the link stops.
        await page.GetByLabel("Expires (UTC)").FillAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.GetByTestId("used-up")).ToHaveTextAsync("Saved. " + stopsNow);
        await Expect(page.GetByTestId("click-use")).ToHaveTextAsync(new Regex("3 clicks used, over the maximum of 2 — used up$"));
        using (var refused = await visitor.GetAsync("/drop"))
            Assert.NotEqual(HttpStatusCode.Found, refused.StatusCode);

        // The API's answer carries both figures: clicks over maxClicks.
        using var api = app.CreateApiClient();
        var read = await api.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/links/drop");
        Assert.Equal(2, read.GetProperty("maxClicks").GetInt64());
        Assert.Equal(3, read.GetProperty("clicks").GetInt64());
    }

    [Fact]
    public async Task A_used_up_link_stays_used_up_in_the_list_and_on_its_page_after_redis_lost_its_counts()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://shop.example/drop", slug = "drop", maxClicks = 3 });
        using var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
        visitor.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
        for (var i = 0; i < 3; i++)
        {
            using var response = await visitor.GetAsync("/drop");
            Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        }
        await app.WaitForSpoolDrainedAsync();
        Assert.Equal("+OK", app.Redis.Command("FLUSHALL"));
        // The counts are gone; the redirect path's allowance, in this node's memory, still refuses.
        using (var refused = await visitor.GetAsync("/drop"))
            Assert.NotEqual(HttpStatusCode.Found, refused.StatusCode);
        var page = await browser.SignedInPageAsync(address);

        await page.GotoAsync("/admin/links/drop");
        await Expect(page.GetByTestId("click-use")).ToContainTextAsync("3 of 3 clicks used — used up");
        await page.GotoAsync("/admin/links");
        await Expect(page.Locator("tr[data-slug='drop'] .badge")).ToHaveTextAsync("Used up");
    }

    [Fact]
    public async Task Duplicating_a_link_opens_the_form_prefilled_with_an_empty_slug()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://shop.example/spring", slug = "spring", title = "Spring sale", tags = new[] { "sale", "q2" }, utm = new { source = "mail", campaign = "spring" } });
        var page = await browser.SignedInPageAsync(address);

        await page.GotoAsync("/admin/links/spring");
        await page.GetByRole(AriaRole.Link, new() { Name = "Duplicate" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/links/new\\?duplicate=spring$"));
        await Expect(page.GetByLabel("Destination URL")).ToHaveValueAsync("https://shop.example/spring");
        await Expect(page.GetByLabel("Title", new() { Exact = true })).ToHaveValueAsync("Spring sale");
        await Expect(page.GetByLabel("Tags", new() { Exact = true })).ToHaveValueAsync("sale, q2");
        await Expect(page.GetByLabel("Campaign", new() { Exact = true })).ToHaveValueAsync("spring");
        await Expect(page.GetByLabel("Slug", new() { Exact = true })).ToHaveValueAsync("");
        await page.GetByLabel("Slug", new() { Exact = true }).FillAsync("spring-copy");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create link" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/links/spring-copy\\?saved=1$"));
        await Expect(page.Locator(".link-summary")).ToContainTextAsync("utm_campaign=spring");
    }

    [Fact]
    public async Task The_link_form_completes_previews_shows_every_error_and_creates_and_copies()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://shop.example/", slug = "old", tags = new[] { "newsletter" }, utm = new { source = "mastodon", medium = "social" } });
        var page = await browser.SignedInPageAsync(address);
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = address.ToString().TrimEnd('/') });

        await page.GotoAsync("/admin/links/new");
        await Expect(page.Locator("#tag-values option[value='newsletter']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#utm-source-values option[value='mastodon']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#utm-medium-values option[value='social']")).ToHaveCountAsync(1);
        await page.GetByLabel("Tags", new() { Exact = true }).PressSequentiallyAsync("q2, ");
        await Expect(page.Locator("#tag-values option[value='q2, newsletter']")).ToHaveCountAsync(1);

        // Three wrong fields, one of them the rules' JSON (read before the rest): all three are shown at once.
        await page.GetByLabel("Destination URL").FillAsync("not a url");
        await page.GetByLabel("Slug", new() { Exact = true }).FillAsync("bad slug");
        await page.GetByLabel("Targeting rules (JSON)").FillAsync("{");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create link" }).ClickAsync();
        await Expect(page.GetByTestId("error-url")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("error-slug")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("error-rules")).ToBeVisibleAsync();

        await page.GetByLabel("Targeting rules (JSON)").FillAsync("");
        await page.GetByLabel("Destination URL").FillAsync("shop.example/sale");
        await page.GetByLabel("Destination URL").BlurAsync();
        await Expect(page.GetByLabel("Destination URL")).ToHaveValueAsync("https://shop.example/sale");
        await page.GetByLabel("Slug", new() { Exact = true }).FillAsync("");
        await Expect(page.GetByTestId("short-preview")).ToHaveTextAsync($"{address.ToString().TrimEnd('/')}/(random)");
        await page.GetByLabel("Slug", new() { Exact = true }).PressSequentiallyAsync("sale");
        await Expect(page.GetByTestId("short-preview")).ToHaveTextAsync($"{address.ToString().TrimEnd('/')}/sale");
        await BrowserFixture.ScreenshotAsync(page, "link-form");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create and copy" }).ClickAsync();
        await Expect(page.GetByTestId("copied")).ToContainTextAsync($"Created and copied {address.ToString().TrimEnd('/')}/sale to the clipboard");
        Assert.Equal($"{address.ToString().TrimEnd('/')}/sale", await page.EvaluateAsync<string>("navigator.clipboard.readText()"));
        await BrowserFixture.ScreenshotAsync(page, "link-created-copied");

        using var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
        visitor.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
        using var redirect = await visitor.GetAsync("/sale");
        Assert.Equal("https://shop.example/sale", redirect.Headers.Location!.ToString());
    }
}
