using System.Buffers;
using System.Text;
using Redirector.Qr;

namespace Redirector.Links;

/// <summary>
/// Builds redirect Locations: the destination, plus the link's UTM tags it lacks, with the request's utm_*
/// parameters replacing those and its other parameters forwarded. Output is plain ASCII: anything outside
/// the characters a query may hold is percent-encoded, so no header injection can get through.
/// The request's query is forwarded whole, every parameter of it: the only bound is the server's request line
/// (Kestrel answers 414 beyond it, see KestrelLimits), so no destination ever gets a query cut inside a value.
/// The QR marker (<c>qr=1</c>, <see cref="Qr.QrMarker"/>) is the one pair never forwarded: it is the service's own.
/// </summary>
public static class RedirectLocation
{
    // RFC 3986 query characters, minus '&' and '=' (separators) which are handled structurally.
    private static readonly SearchValues<char> QuerySafe = SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$'()*+,;:@/?");

    /// <summary>A destination made ready to redirect to: its Location with the link's UTM tags, and the UTM values a click without its own carries.</summary>
    public sealed record Prepared(string Location, UtmTags Utm);

    /// <summary>
    /// A Location taken apart for <see cref="Build"/>: the part before the query, the query's pairs (encoded, as they
    /// are in the Location) and the fragment with its '#'. Parsed from the Location itself, which
    /// <see cref="Prepare"/> wrote with every pair sanitised, so no raw '#', '&amp;' or '=' is inside a pair.
    /// </summary>
    public sealed record Parts(string PathPart, IReadOnlyList<QueryPair> Query, string Fragment);

    public static Prepared Prepare(string destination, UtmTags linkUtm)
    {
        var (pathPart, pairs, fragment) = Split(destination);

        var effective = new string?[UtmTags.ParameterNames.Count];
        var fromDestination = false;
        foreach (var pair in pairs)
        {
            var index = UtmTags.IndexOf(pair.Name);
            if (index >= 0 && effective[index] is null)
            {
                effective[index] = Decode(pair.EncodedValue);
                fromDestination = true;
            }
        }
        for (var i = 0; i < effective.Length; i++)
        {
            // A UTM parameter already in the destination wins over the link's default.
            if (effective[i] is null && linkUtm[i] is { } value)
            {
                effective[i] = value;
                var name = UtmTags.ParameterNames[i];
                pairs.Add(new QueryPair(name, name, Encode(value), true));
            }
        }
        // The link's own tags when the destination sets none: one object fewer per cached link.
        var utm = fromDestination
            ? new UtmTags { Source = effective[0], Medium = effective[1], Campaign = effective[2], Term = effective[3], Content = effective[4] }
            : linkUtm;
        return new Prepared(Join(pathPart, pairs, fragment), utm);
    }

    /// <summary>The parts of a Location <see cref="Prepare"/> made (see <see cref="Parts"/>).</summary>
    public static Parts PartsOf(string location)
    {
        var (pathPart, pairs, fragment) = Split(location);
        return new Parts(pathPart, pairs, fragment);
    }

    private static (string PathPart, List<QueryPair> Pairs, string Fragment) Split(string url)
    {
        var hashIndex = url.IndexOf('#', StringComparison.Ordinal);
        var fragment = hashIndex >= 0 ? url[hashIndex..] : "";
        var withoutFragment = hashIndex >= 0 ? url.AsSpan(0, hashIndex) : url.AsSpan();
        var queryIndex = withoutFragment.IndexOf('?');
        var pathPart = queryIndex >= 0 ? withoutFragment[..queryIndex].ToString() : withoutFragment.Length == url.Length ? url : withoutFragment.ToString();
        var pairs = queryIndex >= 0 ? Parse(withoutFragment[(queryIndex + 1)..]) : [];
        return (pathPart, pairs, fragment);
    }

