using Microsoft.Playwright;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Admin;

/// <summary>
/// One headless Chromium per test class (the system's /usr/bin/chromium: Playwright never downloads a browser here);
/// each test still gets its own service and its own browser context.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string AdminEmail = "admin@example.com";
    public const string AdminPassword = "Correct-Horse-42";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright?.Dispose();
    }

    /// <summary>The service with a first administrator, on a real loopback port; <paramref name="more"/> adds settings.</summary>
    public static (RedirectorApplication App, Uri Address) StartService(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>(more ?? [])
        {
            ["Admin:Email"] = AdminEmail,
            ["Admin:Password"] = AdminPassword,
        };
        var app = new RedirectorApplication(settings: settings);
        return (app, app.StartKestrel());
    }

    /// <summary>
    /// A page in a fresh browser context; <paramref name="colorScheme"/> is what the page's prefers-color-scheme sees,
    /// <paramref name="timeZone"/> the browser's zone (an IANA id), which the admin takes as the user's display zone.
    /// </summary>
    public async Task<IPage> NewPageAsync(Uri address, int width = 1280, int height = 900, ColorScheme colorScheme = ColorScheme.Light, string timeZone = "UTC")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = address.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = colorScheme,
            AcceptDownloads = true,
            // The admin shows times in the browser's zone (DisplayTimeZone); pages read in UTC unless a test sets another.
            // The server itself still runs in UTC+14 (far-from-utc.runsettings).
            TimezoneId = timeZone,
        });
        return await context.NewPageAsync();
    }

    public async Task<IPage> SignedInPageAsync(Uri address, int width = 1280, int height = 900, ColorScheme colorScheme = ColorScheme.Light, string timeZone = "UTC")
    {
        var page = await NewPageAsync(address, width, height, colorScheme, timeZone);
        await page.GotoAsync("/admin/login");
        await page.GetByLabel("Email").FillAsync(AdminEmail);
        await page.GetByLabel("Password").FillAsync(AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard" })).ToBeVisibleAsync();
        // The first page sends the browser's time zone (admin.js); tests start once it is saved.
        await Assertions.Expect(page.Locator("[data-time-zone-unset]")).ToHaveCountAsync(0);
        return page;
    }

    /// <summary>
    /// Full-page screenshots for people to look at, in <paramref name="directory"/> or else the git-ignored screenshots/
    /// folder at the repository root.
    /// </summary>
    public static Task ScreenshotAsync(IPage page, string name, string? directory = null) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory ?? ScreenshotDirectory, name + ".png"), FullPage = true });

    private static string ScreenshotDirectory { get; } = FindScreenshotDirectory();

    private static string FindScreenshotDirectory()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Redirector.sln")))
            directory = directory.Parent;
        return Directory.CreateDirectory(Path.Combine(directory?.FullName ?? Path.GetTempPath(), "screenshots")).FullName;
    }
}
