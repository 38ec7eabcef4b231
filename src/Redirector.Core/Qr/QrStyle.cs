using System.Globalization;
using static QRCoder.QRCodeGenerator;

namespace Redirector.Qr;

/// <summary>The file type of a QR code: PNG (print, slides), SVG (any size, design tools) or PDF (print shops).</summary>
public enum QrFormat { Png, Svg, Pdf }

/// <summary>
/// How a QR code is drawn, as asked by <c>?format=&amp;size=&amp;margin=&amp;fg=&amp;bg=&amp;ecc=</c>. Every value is
/// optional; <see cref="TryParse"/> says what was wrong with each bad one, keyed by the parameter's name.
/// </summary>
/// <param name="Size">The largest edge wanted, in pixels (PNG, SVG) or points (PDF), margin included. The code is
/// drawn a whole number of pixels per module, so it comes out at most this big.</param>
/// <param name="Margin">The light border (quiet zone) in modules; the QR standard asks for 4.</param>
/// <param name="Foreground">The dark modules' colour, "#rrggbb".</param>
/// <param name="Background">The light modules' and the margin's colour, "#rrggbb".</param>
/// <param name="Ecc">Error correction: L 7%, M 15%, Q 25%, H 30% of the code may be lost. A logo raises it to H.</param>
public sealed record QrStyle(QrFormat Format, int Size, int Margin, string Foreground, string Background, ECCLevel Ecc)
{
    public const int DefaultSize = 512;
    public const int MinSize = 64;

    /// <summary>2048 px: a poster at 300 dpi is 17 cm wide; beyond it, ask for SVG or PDF, which scale.</summary>
    public const int MaxSize = 2048;

    public const int DefaultMargin = 4;
    public const int MaxMargin = 16;

    /// <summary>
    /// WCAG's contrast ratio that large graphics need (1.4.11, non-text contrast): below it phone cameras in dim
    /// light misread modules as well as people misread them.
    /// </summary>
    public const double MinContrast = 3.0;

    public static QrStyle Default { get; } = new(QrFormat.Png, DefaultSize, DefaultMargin, "#000000", "#ffffff", ECCLevel.M);

    /// <summary>The media type of the file this style produces.</summary>
    public string ContentType => Format switch
    {
        QrFormat.Svg => "image/svg+xml",
        QrFormat.Pdf => "application/pdf",
        _ => "image/png",
    };

    public string Extension => Format.ToString().ToLowerInvariant();

    /// <summary>
    /// Parses the query's values; null or empty means the default. Colours are hex, "#rgb" or "#rrggbb", with or
    /// without the '#' (which a query must send as %23). The foreground must be darker than the background, with a
    /// contrast of at least <see cref="MinContrast"/>: most scanners cannot read light-on-dark codes.
    /// </summary>
    /// <param name="names">What the messages call each option: the query's parameters or the QR studio's labels. The
    /// errors are keyed by parameter name either way.</param>
    public static bool TryParse(string? format, string? size, string? margin, string? fg, string? bg, string? ecc, QrFieldNames names,
        out QrStyle style, out Dictionary<string, string[]> errors)
    {
        errors = [];
        style = Default;

        var parsedFormat = Default.Format;
        if (!string.IsNullOrEmpty(format) && !TryParseFormat(format, out parsedFormat))
            errors["format"] = [$"{names.Format} must be png, svg or pdf."];

        var parsedSize = Default.Size;
        if (!string.IsNullOrEmpty(size) &&
            (!int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out parsedSize) || parsedSize < MinSize || parsedSize > MaxSize))
            errors["size"] = [$"{names.Size} must be a whole number of pixels from {MinSize} to {MaxSize}."];

        var parsedMargin = Default.Margin;
        if (!string.IsNullOrEmpty(margin) &&
            (!int.TryParse(margin, NumberStyles.None, CultureInfo.InvariantCulture, out parsedMargin) || parsedMargin > MaxMargin))
            errors["margin"] = [$"{names.Margin} must be a whole number of modules from 0 to {MaxMargin} (4 is the standard's quiet zone)."];

        var foreground = Default.Foreground;
        if (!string.IsNullOrEmpty(fg) && !TryParseColor(fg, out foreground))
            errors["fg"] = [$"{names.Foreground} must be a hex colour, #rgb or #rrggbb{names.ColourHint}."];

