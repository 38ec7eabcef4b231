using System.Collections;
using PdfSharp.Drawing;
using PdfSharp.Pdf;
using QRCoder;
using QRCoder.Exceptions;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using static QRCoder.QRCodeGenerator;

namespace Redirector.Qr;

/// <summary>A drawn QR code: the file's bytes, its media type and its extension ("png").</summary>
public sealed record QrImage(byte[] Content, string ContentType, string Extension);

/// <summary>
/// Draws QR codes with QRCoder: its PNG, SVG and PDF writers draw the colours, SVG logos (PNG or SVG, as an image)
/// and vector PDF. QRCoder's PNG and PDF writers draw modules only, so a PNG logo is composited with ImageSharp
/// (PNG) or PDFsharp (PDF). No SVG renderer is bundled, so an SVG logo in a PNG or PDF code is refused with a
/// reason rather than drawn without the logo the marketer expects.
/// </summary>
public static class QrRenderer
{
    /// <summary>The logo's share of the code's width (margin excluded), in percent: with ECC H, 30% of codewords may be lost.</summary>
    public const int LogoPercent = 20;

    // QRCoder's matrix always has the standard 4-module quiet zone around the symbol; the margin option replaces it.
    private const int QrCoderQuietZone = 4;

    /// <summary>
    /// Draws <paramref name="text"/> in <paramref name="style"/>, with <paramref name="logo"/> in the centre when given
    /// (error correction then H). <paramref name="errors"/> says, keyed by the query parameter, why a code cannot be
    /// drawn: the size is too small for the code's modules, or the logo cannot be drawn in that format.
    /// </summary>
    public static bool TryRender(string text, QrStyle style, QrLogo? logo, out QrImage image, out Dictionary<string, string[]> errors)
    {
        image = new QrImage([], style.ContentType, style.Extension);
        errors = [];
        if (logo is not null && !CanDraw(style.Format, logo.ContentType, out var logoError))
        {
            errors["logo"] = [logoError];
            return false;
        }

        using var generator = new QRCodeGenerator();
        QRCodeData data;
        try
        {
            data = generator.CreateQrCode(text, logo is null ? style.Ecc : ECCLevel.H);
        }
        catch (DataTooLongException)
        {
            errors["ecc"] = ["The short URL is too long for a QR code at this error correction."];
            return false;
        }
        using (data)
        {
            data.ModuleMatrix = WithMargin(data.ModuleMatrix, style.Margin);
            var modules = data.ModuleMatrix.Count;
            var pixelsPerModule = style.Size / modules;
            // One pixel per module scans on screen but blurs in print and in scaled previews.
            if (pixelsPerModule < 2)
            {
                errors["size"] = [$"size must be at least {modules * 2} for this code: it has {modules} modules across, margin included, and each needs 2 pixels."];
                return false;
            }
            var content = style.Format switch
            {
                QrFormat.Svg => Svg(data, pixelsPerModule, style, logo),
                QrFormat.Pdf when logo is not null => PdfWithLogo(data, pixelsPerModule, style, logo),
                QrFormat.Pdf => new PdfByteQRCode(data).GetGraphic(pixelsPerModule, style.Foreground, style.Background, dpi: 72),
                _ => Png(data, pixelsPerModule, style, logo),
            };
            image = image with { Content = content };
            return true;
        }
    }

    /// <summary>Whether a logo of <paramref name="logoType"/> can be drawn in <paramref name="format"/>; else why not.</summary>
    public static bool CanDraw(QrFormat format, string logoType, out string error)
    {
        error = format != QrFormat.Svg && logoType == QrLogoFile.Svg
            ? $"An SVG logo is drawn in SVG codes only. Ask for SVG, upload the logo as PNG, or ask for the {format.ToString().ToUpperInvariant()} without the logo (logo=false)."
            : "";
        return error.Length == 0;
    }

    private static List<BitArray> WithMargin(List<BitArray> matrix, int margin)
    {
        var symbol = matrix.Count - 2 * QrCoderQuietZone;
        var side = symbol + 2 * margin;
        var result = new List<BitArray>(side);
        for (var y = 0; y < side; y++)
        {
            var row = new BitArray(side);
            var sy = y - margin;
            if (sy >= 0 && sy < symbol)
            {
                for (var x = 0; x < symbol; x++)
                    row[x + margin] = matrix[sy + QrCoderQuietZone][x + QrCoderQuietZone];
            }
            result.Add(row);
        }
        return result;
    }

