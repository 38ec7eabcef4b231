using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Redirector.Links;
using static Microsoft.Playwright.Assertions;

namespace Redirector.Tests.Admin;

/// <summary>
/// The link edit form against a change made while it was open (by the API here), driven in Chromium against the real
/// service: the form carries the version it was opened at, as the API's If-Match does, and refuses a stale save.
/// </summary>
public sealed class LinkEditConcurrencyBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_save_from_a_form_opened_before_an_api_change_is_refused_and_a_reload_shows_the_change()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://shop.example.com/sale", slug = "ab", title = "Form title" });
        var page = await browser.SignedInPageAsync(address);
        await page.GotoAsync("/admin/links/ab/edit");

        using var api = app.CreateApiClient();
        using var patched = await api.PatchAsJsonAsync("/api/links/ab", new { title = "API title", tags = new[] { "api-tag" } });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        await page.GetByLabel("Maximum of clicks").FillAsync("100");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();

        await Expect(page.GetByTestId("stale-link")).ToContainTextAsync("changed by someone else since you opened this form");
        // What the editor typed is still there, to copy into the current values.
        await Expect(page.GetByLabel("Maximum of clicks")).ToHaveValueAsync("100");
        var kept = await api.GetFromJsonAsync<LinkResponse>("/api/links/ab");
        Assert.Equal("API title", kept!.Title);
        Assert.Equal(["api-tag"], kept.Tags);
        Assert.Null(kept.MaxClicks);

        await page.GetByRole(AriaRole.Link, new() { Name = "Reload the current values" }).ClickAsync();
        await Expect(page.GetByLabel("Title")).ToHaveValueAsync("API title");
        await Expect(page.GetByTestId("stale-link")).ToHaveCountAsync(0);
        await page.GetByLabel("Maximum of clicks").FillAsync("100");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/links/ab\\?saved=1$"));
        var saved = await api.GetFromJsonAsync<LinkResponse>("/api/links/ab");
        Assert.Equal(("API title", 100L), (saved!.Title, saved.MaxClicks));
        Assert.Equal(["api-tag"], saved.Tags);
    }

    [Fact]
    public async Task A_save_for_a_link_renamed_since_the_form_was_opened_keeps_what_was_typed_and_says_why()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://shop.example.com/sale", slug = "ren1" });
        var page = await browser.SignedInPageAsync(address);
        await page.GotoAsync("/admin/links/ren1/edit");

        using var api = app.CreateApiClient();
        (await api.PatchAsJsonAsync("/api/links/ren1", new { slug = "ren1b" })).EnsureSuccessStatusCode();
        await page.GetByLabel("Title").FillAsync("Typed meanwhile");
        var response = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync(), r => r.Request.Method == "POST");

        Assert.NotEqual(404, response.Status);
        await Expect(page.GetByText("renamed or deleted since you opened this form")).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Title")).ToHaveValueAsync("Typed meanwhile");
        Assert.Null((await api.GetFromJsonAsync<LinkResponse>("/api/links/ren1b"))!.Title);
    }
}
