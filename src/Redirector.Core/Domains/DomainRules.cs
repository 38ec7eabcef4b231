using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Redirector.Links;

namespace Redirector.Domains;

/// <summary>Validation of short domains, keyed by the JSON field names (shared by the API and the admin area).</summary>
public static class DomainRules
{
    /// <summary>The longest DNS name (RFC 1035 section 2.3.4), in its ASCII form.</summary>
    public const int MaxHostLength = 253;

    private const int MaxLabelLength = 63;

    /// <summary>The largest well-known document accepted (apple-app-site-association is capped at 128 KB by Apple).</summary>
    public const int MaxDocumentLength = 128 * 1024;

    private static readonly SearchValues<char> LabelChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-");
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true };

    /// <summary>
    /// The host in the form the catalogue keys it by: trimmed, without a trailing dot, IDN labels in punycode
    /// (<see cref="IdnMapping"/>, UTS 46 with STD3 rules) and lowercase; false with the reason for anything that is not a
    /// DNS name of at least two labels (an IP address, a port, a path, an empty label, a label over 63 characters).
    /// </summary>
    public static bool TryNormalizeHost(string? input, out string host, out string error)
    {
        host = "";
        var text = input?.Trim().TrimEnd('.') ?? "";
        if (text.Length == 0)
        {
            error = "The host is empty.";
            return false;
        }
        var invalid = $"'{Cap(text)}' is not a valid DNS name: give a host such as go.example.com, without scheme, port or path.";
        string ascii;
        try
        {
            ascii = Idn.GetAscii(text).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            // IdnMapping has no Try-method: it throws for any name it cannot map (a port's colon too), which is the answer here.
            error = invalid;
            return false;
        }
        var labels = ascii.Split('.');
        if (ascii.Length > MaxHostLength || labels.Length < 2 ||
            labels.Any(l => l.Length is 0 or > MaxLabelLength || l.AsSpan().ContainsAnyExcept(LabelChars) || l[0] == '-' || l[^1] == '-') ||
            labels[^1].All(char.IsAsciiDigit))
        {
            error = invalid;
            return false;
        }
        host = ascii;
        error = "";
        return true;
    }

    /// <summary>An optional redirect target of a domain (rootUrl, notFoundUrl, expiredUrl): an absolute http(s) URL, like a link's.</summary>
    public static string? NormalizeUrl(string? url, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(url))
            return null;
        if (DestinationUrl.TryNormalize(url, out var normalized, out var error))
            return normalized;
        errors[field] = [error];
        return null;
    }

    /// <summary>
    /// An optional well-known document: JSON of the expected kind (apple-app-site-association is an object,
    /// assetlinks.json an array) of at most <see cref="MaxDocumentLength"/> bytes, kept as sent.
    /// </summary>
    public static string? NormalizeDocument(string? json, string field, JsonValueKind kind, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(json))
            return null;
        var bytes = Encoding.UTF8.GetBytes(json.Trim());
        if (bytes.Length > MaxDocumentLength)
        {
            errors[field] = [$"The document is larger than {MaxDocumentLength / 1024} KB."];
            return null;
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException)
        {
            // System.Text.Json has no parse that answers false for malformed JSON (TryParseValue throws too).
            errors[field] = ["The document is not valid JSON."];
            return null;
        }
        using (document)
        {
            if (document.RootElement.ValueKind != kind)
            {
                errors[field] = [kind == JsonValueKind.Array ? "The document must be a JSON array." : "The document must be a JSON object."];
                return null;
            }
        }
        return json.Trim();
    }

    /// <summary>A document as the API receives it: a JSON value, or a string holding the JSON (as the admin form sends it).</summary>
    public static string? DocumentText(JsonElement? value) => value switch
    {
        null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
        { ValueKind: JsonValueKind.String } text => text.GetString(),
        { } json => json.GetRawText(),
    };

    /// <summary>
    /// A host as people read it: its punycode labels in Unicode, "xn--bcher-kva.example" as "bücher.example" (the
    /// catalogue keys hosts by their ASCII form, <see cref="TryNormalizeHost"/>); the host itself when it has no
    /// punycode label or one does not decode.
    /// </summary>
    public static string ToUnicode(string host)
    {
        if (!host.Contains("xn--", StringComparison.OrdinalIgnoreCase))
            return host;
        try
        {
            return Idn.GetUnicode(host);
        }
        catch (ArgumentException)
        {
            // IdnMapping has no Try-method; a label it cannot decode is shown as it is stored.
            return host;
        }
    }

    /// <summary>
    /// A URL, or a host followed by a path ("xn--bcher-kva.example/buch"), with its host as people read it
    /// (<see cref="ToUnicode"/>): the host is what follows "scheme://" (or starts the text) up to a '/', ':', '?' or '#'.
    /// </summary>
    public static string ToUnicodeUrl(string url)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var start = scheme < 0 ? 0 : scheme + 3;
        var end = url.IndexOfAny(['/', ':', '?', '#'], start);
        end = end < 0 ? url.Length : end;
        var host = url[start..end];
        var unicode = ToUnicode(host);
        return ReferenceEquals(unicode, host) ? url : url[..start] + unicode + url[end..];
    }

    private static string Cap(string text) => text.Length > 64 ? text[..64] + "…" : text;
}