    private static byte[] Svg(QRCodeData data, int pixelsPerModule, QrStyle style, QrLogo? logo)
    {
        // The logo goes in as an <image> with a data: URI (never inlined), so an SVG logo renders as an image: no script of it could run.
        var svgLogo = logo is null ? null
            : logo.ContentType == QrLogoFile.Svg
                ? new SvgQRCode.SvgLogo(System.Text.Encoding.UTF8.GetString(logo.Content), LogoPercent, fillLogoBackground: true, iconEmbedded: false)
                : new SvgQRCode.SvgLogo(logo.Content, LogoPercent, fillLogoBackground: true);
        var svg = new SvgQRCode(data).GetGraphic(pixelsPerModule, style.Foreground, style.Background, drawQuietZones: true,
            SvgQRCode.SizingMode.WidthHeightAttribute, svgLogo);
        return System.Text.Encoding.UTF8.GetBytes(svg);
    }

    private static byte[] Png(QRCodeData data, int pixelsPerModule, QrStyle style, QrLogo? logo)
    {
        var box = logo is null ? default : ClearLogoBox(data, style.Margin);
        var png = new PngByteQRCode(data).GetGraphic(pixelsPerModule, QrStyle.Rgb(style.Foreground), QrStyle.Rgb(style.Background), drawQuietZones: true);
        if (logo is null)
            return png;

        using var code = Image.Load<Rgba32>(png);
        using var mark = Image.Load<Rgba32>(logo.Content);
        var boxPixels = box.Size * pixelsPerModule;
        mark.Mutate(m => m.Resize(new ResizeOptions { Size = new Size(boxPixels, boxPixels), Mode = ResizeMode.Max }));
        var at = new Point(box.Start * pixelsPerModule + (boxPixels - mark.Width) / 2, box.Start * pixelsPerModule + (boxPixels - mark.Height) / 2);
        code.Mutate(c => c.DrawImage(mark, at, 1f));
        using var output = new MemoryStream();
        // The encoder would otherwise keep the decoded code's 1-bit palette and turn the logo to the nearest of its two colours.
        code.SaveAsPng(output, new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8 });
        return output.ToArray();
    }

    /// <summary>
    /// A vector PDF like QRCoder's (one point per pixel: 72 dpi), with a PNG logo in the centre, drawn by PDFsharp:
    /// QRCoder's PDF writer has no logo.
    /// </summary>
    private static byte[] PdfWithLogo(QRCodeData data, int pixelsPerModule, QrStyle style, QrLogo logo)
    {
        var box = ClearLogoBox(data, style.Margin);
        var matrix = data.ModuleMatrix;
        double side = matrix.Count * pixelsPerModule;
        using var document = new PdfDocument();
        var page = document.AddPage();
        page.Width = XUnit.FromPoint(side);
        page.Height = XUnit.FromPoint(side);
        using (var graphics = XGraphics.FromPdfPage(page))
        {
            graphics.DrawRectangle(Brush(style.Background), 0, 0, side, side);
            // One rectangle per run of dark modules in a row, drawn as one path, as QRCoder does.
            var runs = new List<XRect>();
            for (var y = 0; y < matrix.Count; y++)
            {
                for (var x = 0; x < matrix.Count; x++)
                {
                    if (!matrix[y][x])
                        continue;
                    var start = x;
                    while (x < matrix.Count && matrix[y][x])
                        x++;
                    runs.Add(new XRect(start * pixelsPerModule, y * pixelsPerModule, (x - start) * pixelsPerModule, pixelsPerModule));
                }
            }
            graphics.DrawRectangles(Brush(style.Foreground), [.. runs]);
            using var stream = new MemoryStream(logo.Content);
            using var image = XImage.FromStream(stream);
            double boxPoints = box.Size * pixelsPerModule;
            var scale = boxPoints / Math.Max(image.PixelWidth, image.PixelHeight);
            double width = image.PixelWidth * scale, height = image.PixelHeight * scale;
            graphics.DrawImage(image,
                box.Start * pixelsPerModule + (boxPoints - width) / 2, box.Start * pixelsPerModule + (boxPoints - height) / 2, width, height);
        }
        using var output = new MemoryStream();
        document.Save(output);
        return output.ToArray();

        static XSolidBrush Brush(string color)
        {
            var rgb = QrStyle.Rgb(color);
            return new XSolidBrush(XColor.FromArgb(rgb[0], rgb[1], rgb[2]));
        }
    }

    /// <summary>
    /// Clears the centred square of modules the logo covers (<see cref="LogoPercent"/> of the symbol's width) to the
    /// background, as QRCoder does for SVG logos, and returns it in modules from the image's edge.
    /// </summary>
    private static (int Start, int Size) ClearLogoBox(QRCodeData data, int margin)
    {
        var modules = data.ModuleMatrix.Count;
        var size = Math.Max(1, (modules - 2 * margin) * LogoPercent / 100);
        var start = (modules - size) / 2;
        for (var y = start; y < start + size; y++)
        {
            for (var x = start; x < start + size; x++)
                data.ModuleMatrix[y][x] = false;
        }
        return (start, size);
    }
}
