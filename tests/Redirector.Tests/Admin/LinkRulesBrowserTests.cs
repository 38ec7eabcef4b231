using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Redirector.Tests.Core;
using static Microsoft.Playwright.Assertions;

namespace Redirector.Tests.Admin;

/// <summary>The link form's access rules, targeting rules and variants, driven in Chromium against the real service.</summary>
public sealed class LinkRulesBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Access_rules_are_set_in_the_form_explained_when_wrong_and_obeyed_by_the_short_url()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        var page = await browser.SignedInPageAsync(address);

        await page.GotoAsync("/admin/links/new");
        await page.GetByLabel("Destination URL").FillAsync("https://shop.example.com/drop");
        await page.GetByLabel("Slug").FillAsync("drop");
        await page.GetByLabel("Maximum of clicks").FillAsync("0");
        await page.GetByLabel("Expired URL").FillAsync("ftp://example.com/");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create link" }).ClickAsync();
        await Expect(page.GetByTestId("error-maxClicks")).ToContainTextAsync("at least 1");
        await Expect(page.GetByTestId("error-expiredUrl")).ToHaveTextAsync("Only absolute http:// or https:// URLs are allowed.");

        await page.GetByLabel("Maximum of clicks").FillAsync("2");
        await page.GetByLabel("Expired URL").FillAsync("https://shop.example.com/sold-out");
        await page.GetByLabel("Valid from (UTC)").FillAsync("2020-01-01T09:30");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create link" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/links/drop\\?saved=1$"));
        await Expect(page.GetByTestId("access")).ToContainTextAsync("valid from 2020-01-01 09:30 UTC");
        await Expect(page.GetByTestId("access")).ToContainTextAsync("at most 2 clicks");
        await Expect(page.GetByTestId("access")).ToContainTextAsync("https://shop.example.com/sold-out");
        await BrowserFixture.ScreenshotAsync(page, "links-access-rules");

        using var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
        var locations = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/drop");
            request.Headers.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
            using var response = await visitor.SendAsync(request);
            Assert.Equal(HttpStatusCode.Found, response.StatusCode);
            locations.Add(response.Headers.Location!.ToString());
        }
        Assert.Equal(["https://shop.example.com/drop", "https://shop.example.com/drop", "https://shop.example.com/sold-out", "https://shop.example.com/sold-out"], locations);

        await page.GotoAsync("/admin/links/drop/edit");
        await Expect(page.GetByLabel("Maximum of clicks")).ToHaveValueAsync("2");
        await Expect(page.GetByLabel("Valid from (UTC)")).ToHaveValueAsync("2020-01-01T09:30");
        await page.GetByLabel("Maximum of clicks").FillAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.GetByTestId("access")).Not.ToContainTextAsync("at most");
    }

    [Fact]
    public async Task A_links_page_says_expires_for_a_time_ahead_and_expired_for_one_past()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://shop.example.com/later", slug = "later", expiresAt = DateTime.UtcNow.AddDays(30) });
        var page = await browser.SignedInPageAsync(address);
        // An import keeps a past expiry (a create refuses one), as an export of expired links carries it.
        await ImportAsync(page, "url,slug,expires_at\nhttps://shop.example.com/flash,flash,2026-01-31T18:00:00Z\n");
        var redirect = page.Locator("dt:text-is('Redirect') + dd");

        await page.GotoAsync("/admin/links/later");
        await Expect(redirect).ToHaveTextAsync(new Regex("^302 · expires \\d{4}-\\d{2}-\\d{2} "));
        await page.GotoAsync("/admin/links/flash");
        await Expect(redirect).ToHaveTextAsync("302 · expired 2026-01-31 18:00 UTC");
    }

    [Fact]
    public async Task The_import_pages_sample_row_expires_next_year_or_later_and_imports_as_shown()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        var page = await browser.SignedInPageAsync(address);

        await page.GotoAsync("/admin/import");
        var sample = (await page.Locator("pre.sample").TextContentAsync())!.Trim();
        var expiry = DateTime.Parse(sample.Split('\n')[1].Split(',')[^1], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);
        Assert.True(expiry > DateTime.UtcNow.AddDays(300), $"the sample expires {expiry:O}, within a year (a past expiry is refused when a link is created)");
        await ImportAsync(page, sample);
    }

    /// <summary>Imports one link from <paramref name="csv"/> on the import page, as an editor would.</summary>
    private static async Task ImportAsync(IPage page, string csv)
    {
        await page.GotoAsync("/admin/import");
        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "links.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(csv) });
        await page.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
        await Expect(page.GetByTestId("import-result")).ToContainTextAsync("Imported 1 link.");
    }

    [Fact]
    public async Task A_password_set_in_the_form_is_asked_of_visitors_in_the_browser()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        var page = await browser.SignedInPageAsync(address);
        // Another origin (localhost for 127.0.0.1), as destinations are: the redirect that follows the form's POST
        // must not be blocked by the form page's own rules (it was, by "form-action 'self'").
        var destination = new UriBuilder(address) { Host = "localhost", Path = "/healthz", Query = "from=vip" }.Uri.ToString();

        await page.GotoAsync("/admin/links/new");
        await page.GetByLabel("Destination URL").FillAsync(destination);
        await page.GetByLabel("Slug").FillAsync("vip");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("open sesame");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create link" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/links/vip\\?saved=1$"));
        await Expect(page.GetByTestId("access")).ToContainTextAsync("password required");

        // Headless Chromium names itself in its agent and would be a bot, which only ever gets the form.
        var visitorContext = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = address.ToString(), UserAgent = Agents.ChromeWindows });
        var visitor = await visitorContext.NewPageAsync();
        await visitor.GotoAsync("/vip");
        await Expect(visitor.GetByRole(AriaRole.Heading, new() { Name = "This link is protected" })).ToBeVisibleAsync();
        await visitor.GetByLabel("Password").FillAsync("open says me");
        await visitor.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await Expect(visitor.GetByRole(AriaRole.Alert)).ToHaveTextAsync("That password is not right.");
        Assert.DoesNotContain("healthz", await visitor.ContentAsync(), StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(visitor, "links-password-form");
        await visitor.GetByLabel("Password").FillAsync("open sesame");
        await visitor.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await Expect(visitor).ToHaveURLAsync(destination);

        // A save that fails shows the form again, still knowing the link has a password.
        await page.GotoAsync("/admin/links/vip/edit");
        await page.GetByLabel("Destination URL").FillAsync("ftp://example.com/");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.Locator("#url-error")).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Password", new() { Exact = true })).ToHaveAttributeAsync("placeholder", "unchanged when empty");
        await Expect(page.GetByLabel("Remove the password")).ToBeVisibleAsync();

        await page.GotoAsync("/admin/links/vip/edit");
        await page.GetByLabel("Remove the password").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/links/vip\\?saved=1$"));
        await Expect(page.GetByTestId("access")).ToHaveCountAsync(0);
        using var direct = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/vip");
        request.Headers.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
        using var response = await direct.SendAsync(request);
        Assert.Equal(destination, response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task The_edit_form_shows_only_the_conditions_a_rule_sets_one_rule_a_line_and_saving_it_unchanged_keeps_the_rules()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new
        {
            url = "https://shop.example.com/app",
            slug = "app",
            rules = (object[])[.. AppRules, new { when = new { after = "2030-01-01T00:00:00Z" }, url = "https://shop.example.com/later" }],
        });
        using var api = app.CreateApiClient();
        var before = RulesOf(await api.GetStringAsync("/api/links/app"));
        var page = await browser.SignedInPageAsync(address);

        await page.GotoAsync("/admin/links/app/edit");
        await Expect(page.GetByLabel("Targeting rules (JSON)")).ToHaveValueAsync("""
            [
              {"when": {"os": "iOS"}, "url": "https://apps.apple.com/app/id1?pt=1&ct=mail+x"},
              {"when": {"country": ["DE", "AT"], "query": {"ref": "mail"}}, "url": "https://example.de/"},
              {"when": {"after": "2030-01-01T00:00:00Z"}, "url": "https://shop.example.com/later"}
            ]
            """);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/links/app\\?saved=1$"));
        Assert.Equal(before, RulesOf(await api.GetStringAsync("/api/links/app")));
    }

    [Fact]
    public async Task Each_rule_error_is_a_line_of_its_own_the_list_of_systems_is_cut_and_times_read_and_write_as_utc()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://shop.example.com/app", slug = "app" });
        var page = await browser.SignedInPageAsync(address, width: 390);

        await page.GotoAsync("/admin/links/app/edit");
        await page.GetByLabel("Targeting rules (JSON)").FillAsync("""
            [{"when": {"os": ["iOSS", "Andriod"]}, "url": "https://apps.apple.com/app/id1"},
             {"when": {"country": "DEU", "os": "macOS"}, "url": "https://example.de/"}]
            """);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        var errors = page.GetByTestId("error-rules").Locator("li");
        await Expect(errors).ToHaveCountAsync(3);
        // What is read (innerText: the systems the cut list stands for stay folded away until asked for).
        var shown = new LocatorAssertionsToHaveTextOptions { UseInnerText = true };
        await Expect(errors.Nth(0)).ToHaveTextAsync(new Regex(
            "^Rule 1: os \"iOSS\" \\(did you mean 'iOS'\\?\\) and \"Andriod\" \\(did you mean 'Android'\\?\\) are no operating systems the counts name; "
            + "the operating systems are iOS, Android, Windows, Mac OS X, Linux, Chrome OS, Ubuntu, Windows Phone, KaiOS, Tizen, Fedora, Debian and \\d+ more\\.$"), shown);
        await Expect(errors.Nth(1)).ToHaveTextAsync(new Regex("^Rule 2: os \"macOS\" is no operating system the counts name \\(did you mean 'Mac OS X'\\?\\); .* and \\d+ more\\.$"), shown);
        // "and N more" opens to the systems it counts.
        var more = errors.Nth(0).GetByText(new Regex("^and \\d+ more$"));
        var count = int.Parse((await more.InnerTextAsync()).Split(' ')[1], CultureInfo.InvariantCulture);
        await Expect(errors.Nth(0)).Not.ToContainTextAsync("BlackBerry OS", new() { UseInnerText = true });
        await more.ClickAsync();
        await Expect(errors.Nth(0)).ToContainTextAsync("BlackBerry OS", new() { UseInnerText = true });
        var listed = await errors.Nth(0).Locator("details > span").InnerTextAsync();
        Assert.Equal(count, listed.TrimStart(':', ' ').Split(", ").Length);
        await Expect(errors.Nth(2)).ToHaveTextAsync(new Regex("^Rule 2: country \"DEU\" is not a country code"));
        // One line each: every error starts below the one before (they ran together as one paragraph).
        var tops = await errors.EvaluateAllAsync<double[]>("items => items.map(li => li.getBoundingClientRect().top)");
        Assert.True(tops[0] < tops[1] && tops[1] < tops[2], string.Join(", ", tops));
        await BrowserFixture.ScreenshotAsync(page, "links-rule-errors-390");

        // A time without an offset is UTC (the server runs in UTC+14 here) and is shown back with "Z", as the API writes it.
        await page.GetByLabel("Targeting rules (JSON)").FillAsync("""[{"when": {"after": "2030-01-01T09:30"}, "url": "https://shop.example.com/later"}]""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/links/app\\?saved=1$"));
        using var api = app.CreateApiClient();
        Assert.Contains("\"after\":\"2030-01-01T09:30:00Z\"", RulesOf(await api.GetStringAsync("/api/links/app")), StringComparison.Ordinal);
        await page.GotoAsync("/admin/links/app/edit");
        await Expect(page.GetByLabel("Targeting rules (JSON)")).ToHaveValueAsync(
            "[\n  {\"when\": {\"after\": \"2030-01-01T09:30:00Z\"}, \"url\": \"https://shop.example.com/later\"}\n]");
    }

    [Fact]
    public async Task A_links_page_sums_up_its_rules_variants_access_and_preview_card_in_words_within_a_phones_width()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new
        {
            url = "https://shop.example.com/app",
            slug = "app",
            utm = new { source = "mail" },
            password = "open sesame",
            maxClicks = 3,
            rules = AppRules,
            variants = new object[] { new { weight = 1, url = "https://shop.example.com/a" }, new { weight = 3, url = "https://shop.example.com/b" } },
            preview = new { title = "Our app", description = "The shop in your pocket.", image = "https://cdn.example.com/app.png" },
        });
        var page = await browser.SignedInPageAsync(address, width: 390);

        await page.GotoAsync("/admin/links/app");
        await Expect(page.GetByTestId("rules").Locator("li")).ToHaveTextAsync([
            "iOS → https://apps.apple.com/app/id1?pt=1&ct=mail+x",
            "country DE or AT, ?ref=mail → https://example.de/",
            "anyone else → the A/B split",
        ]);
        await Expect(page.GetByTestId("variants").Locator("li")).ToHaveTextAsync(["25% (weight 1) → https://shop.example.com/a", "75% (weight 3) → https://shop.example.com/b"]);
        // The split sends nobody to the destination itself: where visitors land is each variant with the link's tags.
        await Expect(page.GetByTestId("lands-on").Locator("li")).ToHaveTextAsync(["https://shop.example.com/a?utm_source=mail", "https://shop.example.com/b?utm_source=mail"]);
        await Expect(page.GetByTestId("preview-card")).ToHaveTextAsync(new Regex("^Our app\\s*The shop in your pocket\\.\\s*image https://cdn\\.example\\.com/app\\.png$"));
        await Expect(page.GetByTestId("access")).ToHaveTextAsync(new Regex("^password required · at most 3 clicks · 0 of 3 clicks used$"));
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 390"), "the page scrolls sideways at 390 px");
    }

    /// <summary>Two rules whose text shows what a careless encoding would spoil: '&amp;' and '+' in a URL, a list, a query condition.</summary>
    private static readonly object[] AppRules =
    [
        new { when = new { os = "iOS" }, url = "https://apps.apple.com/app/id1?pt=1&ct=mail+x" },
        new { when = new { country = new[] { "de", "AT" }, query = new { @ref = "mail" } }, url = "https://example.de/" },
    ];

    private static string RulesOf(string link)
    {
        using var json = System.Text.Json.JsonDocument.Parse(link);
        return json.RootElement.GetProperty("rules").GetRawText();
    }

    [Fact]
    public async Task Rules_and_variants_are_edited_in_the_form_and_mistakes_are_explained()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://shop.example.com/app", slug = "app" });
        var page = await browser.SignedInPageAsync(address);

        await page.GotoAsync("/admin/links/app/edit");
        await page.GetByLabel("Targeting rules (JSON)").FillAsync("[{\"when\": {\"os\": \"iOS\"}, \"url\": \"javascript:alert(1)\"}]");
        await page.GetByLabel("A/B split").FillAsync("50 https://shop.example.com/a\nhalf https://shop.example.com/b");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.GetByTestId("error-variants")).ToContainTextAsync("is not a weight, a space and a URL");

        await page.GetByLabel("A/B split").FillAsync("50 https://shop.example.com/a\n0 https://shop.example.com/b");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.GetByTestId("error-rules")).ToContainTextAsync("Rule 1: url: Only absolute http:// or https:// URLs are allowed.");
        await Expect(page.GetByTestId("error-variants")).ToContainTextAsync("Variant 2: weight is a whole number");

        await page.GetByLabel("Targeting rules (JSON)").FillAsync("[{\"when\": {\"os\": \"iOS\"}, \"url\": \"https://apps.apple.com/app/id1\"}]");
        await page.GetByLabel("A/B split").FillAsync("1 https://shop.example.com/a\n3 https://shop.example.com/b");
        await page.GetByLabel("Card headline").FillAsync("Our app");
        await page.GetByLabel("Card image URL").FillAsync("https://cdn.example.com/app.png");
        await BrowserFixture.ScreenshotAsync(page, "links-rules-and-variants");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/links/app\\?saved=1$"));

        await page.GotoAsync("/admin/links/app/edit");
        await Expect(page.GetByLabel("A/B split")).ToHaveValueAsync("1 https://shop.example.com/a\n3 https://shop.example.com/b");
        await Expect(page.GetByLabel("Targeting rules (JSON)")).ToHaveValueAsync(new Regex("apps\\.apple\\.com"));
        using var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/app");
        request.Headers.TryAddWithoutValidation("User-Agent", Agents.SafariIphone);
        using var response = await visitor.SendAsync(request);
        Assert.Equal("https://apps.apple.com/app/id1", response.Headers.Location!.ToString());
        using var slack = new HttpRequestMessage(HttpMethod.Get, "/app");
        slack.Headers.TryAddWithoutValidation("User-Agent", Agents.Slackbot);
        using var card = await visitor.SendAsync(slack);
        Assert.Contains("<meta property=\"og:title\" content=\"Our app\">", await card.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await Expect(page.GetByLabel("Card headline")).ToHaveValueAsync("Our app");
    }
}
