using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Redirector.Admin.Exports;
using static Microsoft.Playwright.Assertions;

namespace Redirector.Tests.Admin;

/// <summary>
/// Two of the admin's checks in a real browser: a viewer reaches no editing form and no raw-click export (RoleTests
/// holds the same over HTTP for every route), and a links export downloaded from the list imports into another
/// instance through the import page as it was.
/// </summary>
public sealed partial class AdminChecksBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string ViewerEmail = "viewer@example.com";
    private const string ViewerPassword = "Viewer-Password-77";

    [Fact]
    public async Task A_viewer_on_a_phone_sees_counts_but_no_editing_form_nor_raw_click_export()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://shop.example.com/spring", slug = "spring" });
        var admin = await browser.SignedInPageAsync(address);
        await admin.GotoAsync("/admin/users");
        await admin.GetByLabel("Email").FillAsync(ViewerEmail);
        await admin.GetByLabel("Password").FillAsync(ViewerPassword);
        await admin.GetByLabel("Role").SelectOptionAsync("viewer");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add user" }).ClickAsync();
        await Expect(admin.GetByRole(AriaRole.Cell, new() { Name = ViewerEmail, Exact = true })).ToBeVisibleAsync();
        await admin.Context.CloseAsync();

        var page = await browser.NewPageAsync(address, 390, 844);
        await page.GotoAsync("/admin/login");
        await page.GetByLabel("Email").FillAsync(ViewerEmail);
        await page.GetByLabel("Password").FillAsync(ViewerPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("clicks-value")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "New link" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "every click of this period (CSV)" })).ToHaveCountAsync(0);
        foreach (var hidden in new[] { "Import", "Sites", "Users", "API keys", "Webhooks" })
            await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Admin" }).GetByRole(AriaRole.Link, new() { Name = hidden, Exact = true })).ToHaveCountAsync(0);

        await page.GotoAsync("/admin/links");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "spring", Exact = false }).First).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Edit spring" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Disable" })).ToHaveCountAsync(0);
        await page.GotoAsync("/admin/links/spring");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Copy short URL" })).ToBeVisibleAsync();
        foreach (var editing in new[] { "Edit", "Duplicate" })
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = editing, Exact = true })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Upload logo" })).ToHaveCountAsync(0);
        Assert.Equal(390, await page.EvaluateAsync<int>("document.documentElement.scrollWidth"));

        // Typed in by hand, every editing form says why it is not shown, and the raw export is refused.
        foreach (var form in new[] { "/admin/links/new", "/admin/links/spring/edit", "/admin/links/new?duplicate=spring", "/admin/import", "/admin/sites", "/admin/users", "/admin/keys", "/admin/webhooks" })
        {
            await page.GotoAsync(form);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not for your role" })).ToBeVisibleAsync();
            await Expect(page.Locator("form input[name^='Form.'], form input[type=file], form input[name^='NewUser.']")).ToHaveCountAsync(0);
        }
        // With the viewer's session cookie: sent to the "not for your role" page, no CSV.
        var raw = await page.Context.APIRequest.GetAsync("/admin/export/clicks.csv?scope=global", new() { MaxRedirects = 0 });
        Assert.Equal(302, raw.Status);
        Assert.Equal("/admin/denied", raw.Headers["location"]);
        await BrowserFixture.ScreenshotAsync(page, "36-viewer-denied-phone");
    }

    [Fact]
    public async Task A_links_export_downloaded_from_the_list_imports_into_another_instance_as_it_was()
    {
        var (source, sourceAddress) = BrowserFixture.StartService();
        await using var _ = source;
        await source.CreateLinkAsync(new { url = "https://shop.example.com/spring", slug = "spring", title = "Spring, \"sale\"", tags = new[] { "newsletter", "spring" }, utm = new { source = "newsletter", medium = "email", campaign = "spring" } });
        await source.CreateLinkAsync(new { url = "https://shop.example.com/winter", slug = "winter", tags = new[] { "ads" }, utm = new { campaign = "=winter", content = "hero" } });
        await source.CreateLinkAsync(new { url = "https://docs.example.com/", slug = "help", title = "Help centre" });

        var page = await browser.SignedInPageAsync(sourceAddress);
        await page.GotoAsync("/admin/links");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Export CSV" }).ClickAsync());
        var file = Path.Combine(Path.GetTempPath(), $"admin-links-{Guid.NewGuid():N}.csv");
        await download.SaveAsAsync(file);
        await page.Context.CloseAsync();

        var (target, targetAddress) = BrowserFixture.StartService();
        await using var __ = target;
        try
        {
            var import = await browser.SignedInPageAsync(targetAddress);
            await import.GotoAsync("/admin/import");
            await import.Locator("input[type=file]").SetInputFilesAsync(file);
            await import.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
            await Expect(import.GetByTestId("import-result")).ToContainTextAsync("Imported 3 links.");
            await import.GotoAsync("/admin/links");
            await Expect(import.Locator("table.links tbody tr")).ToHaveCountAsync(3);
        }
        finally
        {
            File.Delete(file);
        }

        Assert.Equal(await LinksAsync(source), await LinksAsync(target));
    }

    [Fact]
    public async Task A_links_export_edited_in_a_spreadsheet_imports_back_with_update_changing_the_edited_link_and_reporting_each_row()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://shop.example.com/spring", slug = "spring", title = "Spring sale", tags = new[] { "newsletter", "spring" } });
        await app.CreateLinkAsync(new { url = "https://docs.example.com/", slug = "help", title = "Help centre" });
        var before = await LinksAsync(app);

        var page = await browser.SignedInPageAsync(address);
        await page.GotoAsync("/admin/links");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Export CSV" }).ClickAsync());
        var file = Path.Combine(Path.GetTempPath(), $"admin-links-{Guid.NewGuid():N}.csv");
        await download.SaveAsAsync(file);
        try
        {
            // One cell edited and the file saved again, as a spreadsheet would.
            var records = Csv.Read(await File.ReadAllTextAsync(file));
            var header = records[0].Cells.ToList();
            var edited = new Csv(header);
            foreach (var record in records.Skip(1))
            {
                var cells = record.Cells.ToArray();
                if (cells[header.IndexOf("slug")] == "spring")
                    cells[header.IndexOf("title")] = "Spring sale, extended";
                edited.Add(cells);
            }
            await File.WriteAllBytesAsync(file, edited.ToUtf8());

            await page.GotoAsync("/admin/import");
            await page.GetByLabel("Update those links from the file").CheckAsync();
            await page.Locator("input[type=file]").SetInputFilesAsync(file);
            await page.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
            await Expect(page.GetByTestId("import-result")).ToContainTextAsync("Imported 2 links.");
            await Expect(page.GetByTestId("import-counts")).ToHaveTextAsync("1 updated, 1 unchanged.");
            var rows = page.GetByTestId("import-rows").Locator("tbody tr");
            await Expect(rows.Locator("code")).ToHaveTextAsync(["spring", "help"]);
            await Expect(rows.Locator("td:nth-child(3)")).ToHaveTextAsync(["updated", "unchanged"]);
            // The choice stays as it was made, for the next file.
            await Expect(page.GetByLabel("Update those links from the file")).ToBeCheckedAsync();
            await BrowserFixture.ScreenshotAsync(page, "37-import-update");
        }
        finally
        {
            File.Delete(file);
        }

        Assert.Equal(before.Select(l => l.Replace("Spring sale|", "Spring sale, extended|", StringComparison.Ordinal)), await LinksAsync(app));
    }

    /// <summary>Every imported field of every link, by slug, as the API answers it.</summary>
    private static async Task<List<string>> LinksAsync(Infrastructure.RedirectorApplication app)
    {
        using var api = app.CreateApiClient();
        var page = await api.GetFromJsonAsync<JsonElement>("/api/links?sort=slug");
        return [.. page.GetProperty("items").EnumerateArray().Select(l => string.Join('|',
            l.GetProperty("slug").GetString(), l.GetProperty("url").GetString(), l.TryGetProperty("title", out var title) ? title.ToString() : "",
            l.GetProperty("tags").ToString(), l.TryGetProperty("utm", out var utm) ? utm.ToString() : "", l.GetProperty("enabled").ToString()))];
    }
}