    /// <summary>The Location for one request; <paramref name="incomingQuery"/> is the raw query, with or without '?'.</summary>
    public static string Build(RedirectTarget target, ReadOnlySpan<char> incomingQuery)
    {
        if (incomingQuery.StartsWith("?"))
            incomingQuery = incomingQuery[1..];
        // A scanned QR code's query is the bare marker: answered like no query, without parsing or allocating.
        if (incomingQuery.IsEmpty || incomingQuery.SequenceEqual(QrMarker.Pair))
            return target.Location;

        var parts = target.LocationParts;
        var incoming = Parse(incomingQuery);
        var result = new List<QueryPair>(parts.Query.Count + incoming.Count);
        foreach (var pair in parts.Query)
        {
            if (!IsUtm(pair.Name) || !Contains(incoming, pair.Name))
                result.Add(pair);
        }
        foreach (var pair in incoming)
        {
            if (IsQrMarker(pair))
                continue;
            // A repeated utm_* parameter in the request: the first one is the one that counts and is forwarded.
            if (IsUtm(pair.Name) && Contains(result, pair.Name))
                continue;
            result.Add(pair);
        }
        return Join(parts.PathPart, result, parts.Fragment);
    }

    /// <summary>The UTM values a click is counted with: the request's utm_* where present, else the link's.</summary>
    public static UtmTags ClickUtm(UtmTags linkUtm, ReadOnlySpan<char> incomingQuery)
    {
        if (incomingQuery.StartsWith("?"))
            incomingQuery = incomingQuery[1..];
        if (incomingQuery.IsEmpty || !incomingQuery.Contains("utm_", StringComparison.OrdinalIgnoreCase))
            return linkUtm;
        var values = new string?[UtmTags.ParameterNames.Count];
        foreach (var pair in Parse(incomingQuery))
        {
            var index = UtmTags.IndexOf(pair.Name);
            if (index >= 0 && values[index] is null)
                values[index] = Decode(pair.EncodedValue);
        }
        return new UtmTags
        {
            Source = values[0] ?? linkUtm.Source,
            Medium = values[1] ?? linkUtm.Medium,
            Campaign = values[2] ?? linkUtm.Campaign,
            Term = values[3] ?? linkUtm.Term,
            Content = values[4] ?? linkUtm.Content,
        };
    }

    private static bool IsQrMarker(QueryPair pair) =>
        pair.HasValue && pair.EncodedName == QrMarker.Name && pair.EncodedValue == QrMarker.Value;

    private static bool IsUtm(string name) => name.StartsWith("utm_", StringComparison.OrdinalIgnoreCase);

