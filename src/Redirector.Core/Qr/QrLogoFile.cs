using System.Xml;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;

namespace Redirector.Qr;

/// <summary>
/// An uploaded logo that passed the checks: a real PNG (decoded whole, at most <see cref="MaxPixels"/> on a side)
/// or an SVG with nothing active or external in it. The type comes from the bytes, never from the upload's
/// Content-Type. Unsafe SVGs are refused rather than cleaned: a cleaner that misses one construct serves script
/// from the service's origin, and a refusal tells the marketer what to remove.
/// </summary>
public sealed record QrLogoFile(string ContentType, byte[] Content)
{
    public const string Png = "image/png";
    public const string Svg = "image/svg+xml";

    /// <summary>256 KiB: a logo is a small mark in the middle of a code; any real one fits.</summary>
    public const int MaxBytes = 256 * 1024;

    /// <summary>The largest PNG edge accepted, in pixels; decoding a bigger one costs memory for nothing.</summary>
    public const int MaxPixels = 1024;

    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    // Elements that run script, load documents or animate attributes (an <animate> or <set> can turn an href into javascript:).
    private static readonly HashSet<string> ActiveElements = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "foreignObject", "iframe", "embed", "object", "audio", "video", "animate", "set", "animateMotion", "animateTransform", "handler", "listener",
    };

    /// <summary>Checks an uploaded file; <paramref name="error"/> says what is wrong in words for the uploader.</summary>
    public static bool TryRead(byte[] content, out QrLogoFile logo, out string error)
    {
        logo = new QrLogoFile(Png, []);
        if (content.Length == 0)
        {
            error = "The logo file is empty.";
            return false;
        }
        if (content.Length > MaxBytes)
        {
            error = $"The logo is {content.Length / 1024} KiB; at most {MaxBytes / 1024} KiB is accepted.";
            return false;
        }
        if (content.AsSpan().StartsWith(PngSignature))
        {
            if (!TryCheckPng(content, out error))
                return false;
            logo = new QrLogoFile(Png, content);
            return true;
        }
        if (!TryCheckSvg(content, out error))
            return false;
        logo = new QrLogoFile(Svg, content);
        return true;
    }

    private static bool TryCheckPng(byte[] content, out string error)
    {
        error = "";
        try
        {
            var info = Image.Identify(content, out var format);
            if (info is null || format is not PngFormat)
            {
                error = "The logo starts like a PNG but is not one.";
                return false;
            }
            if (info.Width > MaxPixels || info.Height > MaxPixels)
            {
                error = $"The logo is {info.Width}×{info.Height} pixels; at most {MaxPixels}×{MaxPixels} is accepted.";
                return false;
            }
            // Identify reads the header only: decoding proves the pixel data is whole too.
            using var image = Image.Load(content);
            return true;
        }
        catch (Exception e) when (e is ImageFormatException or UnknownImageFormatException or InvalidImageContentException or NotSupportedException)
        {
            error = "The logo is not a valid PNG file.";
            return false;
        }
    }

    private static bool TryCheckSvg(byte[] content, out string error)
    {
        error = "";
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
            MaxCharactersInDocument = MaxBytes,
        };
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(content), settings);
            var sawRoot = false;
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.ProcessingInstruction && reader.Name.Equals("xml-stylesheet", StringComparison.OrdinalIgnoreCase))
                    return Refuse("an xml-stylesheet instruction (external style)", out error);
                if (reader.NodeType == XmlNodeType.CDATA || reader.NodeType == XmlNodeType.Text)
                {
                    if (IsExternalStyle(reader.Value))
                        return Refuse("a style that imports or loads an external resource", out error);
                    continue;
                }
                if (reader.NodeType != XmlNodeType.Element)
                    continue;
                if (!sawRoot)
                {
                    if (reader.LocalName != "svg" || reader.NamespaceURI != "http://www.w3.org/2000/svg")
                    {
                        error = "The logo must be a PNG or an SVG file (an <svg> root in the SVG namespace).";
                        return false;
                    }
                    sawRoot = true;
                }
                if (ActiveElements.Contains(reader.LocalName))
                    return Refuse($"a <{reader.LocalName}> element", out error);
                while (reader.MoveToNextAttribute())
                {
                    var name = reader.LocalName;
                    var value = reader.Value;
                    if (name.StartsWith("on", StringComparison.OrdinalIgnoreCase))
                        return Refuse($"an event handler ({name})", out error);
                    if (name.Equals("href", StringComparison.OrdinalIgnoreCase) && !value.TrimStart().StartsWith('#'))
                        return Refuse("a link to something outside the file (only #id references are allowed)", out error);
                    if (value.Contains("javascript:", StringComparison.OrdinalIgnoreCase) || IsExternalStyle(value))
                        return Refuse($"an attribute ({name}) that loads an external resource or runs script", out error);
                }
                reader.MoveToElement();
            }
            if (!sawRoot)
            {
                error = "The logo must be a PNG or an SVG file.";
                return false;
            }
            return true;
        }
        catch (XmlException)
        {
            error = "The logo must be a PNG or an SVG file; this one is neither (an SVG must be well-formed XML without a DOCTYPE).";
            return false;
        }
    }

    /// <summary>CSS that reaches outside the file: @import, or url() of anything but a #fragment.</summary>
    private static bool IsExternalStyle(string text)
    {
        if (text.Contains("@import", StringComparison.OrdinalIgnoreCase))
            return true;
        var at = 0;
        while ((at = text.IndexOf("url(", at, StringComparison.OrdinalIgnoreCase)) >= 0)
        {
            at += 4;
            var rest = text.AsSpan(at).TrimStart().TrimStart("'\"");
            if (!rest.StartsWith("#"))
                return true;
        }
        return false;
    }

    private static bool Refuse(string what, out string error)
    {
        error = $"The SVG logo has {what}; logos must be plain drawings without scripts or external references.";
        return false;
    }
}
