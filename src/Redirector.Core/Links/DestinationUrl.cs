using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace Redirector.Links;

/// <summary>
/// Validates and normalises redirect destinations. Only absolute http(s) URLs with a host pass; the result
/// is re-serialised from the parsed URI (punycode host, IPv6 in brackets, percent-encoded path), so it is safe in a
/// Location header, and it re-parses to itself: no reader after this one (Uri, a browser) can fail on it.
/// </summary>
public static class DestinationUrl
{
    public const int MaxLength = 4096;

    // Backslashes are read as '/' by browsers ("https://a.com\@evil.com"), so they never pass.
    private static readonly SearchValues<char> Forbidden = SearchValues.Create(
        "\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\u007F");

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>
    /// The normalised form of <paramref name="input"/> (at most <see cref="MaxLength"/> characters), or false with
    /// an error a person can act on: not http(s), user info, control characters or backslashes, a host browsers read
    /// differently (IPv6 zone ids, names ending in a number that is no IPv4 address), or too long.
    /// </summary>
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

        if (!TrySerialize(uri, out normalized, out error))
            return false;
        // The Location header and every later reader parse this text again: it must read back as the same URL.
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var reread) || !TrySerialize(reread, out var again, out _) ||
            !string.Equals(again, normalized, StringComparison.Ordinal))
        {
            error = "The URL cannot be written in a form that reads back as the same address.";
            normalized = null;
            return false;
        }
        if (normalized.Length > MaxLength)
        {
            error = $"The URL is longer than {MaxLength} characters once encoded.";
            normalized = null;
            return false;
        }
        return true;
    }

    /// <summary>scheme://host[:port]/path?query#fragment from a parsed http(s) URI, with the host as browsers will read it.</summary>
    private static bool TrySerialize(Uri uri, [NotNullWhen(true)] out string? normalized, [NotNullWhen(false)] out string? error)
    {
        normalized = null;
        string host;
        switch (uri.HostNameType)
        {
            case UriHostNameType.IPv6:
                // Uri keeps a zone id ("%25eth0") out of Host but in DnsSafeHost; browsers refuse it, and dropping it
                // silently would send the visitor elsewhere. Host keeps the brackets that IdnHost removes.
                if (uri.DnsSafeHost.Contains('%', StringComparison.Ordinal))
                {
                    error = "IPv6 addresses with a zone id are not allowed.";
                    return false;
                }
                host = uri.Host;
                break;
            case UriHostNameType.IPv4:
                host = uri.Host;
                break;
            default:
                try
                {
                    host = uri.IdnHost;
                }
                catch (UriFormatException)
                {
                    error = "The URL's host name is not valid.";
                    return false;
                }
                if (!IsValidPunycode(host))
                {
                    error = "The URL's host name is not valid: a label starting with xn-- is not valid punycode.";
                    return false;
                }
                // A name whose last label is a number is an IPv4 address to a browser (WHATWG URL, "ends in a number"),
                // and "472.314.470.462" or "1.2.3.4.5" is one no browser opens.
                if (EndsInANumber(host))
                {
                    error = "The URL's host is neither a valid IPv4 address nor a domain name.";
                    return false;
                }
                break;
        }

        var port = uri.IsDefaultPort ? "" : ":" + uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var rest = uri.GetComponents(UriComponents.PathAndQuery | UriComponents.Fragment, UriFormat.UriEscaped);
        normalized = $"{uri.Scheme}://{host.ToLowerInvariant()}{port}{rest}";
        error = null;
        return true;
    }

    /// <summary>
    /// Uri passes "xn--" labels as written, and "http://xn--/" decodes to no name a resolver or browser opens.
    /// IdnMapping has no Try-method: it throws for a label it cannot decode, which is the answer here.
    /// </summary>
    private static bool IsValidPunycode(string host)
    {
        if (!host.Contains("xn--", StringComparison.OrdinalIgnoreCase))
            return true;
        try
        {
            new System.Globalization.IdnMapping().GetUnicode(host.TrimEnd('.'));
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static bool EndsInANumber(string host)
    {
        var name = host.AsSpan().TrimEnd('.');
        var last = name[(name.LastIndexOf('.') + 1)..];
        if (last.IsEmpty)
            return false;
        if (last.Length >= 2 && last[0] == '0' && (last[1] | 0x20) == 'x')
            return !last[2..].ContainsAnyExcept(HexDigits);
        return !last.ContainsAnyExceptInRange('0', '9');
    }

    /// <summary>
    /// The host of a URL already re-serialised by <see cref="Uri"/> (a normalised destination, a cleaned referrer),
    /// without "www.". Read from the text rather than parsed again: a catalogue of a million links calls this for
    /// every link at start.
    /// </summary>
    public static string DomainOf(string normalizedUrl)
    {
        var host = HostSpan(normalizedUrl);
        return (host.StartsWith("www.", StringComparison.Ordinal) ? host[4..] : host).ToString();
    }

    /// <summary>The host of a normalised URL as written in it: punycode, or an IPv6 address in brackets.</summary>
    public static string HostOf(string normalizedUrl) => HostSpan(normalizedUrl).ToString();

    private static ReadOnlySpan<char> HostSpan(string normalizedUrl)
    {
        var rest = normalizedUrl.AsSpan();
        var scheme = rest.IndexOf("://", StringComparison.Ordinal);
        rest = rest[(scheme + 3)..];
        var end = rest.StartsWith('[') ? rest.IndexOf(']') + 1 : rest.IndexOfAny(":/?#");
        return end > 0 ? rest[..end] : rest;
    }
}