    private static bool Contains(List<QueryPair> pairs, string name)
    {
        foreach (var pair in pairs)
        {
            if (string.Equals(pair.Name, name, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    private static List<QueryPair> Parse(ReadOnlySpan<char> query)
    {
        var pairs = new List<QueryPair>();
        foreach (var range in query.Split('&'))
        {
            var part = query[range];
            if (part.IsEmpty)
                continue;
            var equals = part.IndexOf('=');
            var rawName = equals >= 0 ? part[..equals] : part;
            if (rawName.IsEmpty)
                continue;
            var encodedName = Sanitize(rawName);
            var encodedValue = equals >= 0 ? Sanitize(part[(equals + 1)..]) : "";
            pairs.Add(new QueryPair(Decode(encodedName), encodedName, encodedValue, equals >= 0));
        }
        return pairs;
    }

    private static string Join(string pathPart, List<QueryPair> pairs, string fragment)
    {
        if (pairs.Count == 0)
            return pathPart + fragment;
        // Sized exactly, so a long forwarded query is copied once rather than regrown.
        var length = pathPart.Length + fragment.Length;
        foreach (var pair in pairs)
            length += pair.EncodedName.Length + pair.EncodedValue.Length + 2;
        var builder = new StringBuilder(pathPart, length);
        for (var i = 0; i < pairs.Count; i++)
        {
            builder.Append(i == 0 ? '?' : '&').Append(pairs[i].EncodedName);
            if (pairs[i].HasValue)
                builder.Append('=').Append(pairs[i].EncodedValue);
        }
        return builder.Append(fragment).ToString();
    }

    /// <summary>Keeps valid percent-escapes and safe characters as they are; percent-encodes everything else as UTF-8.</summary>
    private static string Sanitize(ReadOnlySpan<char> raw)
    {
        if (!NeedsEncoding(raw))
            return raw.ToString();
        var builder = new StringBuilder(raw.Length + 16);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (QuerySafe.Contains(c) || (c == '%' && IsEscape(raw, i)))
            {
                builder.Append(c);
                continue;
            }
            var rune = Rune.DecodeFromUtf16(raw[i..], out var rune1, out var consumed) == OperationStatus.Done
                ? rune1 : Rune.ReplacementChar;
            var length = rune.EncodeToUtf8(utf8);
            for (var b = 0; b < length; b++)
                builder.Append('%').Append(utf8[b].ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            i += Math.Max(consumed, 1) - 1;
        }
        return builder.ToString();
    }

    private static bool NeedsEncoding(ReadOnlySpan<char> raw)
    {
        for (var i = 0; i < raw.Length; i++)
        {
            if (!QuerySafe.Contains(raw[i]) && !(raw[i] == '%' && IsEscape(raw, i)))
                return true;
        }
        return false;
    }

    private static bool IsEscape(ReadOnlySpan<char> raw, int i) =>
        i + 2 < raw.Length && char.IsAsciiHexDigit(raw[i + 1]) && char.IsAsciiHexDigit(raw[i + 2]);

    private static string Encode(string value) => Uri.EscapeDataString(value);

    /// <summary>
    /// A query name or value as text: '+' is a space, and a percent-escape (or a run of them) that spells a UTF-8
    /// character becomes that character. An escape that spells none (bytes that are no UTF-8 sequence, such as the
    /// cut-off <c>%E0%A4</c>) or a control character (<c>%00</c>, <c>%0A</c>) stays as the text the visitor sent, so a
    /// broken value is counted as written, never as U+FFFD and never as an error. Only counting reads this: the
    /// Location forwards the query as it came. A '%' without two hex digits after it was already escaped as "%25" by
    /// <see cref="Sanitize"/> and so reads back as itself (docs/links.md, "UTM values of a click").
    /// </summary>
    private static string Decode(string encoded)
    {
        if (encoded.AsSpan().IndexOfAny('%', '+') < 0)
            return encoded;
        var text = new StringBuilder(encoded.Length);
        Span<byte> utf8 = stackalloc byte[4];
        Span<char> utf16 = stackalloc char[2];
        for (var i = 0; i < encoded.Length;)
        {
            var c = encoded[i];
            if (c == '+' || !TryEscapedByte(encoded, i, out var first))
            {
                text.Append(c == '+' ? ' ' : c);
                i++;
                continue;
            }
            // The first byte of a UTF-8 sequence says how many escapes the character takes.
            var length = first < 0x80 ? 1 : first < 0xC2 ? 0 : first < 0xE0 ? 2 : first < 0xF0 ? 3 : first < 0xF5 ? 4 : 0;
            var count = 0;
            while (count < length && TryEscapedByte(encoded, i + 3 * count, out var next))
                utf8[count++] = next;
            if (length > 0 && count == length && Rune.DecodeFromUtf8(utf8[..length], out var rune, out var consumed) == OperationStatus.Done
                && consumed == length && !Rune.IsControl(rune))
            {
                text.Append(utf16[..rune.EncodeToUtf16(utf16)]);
                i += 3 * length;
            }
            else
            {
                text.Append(encoded, i, 3);
                i += 3;
            }
        }
        return text.ToString();
    }

    private static bool TryEscapedByte(string text, int i, out byte value)
    {
        value = 0;
        return i + 2 < text.Length && text[i] == '%'
            && byte.TryParse(text.AsSpan(i + 1, 2), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out value);
    }
}
