using System.Text;
using Microsoft.Playwright;
using Redirector.Tests.Admin;
using Redirector.Tests.Infrastructure;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static Microsoft.Playwright.Assertions;

namespace Redirector.Tests.Qr;

/// <summary>The admin's QR studio on a phone-sized screen: live preview, refused colours, downloads that scan, the logo.</summary>
public sealed class QrStudioBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task The_studio_previews_options_live_downloads_codes_that_scan_and_takes_a_logo_on_a_phone()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "poster" });
        var encoded = new Uri(address, "/poster?qr=1").ToString();
        var page = await browser.SignedInPageAsync(address, 390, 844);
        await page.GotoAsync("/admin/links/poster");
        var studio = page.Locator("section.qr-studio");
        await Expect(studio.GetByRole(AriaRole.Heading, new() { Name = "QR code" })).ToBeVisibleAsync();
        await Expect(studio).ToContainTextAsync(encoded);
        var preview = page.GetByTestId("qr-preview");

        // Colours too close: the server's reason is shown and nothing is drawn.
        await page.Locator("#qr-fg").FillAsync("#777777");
        await page.Locator("#qr-bg").FillAsync("#888888");
        await Expect(page.GetByTestId("qr-error")).ToContainTextAsync("Foreground and Background are too close");

        await page.Locator("#qr-fg").FillAsync("#1a237e");
        await page.Locator("#qr-bg").FillAsync("#ffffff");
        await page.Locator("#qr-size").FillAsync("300");
        await Expect(page.GetByTestId("qr-error")).ToBeEmptyAsync();
        await Expect(preview).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex("fg=%231a237e.*size=300|size=300.*fg=%231a237e"));
        Assert.Equal(390, await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth"));
        await BrowserFixture.ScreenshotAsync(page, "qr-studio-390");

        var png = await DownloadAsync(page, "Download PNG");
        Assert.Equal(encoded, await Zbar.DecodeAsync(png));
        using (var image = Image.Load<Rgba32>(png))
        {
            Assert.True(image.Width <= 300);
            Assert.Contains(new Rgba32(0x1a, 0x23, 0x7e), Diagonal(image));
        }
        var pdf = await DownloadAsync(page, "Download PDF");
        Assert.Equal("%PDF-"u8.ToArray(), pdf[..5]);
        Assert.Contains("<svg", Encoding.UTF8.GetString(await DownloadAsync(page, "Download SVG")), StringComparison.Ordinal);

        // An unsafe SVG is refused with the reason; a PNG logo is taken and drawn in the centre.
        await page.Locator("#qr-logo-file").SetInputFilesAsync(new FilePayload
        {
            Name = "logo.svg", MimeType = "image/svg+xml",
            Buffer = Encoding.UTF8.GetBytes("""<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"""),
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload logo" }).ClickAsync();
        await Expect(page.GetByTestId("qr-logo-error")).ToContainTextAsync("script");
        await Expect(page.GetByTestId("qr-logo-info")).ToHaveCountAsync(0);

        await page.Locator("#qr-logo-file").SetInputFilesAsync(new FilePayload { Name = "logo.png", MimeType = "image/png", Buffer = QrApiTests.RedSquare(64) });
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload logo" }).ClickAsync();
        await Expect(page.GetByTestId("qr-logo-info")).ToContainTextAsync("Logo: PNG");
        Assert.Equal(390, await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth"));
        await BrowserFixture.ScreenshotAsync(page, "qr-studio-logo-390");
        var withLogo = await DownloadAsync(page, "Download PNG");
        Assert.Equal(encoded, await Zbar.DecodeAsync(withLogo));
        using (var image = Image.Load<Rgba32>(withLogo))
            Assert.Equal(new Rgba32(255, 0, 0), image[image.Width / 2, image.Height / 2]);
        Assert.Matches(@"/Subtype\s*/Image", Encoding.Latin1.GetString(await DownloadAsync(page, "Download PDF")));

        await page.GetByRole(AriaRole.Button, new() { Name = "Remove logo" }).ClickAsync();
        await Expect(page.GetByTestId("qr-logo-info")).ToHaveCountAsync(0);
        using (var image = Image.Load<Rgba32>(await DownloadAsync(page, "Download PNG")))
            Assert.NotEqual(new Rgba32(255, 0, 0), image[image.Width / 2, image.Height / 2]);
    }

    [Fact]
    public async Task Downloads_are_offered_only_while_the_options_are_accepted()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "poster" });
        var page = await browser.SignedInPageAsync(address);
        var downloads = page.Locator("[data-qr-download]");

        // Refused when the page is rendered (the options form works without script) and when they are changed live.
        await page.GotoAsync("/admin/links/poster?fg=%23eeeeee&bg=%23ffffff");
        await Expect(page.GetByTestId("qr-error")).ToContainTextAsync("too close");
        await AssertOfferedAsync(downloads, false);
        await page.Locator("#qr-fg").FillAsync("#1a237e");
        await Expect(page.GetByTestId("qr-error")).ToBeEmptyAsync();
        await AssertOfferedAsync(downloads, true);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Download PNG", Exact = true })).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("fg=%231a237e"));
        await page.Locator("#qr-fg").FillAsync("#eeeeee");
        await Expect(page.GetByTestId("qr-error")).ToContainTextAsync("too close");
        await AssertOfferedAsync(downloads, false);
    }

    private static async Task AssertOfferedAsync(ILocator downloads, bool offered)
    {
        await Expect(downloads).ToHaveCountAsync(3);
        for (var i = 0; i < 3; i++)
        {
            if (offered)
                await Expect(downloads.Nth(i)).Not.ToHaveAttributeAsync("aria-disabled", "true");
            else
                await Expect(downloads.Nth(i)).ToHaveAttributeAsync("aria-disabled", "true");
            Assert.Equal(offered, await downloads.Nth(i).GetAttributeAsync("href") is not null);
        }
    }

    private static async Task<byte[]> DownloadAsync(IPage page, string name)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = name, Exact = true }).ClickAsync());
        return await File.ReadAllBytesAsync((await download.PathAsync())!);
    }

    private static IEnumerable<Rgba32> Diagonal(Image<Rgba32> image)
    {
        for (var i = 0; i < image.Width; i++)
            yield return image[i, i];
    }
}
