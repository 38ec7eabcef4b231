using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Options;
using Redirector.Bots;
using Redirector.Geo;
using Redirector.Links;
using Redirector.UserAgents;

namespace Redirector.Clicks;

/// <summary>
/// Turns a raw click into a counted one: the values of every dimension, the bot kind and the visitor hash. A click
/// is a bot's when its agent says so, else when its address is in a hosting network, else when its visitor is in a
/// burst (docs/bots.md); the address is only used in memory, for these lookups and the visitor hash.
/// </summary>
public sealed class ClickEnricher(
    CachedUserAgentParser userAgents, VisitorHasher visitors, GeoLookup geo, HostingNetworks networks, BurstDetector bursts, IOptions<BotOptions> bots)
{
    public const int MaxReferrerLength = 1024;
    public const int MaxUserAgentLength = 512;
    public const int MaxLinkTextLength = 255;
    public const string Direct = "(direct)";

    /// <summary>
    /// The country (and with a city database the region and city) of a person's click whose address no database
    /// places (private, loopback, unlisted) and that no trusted header named.
    /// </summary>
    public const string UnknownPlace = "(unknown)";

    // Most clicks come from a few pages, so a referrer is parsed once and its three forms (URL, page, domain)
    // kept, rather than parsed three times per click. Long referrers are cleaned each time, not kept.
    private const int ReferrerCacheCapacity = 10_000;
    private const int MaxCachedReferrerLength = 1024;
    private static readonly CleanReferrer NoReferrer = new(null, null, Direct);
    private readonly ConcurrentDictionary<string, CleanReferrer> _referrers = new(StringComparer.Ordinal);

    // One text per link id, so that a link's clicks share the instance the batch builder looks its field up by.
    private const int LinkCacheCapacity = 100_000;
    private readonly ConcurrentDictionary<long, string> _links = new();

    private readonly bool _hostingNetworksAreScanners = bots.Value.HostingNetworksAreScanners;

    /// <summary>Parses the click once and reads every row of <see cref="Dimensions"/> from it.</summary>
    public Click Enrich(RawClick raw) => Enrich(raw, new string?[Dimensions.Count]);

    /// <summary>
    /// As <see cref="Enrich(RawClick)"/>, filling <paramref name="values"/> (one per row of <see cref="Dimensions"/>),
    /// which the returned shape holds: a caller that reuses the array for the next click must not keep the shape
    /// (<see cref="ClickBatchBuilder.Add"/> copies it when it starts a group), and saves an array per click.
    /// </summary>
    public Click Enrich(RawClick raw, string?[] values)
    {
        var day = StatsKeys.DayOf(raw.Time);
        if (raw.Refusal is { } refusal)
            return Refused(raw, refusal, day, values);
        var userAgent = Cap(raw.UserAgent, MaxUserAgentLength);
        var agent = userAgents.Parse(userAgent);
        var bot = agent.BotKind;
        if (bot is null && _hostingNetworksAreScanners && networks.Find(raw.ClientAddress) is not null)
            bot = BotKind.Scanner;
        var visitor = bot is null ? visitors.Hash(day, raw.ClientAddress, userAgent) : null;
        if (visitor is { } hash && raw.LinkId is { } opened && bursts.IsBurst(hash, opened, raw.Time))
        {
            bot = BotKind.Scanner;
            visitor = null;
        }
        var referrer = Clean(raw.Referrer);
        // Bots count no places, so their addresses are not looked up.
        var place = bot is not null ? GeoLocation.Unknown : geo.Locate(raw.Country, raw.ClientAddress);
        var facts = new ClickFacts(raw, agent, RedirectLocation.ClickUtm(raw.LinkUtm, raw.Query), referrer.Url, referrer.Page, referrer.Domain,
            raw.LinkId is { } linkId ? LinkText(linkId) : null, place, geo.PlacesCities, bot);
        foreach (var dimension in Dimensions.ClickRows)
            values[dimension.Index] = dimension.Value!(in facts);
        return new Click(raw.Time, new ClickShape(day, raw.Time.Hour, raw.LinkId, facts.IsBot, values), visitor);
    }

    /// <summary>A refused visit carries only its link and its refusal: it is counted apart, in no other breakdown and with no visitor.</summary>
    private Click Refused(RawClick raw, string refusal, string day, string?[] values)
    {
        Array.Clear(values);
        values[Dimensions.Link.Index] = raw.LinkId is { } linkId ? LinkText(linkId) : null;
        values[Dimensions.Refused.Index] = refusal;
        return new Click(raw.Time, new ClickShape(day, raw.Time.Hour, raw.LinkId, isBot: false, values), VisitorHash: null);
    }

    /// <summary>The page a person viewed, cleaned as source pages are; null for a bot's view or a page that is no web URL.</summary>
    public PageViewed? Enrich(PageView view)
    {
        if (WebUrl(view.Page, keepQuery: false) is not { } page || userAgents.Parse(Cap(view.UserAgent, MaxUserAgentLength)).IsBot)
            return null;
        return new PageViewed(StatsKeys.DayOf(view.Time), page);
    }

    /// <summary>Loads the user-agent rules, so that the first batch after start does not wait for them.</summary>
    public void WarmUp() =>
        userAgents.Parse("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36");

    private string LinkText(long linkId)
    {
        if (_links.TryGetValue(linkId, out var text))
            return text;
        if (_links.Count >= LinkCacheCapacity)
            _links.Clear();
        return _links[linkId] = linkId.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private CleanReferrer Clean(string? raw)
    {
        if (raw is null)
            return NoReferrer;
        if (_referrers.TryGetValue(raw, out var known))
            return known;
        var url = WebUrl(raw, keepQuery: true);
        var clean = new CleanReferrer(url, WebUrl(raw, keepQuery: false), ReferrerDomainOf(url));
        if (raw.Length <= MaxCachedReferrerLength)
        {
            if (_referrers.Count >= ReferrerCacheCapacity)
                _referrers.Clear();
            _referrers[raw] = clean;
        }
        return clean;
    }

    /// <summary>
    /// The referrer domain of a cleaned referrer URL (<see cref="WebUrl"/> with its query, as counted and kept): its
    /// host without "www." (<see cref="DestinationUrl.DomainOf"/>), or <see cref="Direct"/> for a click without one.
    /// </summary>
    public static string ReferrerDomainOf(string? referrer) => referrer is null ? Direct : DestinationUrl.DomainOf(referrer);

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
}
