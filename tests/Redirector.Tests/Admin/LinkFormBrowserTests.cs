using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Redirector.Links;
using static Microsoft.Playwright.Assertions;

namespace Redirector.Tests.Admin;

/// <summary>The link form's errors (<c>/admin/links/new</c>), driven in Chromium against the real service.</summary>
public sealed class LinkFormBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Bad_variant_lines_are_marked_together_with_the_rules_and_the_other_fields_errors()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        var page = await browser.SignedInPageAsync(address);

        await page.GotoAsync("/admin/links/new");
        await page.GetByLabel("Destination URL").FillAsync("https://shop.example.com/sale");
        await page.GetByLabel("Slug").FillAsync("sale");
        await page.GetByLabel("Maximum of clicks").FillAsync("0");
        await page.GetByLabel("Targeting rules (JSON)").FillAsync("""[{"when": {"os": "iOSS"}, "url": "https://apps.apple.com/app/id1"}]""");
        await page.GetByLabel("A/B split").FillAsync("fifty https://shop.example.com/b\n50 https://shop.example.com/a\nhalf https://shop.example.com/c");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create link" }).ClickAsync();

        await Expect(page.GetByTestId("error-variants").Locator("li")).ToHaveTextAsync([
            "\"fifty https://shop.example.com/b\" is not a weight, a space and a URL (\"50 https://example.com/a\").",
            "\"half https://shop.example.com/c\" is not a weight, a space and a URL (\"50 https://example.com/a\")."]);
        await Expect(page.GetByTestId("error-rules")).ToContainTextAsync("\"iOSS\"");
        await Expect(page.GetByTestId("error-maxClicks")).ToContainTextAsync("at least 1");
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Please correct the 3 fields marked below.");
        using var api = app.CreateApiClient();
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/api/links/sale")).StatusCode);
    }

    [Fact]
    public async Task Unreadable_rules_are_marked_together_with_a_past_expiry_a_loop_and_a_taken_slug()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://shop.example.com/first", slug = "taken" });
        var page = await browser.SignedInPageAsync(address);

        await page.GotoAsync("/admin/links/new");
        await page.GetByLabel("Destination URL").FillAsync(new Uri(address, "/taken").ToString());
        await page.GetByLabel("Slug").FillAsync("taken");
        await page.GetByLabel("Expires (UTC)").FillAsync("2020-01-01T00:00");
        await page.GetByLabel("Targeting rules (JSON)").FillAsync("""[{"when": {"os": "iOS"}""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create link" }).ClickAsync();

        await Expect(page.GetByTestId("error-rules")).ToContainTextAsync("not valid JSON");
        await Expect(page.GetByTestId("error-url")).ToContainTextAsync("round in a loop");
        await Expect(page.GetByTestId("error-slug")).ToHaveTextAsync("This slug is already taken.");
        await Expect(page.GetByTestId("error-expiresAt")).ToContainTextAsync("The link would be expired at once: Expires (UTC) 2020-01-01T00:00:00Z is not after now");
        await Expect(page.GetByTestId("error-expiresAt")).ToContainTextAsync("or leave it empty for no expiry.");
        await Expect(page.GetByTestId("error-expiresAt")).Not.ToContainTextAsync("expiresAt");
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Please correct the 4 fields marked below.");
        using var api = app.CreateApiClient();
        var kept = await api.GetFromJsonAsync<LinkResponse>("/api/links/taken");
        Assert.Equal("https://shop.example.com/first", kept!.Url);
    }

    [Fact]
    public async Task An_edit_with_unreadable_variants_also_names_a_slug_another_link_has()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://shop.example.com/first", slug = "first" });
        await app.CreateLinkAsync(new { url = "https://shop.example.com/second", slug = "second" });
        var page = await browser.SignedInPageAsync(address);

        await page.GotoAsync("/admin/links/second/edit");
        await page.GetByLabel("Slug").FillAsync("first");
        await page.GetByLabel("A/B split").FillAsync("half https://shop.example.com/b");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();

        await Expect(page.GetByTestId("error-variants")).ToContainTextAsync("is not a weight, a space and a URL");
        await Expect(page.GetByTestId("error-slug")).ToContainTextAsync("This slug is already taken by another link on this domain");
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Please correct the 2 fields marked below.");
        using var api = app.CreateApiClient();
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/links/second")).StatusCode);
    }

    [Fact]
    public async Task A_maximum_of_no_clicks_is_explained_in_the_forms_terms_and_in_the_apis_own()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        var page = await browser.SignedInPageAsync(address);

        await page.GotoAsync("/admin/links/new");
        await page.GetByLabel("Destination URL").FillAsync("https://shop.example.com/drop");
        await page.GetByLabel("Maximum of clicks").FillAsync("0");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create link" }).ClickAsync();
        await Expect(page.GetByTestId("error-maxClicks")).ToHaveTextAsync("The maximum of clicks is a whole number of at least 1, or leave it empty for no maximum.");

        using var api = app.CreateApiClient();
        using var refused = await api.PostAsJsonAsync("/api/links", new { url = "https://shop.example.com/drop", maxClicks = 0 });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("or null for no maximum", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_taken_slug_is_marked_in_the_same_save_as_the_other_fields_errors()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://shop.example.com/first", slug = "taken" });
        await app.CreateLinkAsync(new { url = "https://shop.example.com/second", slug = "second" });
        var page = await browser.SignedInPageAsync(address);

        await page.GotoAsync("/admin/links/new");
        await page.GetByLabel("Destination URL").FillAsync("https://shop.example.com/sale");
        await page.GetByLabel("Slug").FillAsync("taken");
        await page.GetByLabel("Maximum of clicks").FillAsync("0");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create link" }).ClickAsync();
        await Expect(page.GetByTestId("error-slug")).ToHaveTextAsync("This slug is already taken.");
        await Expect(page.GetByTestId("error-maxClicks")).ToContainTextAsync("at least 1");
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Please correct the 2 fields marked below.");

        // An edit that renames onto a taken slug, with another problem.
        await page.GotoAsync("/admin/links/second/edit");
        await page.GetByLabel("Slug").FillAsync("taken");
        await page.GetByLabel("Maximum of clicks").FillAsync("0");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.GetByTestId("error-slug")).ToContainTextAsync("This slug is already taken by another link on this domain");
        await Expect(page.GetByTestId("error-maxClicks")).ToContainTextAsync("at least 1");
    }
}
