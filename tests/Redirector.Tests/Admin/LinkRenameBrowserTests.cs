using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Redirector.Tests.Core;
using static Microsoft.Playwright.Assertions;

namespace Redirector.Tests.Admin;

/// <summary>
/// Renaming a link on its edit page, driven in Chromium against the real service: the same catalogue call as the API's
/// <c>PATCH {"slug": "NEW"}</c>, so the clicks stay, the new short URL answers and the old one is 404; a slug that is
/// taken is explained on the field and changes nothing.
/// </summary>
public sealed class LinkRenameBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_link_renamed_in_the_admin_keeps_its_clicks_and_answers_on_its_new_slug_only()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://shop.example.com/spring", slug = "spring", title = "Spring sale" });
        await app.CreateLinkAsync(new { url = "https://shop.example.com/other", slug = "taken" });
        using var visitor = app.CreateVisitorClient();
        for (var i = 0; i < 3; i++)
            (await CountingTests.ClickAsync(visitor, "/spring", Agents.ChromeWindows, null)).Dispose();
        await app.FlushClicksAsync();
        Assert.Equal(3, (await CountingTests.GetStatsAsync(app, "spring")).Clicks);
        var page = await browser.SignedInPageAsync(address);

        await page.GotoAsync("/admin/links/spring");
        await page.GetByRole(AriaRole.Link, new() { Name = "Edit", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/links/spring/edit$"));
        await Expect(page.GetByTestId("rename-warning")).ToContainTextAsync($"{address.ToString().TrimEnd('/')}/spring stops answering");

        // A taken slug: explained on the field, the other edits still in the form, and nothing saved.
        await page.GetByLabel("Slug").FillAsync("taken");
        await page.GetByLabel("Title").FillAsync("Spring sale, renamed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.GetByTestId("error-slug")).ToContainTextAsync("already taken");
        await Expect(page.GetByLabel("Slug")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page).ToHaveURLAsync(new Regex("/admin/links/spring/edit$"));
        await Expect(page.GetByLabel("Slug")).ToHaveValueAsync("taken");
        await Expect(page.GetByLabel("Title")).ToHaveValueAsync("Spring sale, renamed");
        await BrowserFixture.ScreenshotAsync(page, "links-rename-taken");
        using (var api = app.CreateApiClient())
        {
            var spring = await api.GetFromJsonAsync<JsonElement>("/api/links/spring");
            Assert.Equal("Spring sale", spring.GetProperty("title").GetString());
            var taken = await api.GetFromJsonAsync<JsonElement>("/api/links/taken");
            Assert.Equal("https://shop.example.com/other", taken.GetProperty("url").GetString());
        }
        using (var stillThere = await CountingTests.ClickAsync(visitor, "/spring", Agents.ChromeWindows, null))
            Assert.Equal("https://shop.example.com/spring", stillThere.Headers.Location!.ToString());

        await page.GetByLabel("Slug").FillAsync("spring-26");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/links/spring-26\\?saved=1$"));
        await Expect(page.GetByTestId("short-url")).ToHaveTextAsync($"{address.ToString().TrimEnd('/')}/spring-26");
        await BrowserFixture.ScreenshotAsync(page, "links-renamed");

        using (var renamed = await CountingTests.ClickAsync(visitor, "/spring-26", Agents.ChromeWindows, null))
            Assert.Equal("https://shop.example.com/spring", renamed.Headers.Location!.ToString());
        using (var old = new HttpRequestMessage(HttpMethod.Get, "/spring"))
        {
            old.Headers.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
            using var gone = await visitor.SendAsync(old);
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
        // Three clicks before the failed rename, one between, one on the new slug: all on the one link.
        await app.FlushClicksAsync();
        Assert.Equal(5, (await CountingTests.GetStatsAsync(app, "spring-26")).Clicks);
    }
}
