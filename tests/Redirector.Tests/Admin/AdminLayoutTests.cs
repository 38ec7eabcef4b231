using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Redirector.Admin;
using Redirector.Tests.Core;
using Redirector.Tests.Infrastructure;
using Redirector.Tests.Outbound;
using Redirector.Tracking;
using static Microsoft.Playwright.Assertions;

namespace Redirector.Tests.Admin;

/// <summary>
/// Every admin page at a phone's and a laptop's size, in light and dark mode: nothing wider than the screen, the
/// controls a marketer needs on screen, readable contrast. The page list comes from the components' @page routes, so a
/// new page is checked without editing this test. Screenshots of every page go to <see cref="ScreenshotDirectory"/>.
/// </summary>
public sealed partial class AdminLayoutTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Slug = "spring-sale";
    private const string Domain = "shop.example.com";
    private const string SourcePage = "https://blog.example.com/2026/11/why-we-moved-our-docs-to-a-static-site-generator";

    /// <summary>Outside the repository: screenshots are for people to look at, never committed.</summary>
    private static readonly string ScreenshotDirectory = Path.Combine(Path.GetTempPath(), "redirector-admin-layout");

    private static readonly (int Width, int Height)[] Sizes = [(390, 844), (1366, 900)];

    /// <summary>Controls that must be on screen, by route template, as (role, accessible name).</summary>
    private static readonly Dictionary<string, (AriaRole Role, string Name)[]> KeyControls = new()
    {
        ["/admin"] = [(AriaRole.Link, "New link"), (AriaRole.Button, "Apply")],
        ["/admin/links"] = [(AriaRole.Link, "New link"), (AriaRole.Button, $"Copy short URL of {Slug}"), (AriaRole.Link, $"Edit {Slug}"), (AriaRole.Checkbox, "Select every link on this page"), (AriaRole.Button, "Disable")],
        ["/admin/links/{Slug}"] = [(AriaRole.Button, "Copy short URL"), (AriaRole.Link, "Duplicate"), (AriaRole.Link, "Edit"), (AriaRole.Button, "Apply"), (AriaRole.Link, "Download PNG"), (AriaRole.Button, "Upload logo")],
        ["/admin/links/{Slug}/edit"] = [(AriaRole.Button, "Save changes")],
        ["/admin/links/new"] = [(AriaRole.Button, "Create link"), (AriaRole.Button, "Create and copy")],
        ["/admin/domains/{Domain}"] = [(AriaRole.Button, "Apply")],
        ["/admin/outbound"] = [(AriaRole.Button, "Apply")],
        ["/admin/pages"] = [(AriaRole.Button, "Apply")],
        ["/admin/keys"] = [(AriaRole.Button, "Create key")],
        ["/admin/webhooks"] = [(AriaRole.Button, "Create webhook"), (AriaRole.Button, "Rotate secret")],
        ["/admin/users"] = [(AriaRole.Button, "Add user")],
        ["/admin/import"] = [(AriaRole.Button, "Import")],
        ["/admin/{**Path}"] = [(AriaRole.Link, "Back to the dashboard")],
    };

    [Fact]
    public async Task Every_admin_page_fits_a_phone_and_a_laptop_with_its_controls_on_screen()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        var site = await SeedAsync(app, address);
        var pages = AdminPages(site.Key);
        Directory.CreateDirectory(ScreenshotDirectory);

        var failures = new List<string>();
        foreach (var (width, height) in Sizes)
        {
            var page = await browser.SignedInPageAsync(address, width, height);
            foreach (var (name, template, url) in pages)
            {
                var response = await page.GotoAsync(url);
                Assert.Equal(template == "/admin/{**Path}" ? 404 : 200, response!.Status);
                await page.Locator("h1").First.WaitForAsync();
                await BrowserFixture.ScreenshotAsync(page, $"{name}-{width}", ScreenshotDirectory);
                failures.AddRange((await MeasureAsync(page)).Select(f => $"{url} at {width}px: {f}"));
                var controls = KeyControls.GetValueOrDefault(template, []).Append((AriaRole.Button, "Sign out"));
                foreach (var (role, control) in controls)
                {
                    // Hidden controls are not in the accessibility tree: count first, since a locator waits for its element.
                    var found = page.GetByRole(role, new() { Name = control, Exact = true });
                    var box = await found.CountAsync() == 0 ? null : await found.First.BoundingBoxAsync();
                    if (box is null)
                        failures.Add($"{url} at {width}px: \"{control}\" is not shown");
                    else if (box.X < 0 || box.X + box.Width > width + 0.5)
                        failures.Add($"{url} at {width}px: \"{control}\" spans {box.X:0}..{box.X + box.Width:0}px");
                }
            }
            await page.Context.CloseAsync();
        }

        var login = await browser.NewPageAsync(address, 390, 844);
        await login.GotoAsync("/admin/login");
        await BrowserFixture.ScreenshotAsync(login, "login-390", ScreenshotDirectory);
        failures.AddRange((await MeasureAsync(login)).Select(f => $"/admin/login at 390px: {f}"));

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Theory]
    [InlineData(ColorScheme.Light)]
    [InlineData(ColorScheme.Dark)]
    public async Task Every_admin_page_keeps_text_readable_in_the_systems_colour_scheme(ColorScheme scheme)
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        var site = await SeedAsync(app, address);
        var page = await browser.SignedInPageAsync(address, 1366, 900, scheme);

        var failures = new List<string>();
        foreach (var (name, _, url) in AdminPages(site.Key))
        {
            await page.GotoAsync(url);
            await BrowserFixture.ScreenshotAsync(page, $"{name}-{scheme.ToString().ToLowerInvariant()}", ScreenshotDirectory);
            failures.AddRange((await LowContrastAsync(page)).Select(f => $"{url}: {f}"));
        }
        // The page's own colours follow the scheme, not only the text on it.
        var background = await page.EvaluateAsync<string>("getComputedStyle(document.documentElement).backgroundColor");
        var luminance = await page.EvaluateAsync<double>("() => {" + ContrastScript + "return luminance(parse(getComputedStyle(document.documentElement).backgroundColor)); }");
        Assert.True(scheme == ColorScheme.Dark ? luminance < 0.05 : luminance > 0.8, $"page background {background} in {scheme} mode");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task Pages_of_one_site_keep_their_paths_visible_in_the_pages_table_on_a_phone()
    {
        const string PageA = "https://blog.example.com/a.html", PageB = "https://blog.example.com/b.html";
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        var site = await app.CreateSiteAsync("Blog", true, "example.com");
        using (var visitor = app.CreateVisitorClient())
        {
            foreach (var page in new[] { PageA, PageB, PageB })
            {
                using var click = await OutboundTestHelpers.GetAsync(visitor, OutboundTestHelpers.OutPath(site.Key, "https://github.com/dotnet", page, "Repo"), page);
                Assert.Equal(System.Net.HttpStatusCode.Found, click.StatusCode);
            }
        }
        await app.FlushClicksAsync();

        var phone = await browser.SignedInPageAsync(address, 390, 844);
        await phone.GotoAsync("/admin/pages");
        await BrowserFixture.ScreenshotAsync(phone, "pages-phone-urls");
        var shown = await VisibleUrlTextsAsync(phone);
        Assert.Equal(2, shown.Length);
        Assert.NotEqual(shown[0], shown[1]);
        // The busier page comes first.
        Assert.Contains("b.html", shown[0], StringComparison.Ordinal);
        Assert.Contains("a.html", shown[1], StringComparison.Ordinal);
        Assert.Equal(390, await phone.EvaluateAsync<int>("document.documentElement.scrollWidth"));
        await Expect(phone.Locator("[data-testid='pages'] td.url-cell a").First).ToHaveAttributeAsync("title", PageB);

        // Where the URL fits, all of it shows, as before.
        var laptop = await browser.SignedInPageAsync(address);
        await laptop.GotoAsync("/admin/pages");
        Assert.Equal([PageB, PageA], await VisibleUrlTextsAsync(laptop));
    }

    /// <summary>
    /// The characters of each URL cell of the pages table that are on screen: inside the box of the element that clips
    /// them and of the cell. An ellipsis hides what it replaces from people, and from this too.
    /// </summary>
    private static Task<string[]> VisibleUrlTextsAsync(IPage page) =>
        page.Locator("[data-testid='pages'] td.url-cell").EvaluateAllAsync<string[]>("""
            cells => cells.map(cell => {
              const inside = (r, box) => r.left >= box.left - 0.5 && r.right <= box.right + 0.5;
              const cellBox = cell.getBoundingClientRect();
              const measure = document.createElement('canvas').getContext('2d');
              const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
              let text = '';
              for (let node; (node = walker.nextNode());) {
                const element = node.parentElement;
                const box = element.getBoundingClientRect();
                // A cut element draws its ellipsis over the end of what fits.
                measure.font = getComputedStyle(element).font;
                const ellipsis = element.scrollWidth > element.clientWidth ? measure.measureText('…').width : 0;
                const clip = { left: box.left, right: box.right - ellipsis };
                for (let i = 0; i < node.length; i++) {
                  const range = document.createRange();
                  range.setStart(node, i);
                  range.setEnd(node, i + 1);
                  const r = range.getBoundingClientRect();
                  if (r.width > 0 && inside(r, clip) && inside(r, cellBox))
                    text += node.data[i];
                }
              }
              return text;
            })
            """);

    [Fact]
    public async Task An_unknown_admin_address_answers_404_inside_the_admin_with_a_way_back()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        var page = await browser.SignedInPageAsync(address);

        var response = await page.GotoAsync("/admin/no-such-page/at/all?x=1");
        Assert.Equal(404, response!.Status);
        Assert.Contains("no-store", response.Headers["cache-control"], StringComparison.Ordinal);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Page not found" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Admin" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Back to the dashboard" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard" })).ToBeVisibleAsync();

        // Without a session the sign-in page comes first, so the admin's addresses are not revealed to strangers.
        var stranger = await browser.NewPageAsync(address);
        await stranger.GotoAsync("/admin/no-such-page");
        await Expect(stranger).ToHaveURLAsync(LoginUrl());
        // Short links and the public 404 outside /admin stay as they were.
        var outside = await stranger.GotoAsync("/no-such-link");
        Assert.Equal(404, outside!.Status);
        await Expect(stranger.GetByRole(AriaRole.Heading, new() { Name = "This link does not exist" })).ToBeVisibleAsync();
    }

    /// <summary>A link with UTM values and tags, clicks on it from a referrer, a site and outbound clicks from its page.</summary>
    private static async Task<SiteResponse> SeedAsync(RedirectorApplication app, Uri address)
    {
        await app.CreateLinkAsync(new
        {
            url = $"https://{Domain}/spring/collections/outdoor-furniture-and-garden-tools?ref=home-page-banner",
            slug = Slug,
            title = "Spring sale newsletter — outdoor furniture and garden tools for the whole family",
            tags = new[] { "newsletter", "spring", "campaign-2026" },
            utm = new { source = "newsletter", medium = "email", campaign = "spring-sale-2026-outdoor-furniture" },
        });
        var site = await app.CreateSiteAsync("Company blog", true, "example.com");
        // An endpoint with a long URL whose host does not resolve here: its deliveries carry long errors.
        using (var api = app.CreateApiClient())
        using (var webhook = await api.PostAsJsonAsync("/api/webhooks", new { url = "https://hooks.crm.example.com/integrations/redirector/events/v1?account=0123456789", events = new[] { "link.clicked", "link.created" }, linkFilter = new { tags = new[] { "newsletter" } } }))
            webhook.EnsureSuccessStatusCode();
        using var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
        for (var i = 0; i < 6; i++)
            (await OutboundTestHelpers.GetAsync(visitor, "/" + Slug, "https://news.example.net/articles/42-a-rather-long-article-path-on-a-news-site")).Dispose();
        for (var i = 0; i < 4; i++)
            (await OutboundTestHelpers.GetAsync(visitor, OutboundTestHelpers.OutPath(site.Key, "https://github.com/dotnet/aspnetcore/issues/51234", SourcePage, "the GitHub issue"), SourcePage)).Dispose();
        await app.FlushClicksAsync();
        return site;
    }

    /// <summary>(screenshot name, route template, URL) for every @page route of the admin, plus the page views of one source page.</summary>
    private static List<(string Name, string Template, string Url)> AdminPages(string siteKey)
    {
        var values = new Dictionary<string, string>
        {
            ["{Slug}"] = Slug,
            ["{Key}"] = siteKey,
            ["{Domain}"] = Domain,
            ["{Campaign}"] = "spring-sale-2026-outdoor-furniture",
            ["{**Path}"] = "no-such-page",
        };
        var pages = new List<(string, string, string)>();
        foreach (var template in typeof(AdminServices).Assembly.GetTypes()
                     .SelectMany(t => t.GetCustomAttributes<Microsoft.AspNetCore.Components.RouteAttribute>())
                     .Select(r => r.Template)
                     .Where(t => t != "/admin/login")
                     .Order(StringComparer.Ordinal))
        {
            var url = values.Aggregate(template, (path, value) => path.Replace(value.Key, value.Value, StringComparison.Ordinal));
            Assert.False(url.Contains('{', StringComparison.Ordinal), $"No test value for a parameter of {template}");
            pages.Add((Name(template), template, url));
        }
        var sourcePage = "/admin/pages?url=" + Uri.EscapeDataString(SourcePage);
        pages.Add(("source-page", "/admin/pages", sourcePage));
        return pages;

        static string Name(string template) => template == "/admin"
            ? "dashboard"
            : template["/admin/".Length..].Replace('/', '-').Replace("{", "", StringComparison.Ordinal).Replace("}", "", StringComparison.Ordinal).Replace("*", "", StringComparison.Ordinal);
    }

    /// <summary>What sticks out: the document wider than the window, or a control beyond the window's edges that no
    /// scrolling box of its own (a wide table's card) can bring into view. On a phone also small tap targets, and a
    /// table's numbers or row buttons that only scrolling its card would show.</summary>
    private static async Task<IReadOnlyList<string>> MeasureAsync(IPage page)
    {
        var json = await page.EvaluateAsync<JsonElement>("""
            () => {
              const found = [];
              const width = window.innerWidth;
              if (document.documentElement.scrollWidth > width)
                found.push(`page is ${document.documentElement.scrollWidth}px wide`);
              const scrolls = el => { for (let e = el.parentElement; e; e = e.parentElement) { const o = getComputedStyle(e).overflowX; if ((o === 'auto' || o === 'scroll') && e !== document.documentElement && e !== document.body) return true; } return false; };
              const visibleInScroller = el => {
                const box = el.closest('.table-card');
                if (!box) return true;
                const r = el.getBoundingClientRect(), b = box.getBoundingClientRect();
                return r.left >= b.left - 0.5 && r.right <= b.right + 0.5;
              };
              for (const cell of document.querySelectorAll('.table-card td.num')) {
                const r = cell.getBoundingClientRect();
                if (width < 500 && r.width > 0 && !visibleInScroller(cell))
                  found.push(`the number "${cell.textContent.trim().slice(0, 20)}" is scrolled out of its table's card`);
              }
              for (const el of document.querySelectorAll('a, button, input, select, textarea, h1')) {
                // A check box inside its label is tapped through the label.
                const r = (el.matches('input[type=checkbox], input[type=radio]') && el.closest('label') || el).getBoundingClientRect();
                if (r.width === 0 || r.height === 0 || el.closest('.skip, .visually-hidden')) continue;
                const label = (el.getAttribute('aria-label') || el.textContent || el.name || el.tagName).trim().slice(0, 40);
                if ((r.right > width + 0.5 || r.left < -0.5) && !scrolls(el))
                  found.push(`"${label}" spans ${Math.round(r.left)}..${Math.round(r.right)}px`);
                // A table may scroll inside its card, but not its numbers or its row's buttons: a phone shows them without scrolling.
                if (width < 500 && el.closest('td.row-actions') && !visibleInScroller(el))
                  found.push(`"${label}" is scrolled out of its table's card`);
                const target = el.matches('button, .button, .icon-button, .chip, .tag, input:not([type=hidden]), select, nav a');
                if (width < 500 && target && (r.height < 24 || r.width < 24))
                  found.push(`"${label}" is a ${Math.round(r.width)}x${Math.round(r.height)}px tap target`);
              }
              return found;
            }
            """);
        return json.EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    private const string ContrastScript = """
        const parse = c => { const m = c.match(/[\d.]+/g).map(Number); return { r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1 }; };
        const channel = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
        const luminance = c => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
        """;

    /// <summary>Text whose contrast with the colour behind it is below WCAG AA (4.5:1, 3:1 for large text).</summary>
    private static async Task<IReadOnlyList<string>> LowContrastAsync(IPage page)
    {
        var json = await page.EvaluateAsync<JsonElement>("() => {" + ContrastScript + """
              const over = (top, below) => ({ r: top.r * top.a + below.r * (1 - top.a), g: top.g * top.a + below.g * (1 - top.a), b: top.b * top.a + below.b * (1 - top.a), a: 1 });
              const behind = el => {
                const layers = [];
                for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c.a > 0) { layers.push(c); if (c.a === 1) break; } }
                return layers.reduceRight((below, top) => over(top, below), { r: 255, g: 255, b: 255, a: 1 });
              };
              const found = new Set();
              for (const el of document.querySelectorAll('body *')) {
                if (el.closest('svg, .skip, .visually-hidden, [disabled]')) continue;
                if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
                const r = el.getBoundingClientRect();
                if (r.width === 0 || r.height === 0) continue;
                const style = getComputedStyle(el);
                const bg = behind(el);
                const fg = over(parse(style.color), bg);
                const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
                const ratio = (hi + 0.05) / (lo + 0.05);
                const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
                const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
                if (ratio < needed)
                  found.add(`"${el.textContent.trim().slice(0, 30)}" (${el.tagName.toLowerCase()}.${el.className}) ${ratio.toFixed(2)}:1 ${style.color} on rgb(${Math.round(bg.r)}, ${Math.round(bg.g)}, ${Math.round(bg.b)})`);
              }
              return [...found];
            }
            """);
        return json.EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    [GeneratedRegex("/admin/login")]
    private static partial Regex LoginUrl();
}
