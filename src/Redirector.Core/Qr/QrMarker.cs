namespace Redirector.Qr;

/// <summary>
/// The marker a QR code adds to the short URL it encodes: the query pair <c>qr=1</c> (exactly that name and value).
/// The redirect strips it from the Location it forwards, and the click is counted with <c>via</c> = <c>qr</c>
/// (<see cref="Clicks.Dimensions.Via"/>); a request without it is <c>via</c> = <c>link</c>. Other values of a
/// <c>qr</c> parameter are no marker and are forwarded like any other parameter.
/// </summary>
public static class QrMarker
{
    /// <summary>The pair as it appears in a query.</summary>
    public const string Pair = "qr=1";

    public const string Name = "qr";
    public const string Value = "1";

    /// <summary>The URL a QR code encodes for <paramref name="shortUrl"/> (short URLs carry no query of their own).</summary>
    public static string Mark(string shortUrl) => shortUrl + "?" + Pair;

    /// <summary>Whether a raw query (with or without its leading '?') holds the marker; reads it without allocating.</summary>
    public static bool IsIn(ReadOnlySpan<char> query)
    {
        if (query.StartsWith("?"))
            query = query[1..];
        if (query.IndexOf(Pair, StringComparison.Ordinal) < 0)
            return false;
        foreach (var range in query.Split('&'))
        {
            if (query[range].SequenceEqual(Pair))
                return true;
        }
        return false;
    }
}
