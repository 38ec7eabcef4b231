using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace Redirector.Links;

/// <summary>
/// Validates and normalises redirect destinations. Only absolute http(s) URLs with a host pass; the result
/// is re-serialised from the parsed URI (punycode host, percent-encoded path), so it is safe in a Location header.
/// </summary>
public static class DestinationUrl
{
    public const int MaxLength = 4096;

    // Backslashes are read as '/' by browsers ("https://a.com\@evil.com"), so they never pass.
    private static readonly SearchValues<char> Forbidden = SearchValues.Create(
        "\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\u007F");

    public static bool TryNormalize(string? input, [NotNullWhen(true)] out string? normalized, [NotNullWhen(false)] out string? error)
    {
        normalized = null;
        error = null;
        var text = input?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            error = "The URL is required.";
            return false;
        }
        if (text.Length > MaxLength)
        {
            error = $"The URL is longer than {MaxLength} characters.";
            return false;
        }
        if (text.AsSpan().ContainsAny(Forbidden))
        {
            error = "The URL contains control characters or backslashes.";
            return false;
        }
        // Checking the literal prefix first avoids Uri's leniency: on Linux "/foo" parses as file:///foo,
        // and "https:evil.example" or "//evil.example" must not be read as absolute web URLs.
        if (!text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) &&
            !text.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            error = "Only absolute http:// or https:// URLs are allowed.";
            return false;
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) ||
            (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            error = "The URL is not a valid absolute http(s) URL.";
            return false;
        }
        if (string.IsNullOrEmpty(uri.Host) || uri.HostNameType == UriHostNameType.Unknown)
        {
            error = "The URL has no valid host.";
            return false;
        }
        if (uri.UserInfo.Length > 0)
        {
            error = "URLs with user names or passwords are not allowed.";
            return false;
        }

        string host;
        try
        {
            host = uri.IdnHost;
        }
        catch (UriFormatException)
        {
            error = "The URL's host name is not valid.";
            return false;
        }

        var port = uri.IsDefaultPort ? "" : ":" + uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var rest = uri.GetComponents(UriComponents.PathAndQuery | UriComponents.Fragment, UriFormat.UriEscaped);
        normalized = $"{uri.Scheme}://{host.ToLowerInvariant()}{port}{rest}";
        if (normalized.Length > MaxLength)
        {
            error = $"The URL is longer than {MaxLength} characters once encoded.";
            normalized = null;
            return false;
        }
        return true;
    }

    /// <summary>
    /// The host of a URL already re-serialised by <see cref="Uri"/> (a normalised destination, a cleaned referrer),
    /// without "www.". Read from the text rather than parsed again: a catalogue of a million links calls this for
    /// every link at start.
    /// </summary>
    public static string DomainOf(string normalizedUrl)
    {
        var rest = normalizedUrl.AsSpan();
        var scheme = rest.IndexOf("://", StringComparison.Ordinal);
        rest = rest[(scheme + 3)..];
        var end = rest.StartsWith('[') ? rest.IndexOf(']') + 1 : rest.IndexOfAny(":/?#");
        var host = end > 0 ? rest[..end] : rest;
        return (host.StartsWith("www.", StringComparison.Ordinal) ? host[4..] : host).ToString();
    }
}