        var background = Default.Background;
        if (!string.IsNullOrEmpty(bg) && !TryParseColor(bg, out background))
            errors["bg"] = [$"{names.Background} must be a hex colour, #rgb or #rrggbb{names.ColourHint}."];

        var parsedEcc = Default.Ecc;
        if (!string.IsNullOrEmpty(ecc) && !TryParseEcc(ecc, out parsedEcc))
            errors["ecc"] = [$"{names.Ecc} must be L, M, Q or H."];

        if (!errors.ContainsKey("fg") && !errors.ContainsKey("bg"))
        {
            var dark = Luminance(foreground);
            var light = Luminance(background);
            var contrast = (Math.Max(dark, light) + 0.05) / (Math.Min(dark, light) + 0.05);
            if (dark > light)
                errors["fg"] = [$"{names.Foreground} must be darker than {names.Background}: most scanners cannot read a light code on a dark background."];
            else if (contrast < MinContrast)
                errors["fg"] = [string.Create(CultureInfo.InvariantCulture,
                    $"{names.Foreground} and {names.Background} are too close for scanners: their contrast is {contrast:0.0}:1, and at least {MinContrast:0.0}:1 is needed.")];
        }

        if (errors.Count > 0)
            return false;
        style = new QrStyle(parsedFormat, parsedSize, parsedMargin, foreground, background, parsedEcc);
        return true;
    }

    private static bool TryParseFormat(string value, out QrFormat format)
    {
        (var known, format) = value.ToLowerInvariant() switch
        {
            "png" => (true, QrFormat.Png),
            "svg" => (true, QrFormat.Svg),
            "pdf" => (true, QrFormat.Pdf),
            _ => (false, QrFormat.Png),
        };
        return known;
    }

    private static bool TryParseEcc(string value, out ECCLevel level)
    {
        (var known, level) = value.ToUpperInvariant() switch
        {
            "L" => (true, ECCLevel.L),
            "M" => (true, ECCLevel.M),
            "Q" => (true, ECCLevel.Q),
            "H" => (true, ECCLevel.H),
            _ => (false, ECCLevel.M),
        };
        return known;
    }

    /// <summary>"#rgb", "#rrggbb", "rgb" or "rrggbb" as lower-case "#rrggbb".</summary>
    public static bool TryParseColor(string value, out string color)
    {
        color = "";
        var hex = value.AsSpan().Trim();
        if (hex.StartsWith("#"))
            hex = hex[1..];
        if ((hex.Length != 3 && hex.Length != 6) || hex.ContainsAnyExcept(HexDigits))
            return false;
        color = hex.Length == 3
            ? string.Concat("#", new string(hex[0], 2), new string(hex[1], 2), new string(hex[2], 2)).ToLowerInvariant()
            : "#" + hex.ToString().ToLowerInvariant();
        return true;
    }

    /// <summary>The colour's red, green and blue bytes.</summary>
    public static byte[] Rgb(string color) =>
    [
        byte.Parse(color.AsSpan(1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
        byte.Parse(color.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
        byte.Parse(color.AsSpan(5, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
    ];

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>WCAG 2 relative luminance of "#rrggbb", 0 (black) to 1 (white).</summary>
    private static double Luminance(string color)
    {
        var rgb = Rgb(color);
        return 0.2126 * Linear(rgb[0]) + 0.7152 * Linear(rgb[1]) + 0.0722 * Linear(rgb[2]);

        static double Linear(byte channel)
        {
            var c = channel / 255.0;
            return c <= 0.03928 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
        }
    }
}

/// <summary>
/// What <see cref="QrStyle.TryParse"/>'s messages call each option: <see cref="Query"/> for the API, whose callers
/// type the parameters, <see cref="Labels"/> for the admin's QR studio, whose users see the form's labels.
/// </summary>
/// <param name="ColourHint">Added to a bad colour's message: how a query sends '#'; nothing for the studio's colour pickers.</param>
public sealed record QrFieldNames(string Format, string Size, string Margin, string Foreground, string Background, string Ecc, string ColourHint)
{
    public static QrFieldNames Query { get; } = new("format", "size", "margin", "fg", "bg", "ecc", " (send '#' as %23)");

    public static QrFieldNames Labels { get; } = new("Format", "Size", "Margin", "Foreground", "Background", "Error correction", "");
}
