using System.Collections.Concurrent;
using System.Text;
using Redirector.Analytics;
using Redirector.Links;
using Redirector.UserAgents;

namespace Redirector.Clicks;

/// <summary>Turns a raw click into a counted one: UTM, referrer, source page, device, country and visitor hash.</summary>
public sealed class ClickEnricher(CachedUserAgentParser userAgents, VisitorHasher visitors)
{
    public const int MaxReferrerLength = 1024;
    public const int MaxUserAgentLength = 512;
    public const int MaxLinkTextLength = 255;
    public const string Direct = "(direct)";

    // Most clicks come from a few pages: cleaning a referrer once instead of parsing it three times per click
    // took the URL parser out of the pipeline's profile. Long referrers are cleaned each time, not kept.
    private const int ReferrerCacheCapacity = 10_000;
    private const int MaxCachedReferrerLength = 1024;
    private static readonly CleanReferrer NoReferrer = new(null, null, Direct);
    private readonly ConcurrentDictionary<string, CleanReferrer> _referrers = new(StringComparer.Ordinal);

    public Click Enrich(RawClick raw)
    {
        var day = StatsKeys.DayOf(raw.Time);
        var userAgent = Cap(raw.UserAgent, MaxUserAgentLength);
        var agent = userAgents.Parse(userAgent);
        var utm = RedirectLocation.ClickUtm(raw.LinkUtm, raw.Query);
        var referrer = Clean(raw.Referrer);
        var sourcePage = WebUrl(raw.SourcePage, keepQuery: false) ?? referrer.Page;

        var shape = new ClickShape(
            Day: day,
            Hour: raw.Time.Hour,
            LinkId: raw.LinkId,
            DestinationDomain: raw.DestinationDomain,
            ReferrerDomain: referrer.Domain,
            Referrer: referrer.Url,
            SourcePage: sourcePage,
            UtmSource: Cap(utm.Source, UtmTags.MaxValueLength),
            UtmMedium: Cap(utm.Medium, UtmTags.MaxValueLength),
            UtmCampaign: Cap(utm.Campaign, UtmTags.MaxValueLength),
            UtmTerm: Cap(utm.Term, UtmTags.MaxValueLength),
            UtmContent: Cap(utm.Content, UtmTags.MaxValueLength),
            DeviceType: agent.DeviceType.ToKey(),
            Os: agent.Os.Family,
            Browser: agent.Browser.Family,
            Country: CountryCode(raw.Country),
            TargetUrl: CapUrl(raw.TargetUrl, MaxReferrerLength),
            LinkText: Cap(raw.LinkText?.Trim(), MaxLinkTextLength),
            IsBot: agent.IsBot,
            IsPageView: raw.IsPageView);
        var visitor = agent.IsBot || raw.IsPageView ? null : visitors.Hash(day, raw.ClientAddress, userAgent);
        return new Click(raw.Time, shape, visitor);
    }

    private CleanReferrer Clean(string? raw)
    {
        if (raw is null)
            return NoReferrer;
        if (_referrers.TryGetValue(raw, out var known))
            return known;
        var url = WebUrl(raw, keepQuery: true);
        var clean = new CleanReferrer(url, WebUrl(raw, keepQuery: false), url is null ? Direct : DestinationUrl.DomainOf(url));
        if (raw.Length <= MaxCachedReferrerLength)
        {
            if (_referrers.Count >= ReferrerCacheCapacity)
                _referrers.Clear();
            _referrers[raw] = clean;
        }
        return clean;
    }

    /// <summary>A referrer as it is counted: the cleaned URL, the page (no query) and the domain.</summary>
    private sealed record CleanReferrer(string? Url, string? Page, string Domain);

    /// <summary>
    /// An http(s) URL, cleaned and capped, or null. Source pages drop query and fragment so that one page is
    /// counted as one page whatever tracking parameters it was opened with.
    /// </summary>
    public static string? WebUrl(string? value, bool keepQuery)
    {
        if (string.IsNullOrWhiteSpace(value) ||
            !Uri.TryCreate(Cap(value.Trim(), 4 * MaxReferrerLength), UriKind.Absolute, out var uri) ||
            (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(uri.Host))
            return null;
        var components = keepQuery
            ? UriComponents.SchemeAndServer | UriComponents.PathAndQuery
            : UriComponents.SchemeAndServer | UriComponents.Path;
        return CapUrl(uri.GetComponents(components, UriFormat.UriEscaped), MaxReferrerLength);
    }

    /// <summary>
    /// A URL of at most <paramref name="maxLength"/> characters, cut where a part ends: before the last '&amp;', '?'
    /// or '#' that fits (whole parameters are kept, the rest dropped), else after the last '/' of the path. Never
    /// inside a value or a percent-escape, so what is stored still reads as a URL the visitor could have sent.
    /// Null when not even scheme and host fit.
    /// </summary>
    public static string? CapUrl(string? url, int maxLength)
    {
        if (url is null || url.Length <= maxLength)
            return url;
        var authority = url.IndexOf("://", StringComparison.Ordinal) + 3;
        var fits = url.AsSpan(0, maxLength + 1);
        var cut = fits.LastIndexOfAny('&', '?', '#');
        if (cut <= authority)
        {
            var slash = fits[..maxLength].LastIndexOf('/');
            cut = slash > authority ? slash + 1 : -1;
        }
        return cut > authority ? Cap(url[..cut], maxLength) : null;
    }

    /// <summary>
    /// Caps a value at <paramref name="maxLength"/> characters, never inside a character (a surrogate pair stays whole
    /// or goes), and replaces control characters and broken surrogates, which some clients send.
    /// </summary>
    public static string? Cap(string? value, int maxLength)
    {
        if (string.IsNullOrEmpty(value))
            return null;
        var length = Math.Min(value.Length, maxLength);
        if (length < value.Length && length > 0 && char.IsHighSurrogate(value[length - 1]) && char.IsLowSurrogate(value[length]))
            length--;
        var span = value.AsSpan(0, length);
        if (span.Length == value.Length && !NeedsCleaning(span))
            return value;
        var builder = new StringBuilder(span.Length);
        foreach (var rune in span.EnumerateRunes())
            builder.Append(Rune.IsControl(rune) ? Rune.ReplacementChar : rune);
        return builder.ToString();
    }

    private static bool NeedsCleaning(ReadOnlySpan<char> span)
    {
        // Nearly every value is printable ASCII, which one vectorised scan confirms.
        var first = span.IndexOfAnyExceptInRange(' ', '~');
        if (first < 0)
            return false;
        foreach (var c in span[first..])
        {
            if (char.IsControl(c) || char.IsSurrogate(c))
                return true;
        }
        return false;
    }

    private static string? CountryCode(string? value) =>
        value is { Length: 2 } && char.IsAsciiLetter(value[0]) && char.IsAsciiLetter(value[1])
            ? value.ToUpperInvariant()
            : null;
}
