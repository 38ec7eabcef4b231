using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Redirector.Qr;
using Redirector.Tests.Admin;
using Redirector.Tests.Infrastructure;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Redirector.Tests.Qr;

/// <summary>
/// GET /api/links/{slug}/qr and the logo API through real HTTP: codes are read back with zbarimg (PNG) and with
/// Chromium rendering the SVG, as a phone would scan them.
/// </summary>
public sealed class QrApiTests(BrowserFixture browser, QrApiTests.PosterNode poster) : IClassFixture<BrowserFixture>, IClassFixture<QrApiTests.PosterNode>
{
    private const string Poster = "http://localhost/poster?qr=1";

    [Fact]
    public async Task Png_and_svg_codes_decode_to_the_short_url_with_the_marker_in_the_asked_colours()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "poster" });
        using var api = app.CreateApiClient();

        using var png = await api.GetAsync("/api/links/poster/qr");
        Assert.Equal(HttpStatusCode.OK, png.StatusCode);
        Assert.Equal("image/png", png.Content.Headers.ContentType!.MediaType);
        Assert.Equal("poster.png", png.Content.Headers.ContentDisposition!.FileNameStar ?? png.Content.Headers.ContentDisposition.FileName);
        var pngBytes = await png.Content.ReadAsByteArrayAsync();
        Assert.Equal(Poster, await Zbar.DecodeAsync(pngBytes));
        using (var image = Image.Load<Rgba32>(pngBytes))
            Assert.True(image.Width <= QrStyle.DefaultSize && image.Width > QrStyle.DefaultSize / 2, $"{image.Width}px wide");

        // Navy on yellow, a 1-module margin, ECC H, 300 px.
        const string colours = "size=300&margin=1&fg=%231a237e&bg=fff59d&ecc=h";
        var styled = await api.GetByteArrayAsync("/api/links/poster/qr?" + colours);
        Assert.Equal(Poster, await Zbar.DecodeAsync(styled));
        using (var image = Image.Load<Rgba32>(styled))
        {
            Assert.True(image.Width <= 300, $"{image.Width}px wide");
            // The corner is margin (background); the first other pixel on the diagonal is the finder pattern's dark ring.
            Assert.Equal(new Rgba32(0xff, 0xf5, 0x9d), image[0, 0]);
            var x = 0;
            while (image[x, x] == image[0, 0])
                x++;
            Assert.Equal(new Rgba32(0x1a, 0x23, 0x7e), image[x, x]);
            Assert.Equal(x, ModuleSize(image));
        }

        using var svg = await api.GetAsync("/api/links/poster/qr?format=svg&" + colours);
        Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType!.MediaType);
        var svgText = await svg.Content.ReadAsStringAsync();
        Assert.Contains("#1a237e", svgText, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("#fff59d", svgText, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(Poster, await Zbar.DecodeAsync(await RasteriseAsync(svgText)));

        using var pdf = await api.GetAsync("/api/links/poster/qr?format=pdf&" + colours);
        Assert.Equal("application/pdf", pdf.Content.Headers.ContentType!.MediaType);
        var pdfBytes = await pdf.Content.ReadAsByteArrayAsync();
        Assert.Equal("%PDF-"u8.ToArray(), pdfBytes[..5]);
        var pdfText = Encoding.ASCII.GetString(pdfBytes);
        // PDF colours are 0..1 per channel, the navy's 0x1a/255 0.10196...
        Assert.Matches(@"0\.10196\d* 0\.13725\d* 0\.49411\d* rg", pdfText);
        Assert.EndsWith("%%EOF", pdfText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("format=gif", "format")]
    [InlineData("size=abc", "size")]
    [InlineData("size=63", "size")]
    [InlineData("size=2049", "size")]
    [InlineData("size=-5", "size")]
    [InlineData("margin=17", "margin")]
    [InlineData("margin=-1", "margin")]
    [InlineData("fg=red", "fg")]
    [InlineData("fg=%2312345", "fg")]
    [InlineData("bg=%23ggg", "bg")]
    [InlineData("ecc=X", "ecc")]
    [InlineData("fg=%23777&bg=%23888", "fg")]
    [InlineData("fg=fff&bg=000", "fg")]
    [InlineData("size=64&margin=16", "size")]
    [InlineData("logo=maybe", "logo")]
    public async Task Bad_options_get_a_problem_naming_the_parameter(string query, string field)
    {
        using var api = await poster.ApiAsync();

        using var response = await api.GetAsync("/api/links/poster/qr?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors");
        Assert.Equal([field], errors.EnumerateObject().Select(p => p.Name));
        Assert.False(string.IsNullOrWhiteSpace(errors.GetProperty(field)[0].GetString()));
    }

    [Fact]
    public async Task An_unknown_link_is_404_and_the_api_key_is_required()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        using var missing = await api.GetAsync("/api/links/nope/qr");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("No link has this slug.", (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        using var anonymous = app.CreateApiClient(key: null);
        using var refused = await anonymous.GetAsync("/api/links/nope/qr");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using var upload = await anonymous.PutAsync("/api/links/nope/qr/logo", new ByteArrayContent(RedSquare(32)));
        Assert.Equal(HttpStatusCode.Unauthorized, upload.StatusCode);
    }

    [Fact]
    public async Task A_png_logo_is_drawn_in_the_centre_with_ecc_h_and_the_code_still_scans()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "poster" });
        using var api = app.CreateApiClient();

        using var put = await api.PutAsync("/api/links/poster/qr/logo", Png(RedSquare(64)));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var saved = await put.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("image/png", saved.GetProperty("contentType").GetString());

        // ecc=L is asked, but a logo raises it to H: the code is denser than without the logo at L.
        var plain = await api.GetByteArrayAsync("/api/links/poster/qr?ecc=L&logo=false&size=600");
        var withLogo = await api.GetByteArrayAsync("/api/links/poster/qr?ecc=L&size=600");
        Assert.Equal(Poster, await Zbar.DecodeAsync(withLogo));
        Assert.Equal(Poster, await Zbar.DecodeAsync(plain));
        using (var image = Image.Load<Rgba32>(withLogo))
            Assert.Equal(new Rgba32(255, 0, 0), image[image.Width / 2, image.Height / 2]);
        using (var image = Image.Load<Rgba32>(plain))
            Assert.NotEqual(new Rgba32(255, 0, 0), image[image.Width / 2, image.Height / 2]);
        Assert.True(ModulesAcross(withLogo) > ModulesAcross(plain), "the logo's code is ECC H, denser than L");

        var svg = await api.GetStringAsync("/api/links/poster/qr?format=svg");
        Assert.Contains("data:image/png;base64,", svg, StringComparison.Ordinal);
        Assert.Equal(Poster, await Zbar.DecodeAsync(await RasteriseAsync(svg)));

        // The PDF carries the logo as an image over the vector modules; logo=false leaves it out.
        var pdf = Encoding.Latin1.GetString(await api.GetByteArrayAsync("/api/links/poster/qr?format=pdf"));
        Assert.StartsWith("%PDF-", pdf, StringComparison.Ordinal);
        Assert.Matches(@"/Subtype\s*/Image", pdf);
        var pdfWithout = Encoding.Latin1.GetString(await api.GetByteArrayAsync("/api/links/poster/qr?format=pdf&logo=false"));
        Assert.StartsWith("%PDF-", pdfWithout, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"/Subtype\s*/Image", pdfWithout);

        Assert.Equal(RedSquare(64), await api.GetByteArrayAsync("/api/links/poster/qr/logo"));
        using var delete = await api.DeleteAsync("/api/links/poster/qr/logo");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using var again = await api.DeleteAsync("/api/links/poster/qr/logo");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        using (var image = Image.Load<Rgba32>(await api.GetByteArrayAsync("/api/links/poster/qr")))
            Assert.NotEqual(new Rgba32(255, 0, 0), image[image.Width / 2, image.Height / 2]);
    }

    [Fact]
    public async Task An_svg_logo_is_drawn_in_svg_codes_and_png_and_pdf_codes_say_they_cannot()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "poster" });
        using var api = app.CreateApiClient();
        const string logo = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><defs><linearGradient id="g"><stop offset="0" stop-color="#0a0"/></linearGradient></defs><circle cx="5" cy="5" r="5" fill="url(#g)"/></svg>""";

        using var put = await api.PutAsync("/api/links/poster/qr/logo", new StringContent(logo, Encoding.UTF8, "image/svg+xml"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("image/svg+xml", (await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("contentType").GetString());

        var svg = await api.GetStringAsync("/api/links/poster/qr?format=svg");
        Assert.Contains("data:image/svg+xml;base64,", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("<circle", svg, StringComparison.Ordinal);
        Assert.Equal(Poster, await Zbar.DecodeAsync(await RasteriseAsync(svg)));
        foreach (var format in new[] { "png", "pdf" })
        {
            using var other = await api.GetAsync("/api/links/poster/qr?format=" + format);
            Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);
            Assert.Contains("SVG logo", (await other.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("logo")[0].GetString(), StringComparison.Ordinal);
        }
        using var without = await api.GetAsync("/api/links/poster/qr?format=pdf&logo=false");
        Assert.Equal(HttpStatusCode.OK, without.StatusCode);
    }

    public static TheoryData<string, byte[]> BadLogos() => new()
    {
        { "not an image", Encoding.UTF8.GetBytes("hello, world") },
        { "a truncated PNG", RedSquare(64)[..60] },
        { "a PNG too many pixels wide", RedSquare(QrLogoFile.MaxPixels + 1) },
        { "an SVG with a script", Svg("""<script>alert(1)</script>""") },
        { "an SVG with an event handler", Svg("""<rect width="1" height="1" onload="alert(1)"/>""") },
        { "an SVG with an external image", Svg("""<image href="https://tracker.example/x.png" width="1" height="1"/>""") },
        { "an SVG with an xlink to javascript", Svg("""<a xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="javascript:alert(1)"><rect width="1" height="1"/></a>""") },
        { "an SVG with a foreignObject", Svg("""<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>""") },
        { "an SVG with an external style", Svg("""<style>@import url(https://evil.example/a.css);</style>""") },
        { "an SVG with a css url", Svg("""<rect width="1" height="1" style="fill:url(https://evil.example/p)"/>""") },
        { "an SVG with an animation", Svg("""<a><set attributeName="href" to="javascript:alert(1)"/></a>""") },
        { "an SVG with a DOCTYPE (XXE)", Encoding.UTF8.GetBytes("""<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>""") },
        { "XML that is not SVG", Encoding.UTF8.GetBytes("""<html xmlns="http://www.w3.org/1999/xhtml"/>""") },
        { "broken XML", Encoding.UTF8.GetBytes("""<svg xmlns="http://www.w3.org/2000/svg"><g></svg>""") },
        { "an empty file", [] },
    };

    [Theory]
    [MemberData(nameof(BadLogos))]
    public async Task A_bad_or_unsafe_logo_is_refused_and_the_previous_one_kept(string what, byte[] file)
    {
        using var api = await poster.ApiAsync();
        using (var first = await api.PutAsync("/api/links/poster/qr/logo", Png(RedSquare(32))))
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        using var response = await api.PutAsync("/api/links/poster/qr/logo", new ByteArrayContent(file));
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{what}: {(int)response.StatusCode}");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("errors").GetProperty("logo")[0].GetString()));
        Assert.Equal(RedSquare(32), await api.GetByteArrayAsync("/api/links/poster/qr/logo"));
    }

    [Fact]
    public async Task A_logo_over_the_byte_cap_is_413_and_a_deleted_link_takes_its_logo_along()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "poster" });
        using var api = app.CreateApiClient();
        using var big = await api.PutAsync("/api/links/poster/qr/logo", new ByteArrayContent(new byte[QrLogoFile.MaxBytes + 1]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
        Assert.Equal("application/problem+json", big.Content.Headers.ContentType!.MediaType);

        using (var put = await api.PutAsync("/api/links/poster/qr/logo", Png(RedSquare(32))))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        using (var deleted = await api.DeleteAsync("/api/links/poster"))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "poster" });
        using var logo = await api.GetAsync("/api/links/poster/qr/logo");
        Assert.Equal(HttpStatusCode.NotFound, logo.StatusCode);
        Assert.Equal("The link has no QR logo.", (await logo.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
    }

    /// <summary>Chromium draws the SVG as a browser or design tool would; the screenshot is what a scanner sees.</summary>
    private async Task<byte[]> RasteriseAsync(string svg)
    {
        var page = await browser.Browser.NewPageAsync(new() { ViewportSize = new() { Width = 700, Height = 700 } });
        try
        {
            var uri = "data:image/svg+xml;base64," + Convert.ToBase64String(Encoding.UTF8.GetBytes(svg));
            await page.SetContentAsync($"<body style=\"margin:0;background:#fff\"><img id=\"qr\" src=\"{uri}\"></body>");
            await page.WaitForFunctionAsync("() => document.getElementById('qr').complete && document.getElementById('qr').naturalWidth > 0");
            return await page.Locator("#qr").ScreenshotAsync();
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    /// <summary>Modules across the image, margin included: the finder pattern's outer dark ring is one module wide on the diagonal.</summary>
    private static int ModulesAcross(byte[] png)
    {
        using var image = Image.Load<Rgba32>(png);
        return image.Width / ModuleSize(image);
    }

    private static int ModuleSize(Image<Rgba32> image)
    {
        var background = image[0, 0];
        var x = 0;
        while (image[x, x] == background)
            x++;
        var start = x;
        while (image[x, x] != background)
            x++;
        return x - start;
    }

    private static ByteArrayContent Png(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        return content;
    }

    /// <summary>A PNG of one red square, <paramref name="side"/> pixels wide: a logo whose pixels are easy to find in a code.</summary>
    internal static byte[] RedSquare(int side)
    {
        using var image = new Image<Rgba32>(side, side, new Rgba32(255, 0, 0));
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    private static byte[] Svg(string inner) =>
        Encoding.UTF8.GetBytes($"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">{inner}</svg>""");

    /// <summary>A node with the link "poster", shared by the cases of the bad-input theories (each sets its own first logo).</summary>
    public sealed class PosterNode : SharedApplication
    {
        private Task? _link;

        /// <summary>An API client of the node, once the link exists.</summary>
        public async Task<HttpClient> ApiAsync()
        {
            await (_link ??= App.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "poster" }));
            return App.CreateApiClient();
        }
    }
}
