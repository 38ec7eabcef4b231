using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.HttpOverrides;

namespace Redirector.Hosting;

/// <summary>
/// The client addresses a trusted proxy may forward: canonical dotted-quad IPv4 (four decimal parts of 0 to 255,
/// no leading zeros) and IPv6 in the text forms of RFC 4291 section 2.2 (up to four hex digits a group, <c>::</c>,
/// a dotted-quad tail), each with an optional port (<c>203.0.113.7:443</c>; IPv6 in brackets, <c>[2001:db8::1]:443</c>,
/// and with or without them when it has none). <see cref="IPAddress.TryParse(string?, out IPAddress?)"/> alone also reads the inet_aton forms
/// (<c>1.2.3</c> as 1.2.0.3, <c>0x55.214.132.117</c> as 85.214.132.117) and IPv6 scope ids, which no proxy writes:
/// such an entry is a forged or broken header, not an address to count a country or a visitor by.
/// </summary>
public static class ForwardedAddresses
{
    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>What a malformed entry becomes: not an address, so the forwarded-headers middleware stops at it.</summary>
    public const string Malformed = "unknown";

    /// <summary>
    /// Replaces each malformed entry of the request's <c>X-Forwarded-For</c> with <see cref="Malformed"/>, keeping its
    /// place. Dropping it would let the middleware, which reads from the right, take the entry left of it, which the
    /// client wrote; in its place it stops there, as it does for any entry it cannot parse, and the connection's
    /// address stands. A header without such entries is left as it is.
    /// </summary>
    public static void MarkMalformed(HttpRequest request)
    {
        var header = request.Headers[ForwardedHeadersDefaults.XForwardedForHeaderName];
        if (header.Count == 0)
            return;
        var entries = header.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries)).ToArray();
        var malformed = false;
        for (var i = 0; i < entries.Length; i++)
        {
            if (!IsWellFormed(entries[i]))
            {
                entries[i] = Malformed;
                malformed = true;
            }
        }
        if (malformed)
            request.Headers[ForwardedHeadersDefaults.XForwardedForHeaderName] = string.Join(", ", entries);
    }

    /// <summary>Whether one entry of X-Forwarded-For (trimmed) is an address in the forms above, with an optional port.</summary>
    public static bool IsWellFormed(ReadOnlySpan<char> entry)
    {
        if (entry.StartsWith("["))
        {
            var close = entry.IndexOf(']');
            return close > 0 && IsIPv6(entry[1..close]) && (entry.Length == close + 1 || (entry[close + 1] == ':' && IsPort(entry[(close + 2)..])));
        }
        var colon = entry.IndexOf(':');
        if (colon < 0)
            return IsDottedQuad(entry);
        // One colon is an IPv4 address and its port; more are an IPv6 address, which takes a port only in brackets.
        return entry[(colon + 1)..].Contains(':') ? IsIPv6(entry) : IsDottedQuad(entry[..colon]) && IsPort(entry[(colon + 1)..]);
    }

    private static bool IsDottedQuad(ReadOnlySpan<char> text)
    {
        var parts = 0;
        foreach (var range in text.Split('.'))
        {
            var part = text[range];
            if (++parts > 4 || part.Length is 0 or > 3 || (part.Length > 1 && part[0] == '0') || part.ContainsAnyExceptInRange('0', '9') ||
                !int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value > 255)
                return false;
        }
        return parts == 4;
    }

    private static bool IsIPv6(ReadOnlySpan<char> text)
    {
        var lastColon = text.LastIndexOf(':');
        if (lastColon < 0 || !IPAddress.TryParse(text, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6)
            return false;
        var groups = text[..(lastColon + 1)];
        var tail = text[(lastColon + 1)..];
        foreach (var range in groups.Split(':'))
        {
            if (groups[range].Length > 4 || groups[range].ContainsAnyExcept(HexDigits))
                return false;
        }
        return tail.Contains('.') ? IsDottedQuad(tail) : tail.Length <= 4 && !tail.ContainsAnyExcept(HexDigits);
    }

    private static bool IsPort(ReadOnlySpan<char> text) =>
        text.Length is > 0 and <= 5 && !text.ContainsAnyExceptInRange('0', '9') &&
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535;
}
