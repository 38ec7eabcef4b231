using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Redirector.Tests.Core;
using Redirector.Tests.Outbound;
using static Microsoft.Playwright.Assertions;

namespace Redirector.Tests.Admin;

/// <summary>A person using the admin area in Chromium against the real service on a loopback port.</summary>
public sealed partial class AdminBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Sign_in_is_required_and_a_wrong_password_is_refused()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        var page = await browser.NewPageAsync(address);

        await page.GotoAsync("/admin/links");
        await Expect(page).ToHaveURLAsync(LoginUrl());
        await BrowserFixture.ScreenshotAsync(page, "01-login");

        await page.GetByLabel("Email").FillAsync(BrowserFixture.AdminEmail);
        await page.GetByLabel("Password").FillAsync("not-the-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("do not match");
        await BrowserFixture.ScreenshotAsync(page, "02-login-wrong-password");

        await page.GetByLabel("Password").FillAsync(BrowserFixture.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/links$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Links", Exact = true })).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "03-links-empty");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(LoginUrl());
        await page.GotoAsync("/admin");
        await Expect(page).ToHaveURLAsync(LoginUrl());
    }

    [Fact]
    public async Task A_link_is_created_through_the_form_and_a_bad_url_is_explained_inline()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        var page = await browser.SignedInPageAsync(address);

        await page.GotoAsync("/admin/links/new");
        await page.GetByLabel("Destination URL").FillAsync("javascript:alert(1)");
        await page.GetByLabel("Slug").FillAsync("spring-sale");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create link" }).ClickAsync();
        await Expect(page.GetByTestId("error-url")).ToHaveTextAsync("Only absolute http:// or https:// URLs are allowed.");
        await Expect(page.GetByLabel("Slug")).ToHaveValueAsync("spring-sale");
        await BrowserFixture.ScreenshotAsync(page, "04-new-link-invalid");

        await page.GetByLabel("Destination URL").FillAsync("https://shop.example.com/spring?ref=home");
        await page.GetByLabel("Title").FillAsync("Spring sale newsletter");
        await page.GetByLabel("Tags").FillAsync("newsletter, spring");
        await page.GetByLabel("Source").FillAsync("newsletter");
        await page.GetByLabel("Medium").FillAsync("email");
        await Expect(page.GetByTestId("preview")).ToHaveTextAsync(
            "https://shop.example.com/spring?ref=home&utm_source=newsletter&utm_medium=email");
        await BrowserFixture.ScreenshotAsync(page, "05-new-link-utm-preview");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create link" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/admin/links/spring-sale\\?saved=1$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "/spring-sale" })).ToBeVisibleAsync();
        await Expect(page.GetByText("No clicks yet — share your link.")).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('[data-qr-preview]').naturalWidth > 0");
        await BrowserFixture.ScreenshotAsync(page, "06-link-created");

        using var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
        using var redirect = await visitor.GetAsync("/spring-sale");
        Assert.Equal("https://shop.example.com/spring?ref=home&utm_source=newsletter&utm_medium=email", redirect.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Clicks_on_a_short_link_show_exactly_on_the_list_the_link_page_exports_and_qr_codes()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://shop.example.com/winter", slug = "winter", title = "Winter sale", tags = PromoTag });
        await app.CreateLinkAsync(new { url = "https://blog.example.org/a/very/long/path/that/goes/on/and/on/to/show/how/long/urls/are/cut/in/the/table?with=query&and=more", slug = "long", tags = BlogTag });
        await ClickAsync(address, "/winter", 7, "https://news.example.net/articles/42");
        await app.FlushClicksAsync();
        var page = await browser.SignedInPageAsync(address);
        await BrowserFixture.ScreenshotAsync(page, "07-dashboard");

        await page.GotoAsync("/admin/links");
        var row = page.Locator("tr[data-slug='winter']");
        await Expect(row.GetByTestId("total")).ToHaveTextAsync("7");
        await Expect(row.GetByTestId("recent")).ToHaveTextAsync("7");
        await BrowserFixture.ScreenshotAsync(page, "08-links");
        await page.GetByLabel("Sort by").SelectOptionAsync("clicks");
        await Expect(page).ToHaveURLAsync(new Regex("sort=clicks"));
        await Expect(page.Locator("tbody tr").First).ToHaveAttributeAsync("data-slug", "winter");

        await row.GetByRole(AriaRole.Link, new() { Name = "/winter" }).ClickAsync();
        await Expect(page.GetByTestId("clicks-value")).ToHaveTextAsync("7");
        await Expect(page.GetByTestId("short-url")).ToHaveTextAsync(new Uri(address, "/winter").ToString());
        await Expect(page.Locator("#recent tbody tr")).ToHaveCountAsync(7);
        await BrowserFixture.ScreenshotAsync(page, "09-link-page");

        var download = await page.RunAndWaitForDownloadAsync(() =>
            page.Locator("section", new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "Referrers" }) }).GetByRole(AriaRole.Link, new() { Name = "Export Referrers as CSV" }).ClickAsync());
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Equal("key,clicks\r\nhttps://news.example.net/articles/42,7\r\n", csv.TrimStart('\uFEFF'));

        var png = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "PNG" }).ClickAsync());
        Assert.Equal("winter.png", png.SuggestedFilename);
        var pngBytes = await File.ReadAllBytesAsync((await png.PathAsync())!);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, pngBytes[..8]);
        var svg = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "SVG" }).ClickAsync());
        Assert.Contains("<svg", await File.ReadAllTextAsync((await svg.PathAsync())!), StringComparison.Ordinal);

        await page.GotoAsync("/admin/domains/shop.example.com");
        await Expect(page.GetByTestId("clicks-value")).ToHaveTextAsync("7");
        await BrowserFixture.ScreenshotAsync(page, "10-domain-page");
        await page.GetByRole(AriaRole.Link, new() { Name = "https://news.example.net/articles/42" }).First.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Source page" })).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "11-source-page");

        var phone = await browser.SignedInPageAsync(address, 390, 844);
        await phone.GotoAsync("/admin/links");
        await Expect(phone.Locator("tr[data-slug='winter']").GetByTestId("total")).ToHaveTextAsync("7");
        await BrowserFixture.ScreenshotAsync(phone, "12-links-phone");
        await phone.GotoAsync("/admin/links/winter");
        await BrowserFixture.ScreenshotAsync(phone, "13-link-page-phone");
    }

    [Fact]
    public async Task Counts_refresh_while_the_page_is_open()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://example.com/live", slug = "live" });
        var page = await browser.SignedInPageAsync(address);
        await page.GotoAsync("/admin/links/live");
        await Expect(page.GetByTestId("clicks-value")).ToHaveTextAsync("0");

        await ClickAsync(address, "/live", 3, null);
        await app.FlushClicksAsync();

        await Expect(page.GetByTestId("clicks-value")).ToHaveTextAsync("3", new() { Timeout = 15_000 });
    }

    [Fact]
    public async Task A_link_is_edited_and_deleted_after_confirmation()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://example.com/old", slug = "promo", title = "Old title" });
        var page = await browser.SignedInPageAsync(address);

        await page.GotoAsync("/admin/links/promo");
        await page.GetByRole(AriaRole.Link, new() { Name = "Edit", Exact = true }).ClickAsync();
        await Expect(page.GetByLabel("Slug")).ToHaveValueAsync("promo");
        await page.GetByLabel("Destination URL").FillAsync("https://example.com/new");
        await page.GetByLabel("Title").FillAsync("New title");
        await page.GetByLabel("Status").SelectOptionAsync("false");
        await BrowserFixture.ScreenshotAsync(page, "17-edit-link");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.GetByText("New title")).ToBeVisibleAsync();
        await Expect(page.GetByText("https://example.com/new", new() { Exact = true })).ToBeVisibleAsync();
        using (var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address })
        using (var disabled = await visitor.GetAsync("/promo"))
            Assert.Equal(System.Net.HttpStatusCode.NotFound, disabled.StatusCode);

        await page.GetByRole(AriaRole.Link, new() { Name = "Edit", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Delete…" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Delete /promo for good?");
        await BrowserFixture.ScreenshotAsync(page, "18-delete-confirmation");
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, delete /promo" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/links\\?deleted=promo$"));
        await Expect(page.GetByText("No links yet")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Pages_say_counts_are_unavailable_while_redis_is_down()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "down" });
        var page = await browser.SignedInPageAsync(address);
        app.Redis.Kill();

        await page.GotoAsync("/admin");
        await Expect(page.GetByTestId("counts-unavailable")).ToContainTextAsync("Counts are unavailable right now.");
        await BrowserFixture.ScreenshotAsync(page, "19-dashboard-redis-down");
        await page.GotoAsync("/admin/links");
        await Expect(page.GetByText("Counts are unavailable right now (Redis is not reachable)")).ToBeVisibleAsync();
        await Expect(page.Locator("tr[data-slug='down']").GetByTestId("total")).ToHaveTextAsync("—");
        await page.GotoAsync("/admin/links/down");
        await Expect(page.GetByTestId("counts-unavailable")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Import_keys_and_users_pages_work()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        var page = await browser.SignedInPageAsync(address);

        await page.GotoAsync("/admin/import");
        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload
        {
            Name = "links.csv",
            MimeType = "text/csv",
            Buffer = System.Text.Encoding.UTF8.GetBytes("url,slug,title\nhttps://example.com/a,a1,First\nnot-a-url,a2,Second\nhttps://example.com/c,a1,Third\n"),
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
        await Expect(page.GetByTestId("import-result")).ToContainTextAsync("Nothing was imported");
        await BrowserFixture.ScreenshotAsync(page, "14-import-errors");

        await page.GotoAsync("/admin/keys");
        await page.GetByLabel("Name").FillAsync("CMS");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        await Expect(page.GetByTestId("secret")).ToContainTextAsync("rdk_");
        await BrowserFixture.ScreenshotAsync(page, "15-api-keys");

        await page.GotoAsync("/admin/users");
        await page.GetByLabel("Email").FillAsync("marketer@example.com");
        await page.GetByLabel("Password").FillAsync("Another-Pass-77");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add user" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Cell, new() { Name = "marketer@example.com", Exact = true })).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "16-users");
    }

    [Fact]
    public async Task On_a_phone_each_api_key_role_reads_whole_in_its_dropdown()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        var page = await browser.SignedInPageAsync(address, 390, 844);

        await page.GotoAsync("/admin/keys");
        // A closed select shows its option on one line, cut where the box ends: each option's text against the room
        // left of the arrow (Chromium's is about 20 px wide).
        var cut = await page.GetByLabel("Role").EvaluateAsync<string[]>("""
            s => {
              const style = getComputedStyle(s);
              const room = s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
              const context = document.createElement('canvas').getContext('2d');
              context.font = style.font;
              return [...s.options].filter(o => context.measureText(o.text).width > room).map(o => `${o.text} (${Math.round(context.measureText(o.text).width)} > ${room} px)`);
            }
            """);
        Assert.Empty(cut);
        await Expect(page.GetByLabel("Role")).ToHaveAccessibleDescriptionAsync(new Regex("viewer only reads"));
        await BrowserFixture.ScreenshotAsync(page, "api-keys-phone");
    }

    [Fact]
    public async Task Sites_outbound_and_pages_show_what_visitors_followed()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        var site = await app.CreateSiteAsync("Company blog", true, "example.com", "example.org");
        using (var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address })
        {
            const string post = "https://blog.example.com/2026/11/why-we-moved-our-docs-to-a-static-site-generator";
            foreach (var (target, text, times) in new[] { ("https://github.com/dotnet/aspnetcore/issues/51234", "the GitHub issue", 5), ("https://learn.microsoft.com/aspnet/core/blazor/components/render-modes", "render modes", 3), ("https://www.npmjs.com/package/esbuild", "esbuild", 1) })
                for (var i = 0; i < times; i++)
                    (await OutboundTestHelpers.GetAsync(visitor, OutboundTestHelpers.OutPath(site.Key, target, post, text), post)).Dispose();
        }
        await app.FlushClicksAsync();
        var page = await browser.SignedInPageAsync(address);

        await page.GotoAsync("/admin/sites");
        await BrowserFixture.ScreenshotAsync(page, "20-sites");
        await page.GetByRole(AriaRole.Link, new() { Name = "Company blog" }).ClickAsync();
        await Expect(page.GetByTestId("snippet")).ToContainTextAsync($"data-site=\"{site.Key}\"");
        await BrowserFixture.ScreenshotAsync(page, "21-site");

        await page.GotoAsync("/admin/outbound");
        await Expect(page.GetByTestId("target-clicks").First).ToHaveTextAsync("5");
        await BrowserFixture.ScreenshotAsync(page, "22-outbound");
        await page.GetByRole(AriaRole.Link, new() { Name = "Pages", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("clicks").First).ToHaveTextAsync("9");
        await BrowserFixture.ScreenshotAsync(page, "23-pages");
    }

    /// <summary>
    /// From the fresh-user trial: scaled as one picture to a phone's width, the chart was a strip ~100 px high. The
    /// laptop's chart keeps the design's 760 × 236 proportions.
    /// </summary>
    [Fact]
    public async Task The_click_chart_is_tall_enough_to_read_on_a_phone_and_keeps_its_shape_on_a_laptop()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://example.com/chart", slug = "chart" });
        await ClickAsync(address, "/chart", 5, null);
        await app.WaitForEventsAsync();

        var sizes = new Dictionary<int, ChartSize>();
        foreach (var width in new[] { 390, 1280 })
        {
            var page = await browser.SignedInPageAsync(address, width, 844);
            var chart = page.Locator("figure.chart svg");
            await Expect(page.GetByTestId("clicks-value")).ToHaveTextAsync("5");
            await chart.ScrollIntoViewIfNeededAsync();
            await BrowserFixture.ScreenshotAsync(page, $"40-click-chart-{width}");
            sizes[width] = await chart.EvaluateAsync<ChartSize>("""
                svg => {
                    const box = svg.getBoundingClientRect();
                    const shown = [...svg.querySelectorAll('text.axis')].filter(t => getComputedStyle(t).display !== 'none').map(t => t.getBoundingClientRect());
                    const bar = [...svg.querySelectorAll('rect.bar')].reduce((a, b) => a.getBoundingClientRect().height > b.getBoundingClientRect().height ? a : b);
                    return {
                        width: box.width, height: box.height, tallestBar: bar.getBoundingClientRect().height,
                        smallestLabel: Math.min(...shown.map(t => t.height)),
                        labelsInside: shown.every(t => t.left >= box.left - 0.5 && t.right <= box.right + 0.5 && t.top >= box.top - 0.5 && t.bottom <= box.bottom + 0.5),
                        axisText: parseFloat(getComputedStyle(svg.querySelector('text.axis')).fontSize),
                        gridLine: parseFloat(getComputedStyle(svg.querySelector('line.grid')).strokeWidth),
                        styledUnit: getComputedStyle(svg.closest('figure')).getPropertyValue('--unit'),
                    };
                }
                """);
            Assert.Equal(width, await page.EvaluateAsync<int>("document.documentElement.scrollWidth"));
            await page.Context.CloseAsync();
        }

        var (phone, laptop) = (sizes[390], sizes[1280]);
        Assert.True(phone.Height >= 160, $"the chart is {phone.Height:0.#} px high on a 390 px phone");
        Assert.True(phone.TallestBar >= 100, $"the day with every click is a {phone.TallestBar:0.#} px bar on a phone");
        Assert.True(phone.SmallestLabel >= 11, $"the smallest axis label is {phone.SmallestLabel:0.#} px high on a phone");
        Assert.True(phone.LabelsInside, "an axis label sticks out of the chart on a phone");
        Assert.InRange(laptop.Width / laptop.Height, 760 / 236.0 - 0.01, 760 / 236.0 + 0.01);
        Assert.True(laptop.LabelsInside, "an axis label sticks out of the chart on a laptop");
        // Text and lines scale with the drawn width as in a viewBox (11 and 1 of the 760 units across), sized by the
        // component alone: the stylesheet keeps no copy of the design's width to divide by.
        Assert.InRange(laptop.AxisText, 11 * laptop.Width / 760 - 0.05, 11 * laptop.Width / 760 + 0.05);
        Assert.InRange(laptop.GridLine, laptop.Width / 760 - 0.01, laptop.Width / 760 + 0.01);
        Assert.Equal("", laptop.StyledUnit);
    }

    /// <summary>The chart as drawn, in CSS pixels (a class with setters: Playwright fills it by property).</summary>
    private sealed class ChartSize
    {
        public double Width { get; set; }
        public double Height { get; set; }
        public double TallestBar { get; set; }
        public double SmallestLabel { get; set; }
        public bool LabelsInside { get; set; }
        public double AxisText { get; set; }
        public double GridLine { get; set; }
        public string StyledUnit { get; set; } = "";
    }

    /// <summary>A person's browser following the short link: a plain client on the real port, desktop Chrome's user agent.</summary>
    private static async Task ClickAsync(Uri address, string path, int times, string? referrer)
    {
        using var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
        for (var i = 0; i < times; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
            if (referrer is not null)
                request.Headers.TryAddWithoutValidation("Referer", referrer);
            using var response = await visitor.SendAsync(request);
            Assert.Equal(System.Net.HttpStatusCode.Found, response.StatusCode);
        }
    }

    private static readonly string[] PromoTag = ["promo"];
    private static readonly string[] BlogTag = ["blog"];

    [GeneratedRegex("/admin/login")]
    private static partial Regex LoginUrl();
}
