using System.Globalization;
using Microsoft.Extensions.Options;
using Redirector.Clicks;
using Redirector.Domains;
using Redirector.Events;
using Redirector.Links;
using Redirector.Sites;

namespace Redirector.Stats;

/// <summary>
/// Whose counts a read is about: the subject whose Redis counters answer it unfiltered (none for a campaign, which
/// only the event store can answer), and how the event store finds the same clicks (a link id, or one more filter:
/// a destination domain's, a source page's or a campaign's).
/// </summary>
public sealed record StatsScope(StatsSubject? Subject, long? LinkId, DimensionFilter? Within)
{
    public static readonly StatsScope Global = new(StatsSubject.Global, null, null);

    public static StatsScope Link(long linkId) => new(StatsSubject.Link(linkId), linkId, null);

    public static StatsScope Domain(string domain) => new(StatsSubject.Domain(domain), null, new DimensionFilter(Dimensions.DestinationDomain, [domain], []));

    public static StatsScope Page(string url) => new(StatsSubject.Page(url), null, new DimensionFilter(Dimensions.SourcePage, [url], []));

    public static StatsScope Campaign(string campaign) => new(null, null, new DimensionFilter(Dimensions.UtmCampaign, [campaign], []));

    /// <summary>Which breakdowns its counts hold: a campaign's are those of the global counts, narrowed.</summary>
    public Subjects Answers => Subject?.Scope ?? Subjects.Global;
}

/// <summary>
/// The one read path for counts, used by the stats API and the admin pages alike: without filters the Redis counters
/// answer; with filters (<see cref="EventFilter"/>) the event store answers in the same shape. Either way source
/// pages are only those of registered sites (<see cref="SubjectStats.WithSitePagesOnly"/>).
/// </summary>
public sealed class FilteredStats(
    StatsReader reader, EventStore events, IOptions<EventsOptions> eventOptions, IOptions<AnalyticsOptions> analytics, LinkCatalog catalog, DomainCatalog domains, SiteCache sites)
{
    /// <summary>
    /// Counts of a scope over a range under a filter, <paramref name="top"/> entries per breakdown. The filter's
    /// <c>link</c> slugs are those of the short domain <paramref name="domain"/> (the default one when null);
    /// <paramref name="shortDomains"/> (hosts) narrows to the links of those short domains. Days and hours are those
    /// of <paramref name="timeZone"/> (UTC when null); in another zone the event store answers, filtered or not. Throws
    /// <see cref="StatsUnavailableException"/> (Redis away) or <see cref="EventStoreUnavailableException"/> (filtered
    /// while the event store is away or turned off).
    /// </summary>
    public async Task<SubjectStats> ReadAsync(StatsScope scope, DateRange range, EventFilter filter, int top, CancellationToken ct,
        string? domain = null, IReadOnlyCollection<string?>? shortDomains = null, TimeZoneInfo? timeZone = null)
    {
        var hosts = shortDomains ?? [];
        // Redis counts per UTC day: days in another zone come from the event store.
        if (filter.IsEmpty && hosts.Count == 0 && EventQuery.IsUtc(timeZone) && scope.Subject is { } subject)
        {
            var counts = await reader.ReadAsync(subject, range.From, range.To, top);
            if (scope.LinkId is { } linkId && analytics.Value.LinkBreakdowns == LinkBreakdowns.Events)
                counts = counts.WithDetailsOf(await events.ReadFilteredAsync(EventQuery.Days(range.From, range.To, linkId, EventFilter.None), top, ct));
            return counts.WithSitePagesOnly(sites);
        }
        if (!eventOptions.Value.Enabled)
            throw new EventStoreUnavailableException();
        filter = await NarrowAsync(filter, domain, hosts, ct);
        if (scope.Within is { } within)
            filter = new EventFilter([.. filter.Dimensions, within]);
        return (await events.ReadFilteredAsync(EventQuery.Days(range.From, range.To, scope.LinkId, filter, timeZone), top, ct)).WithSitePagesOnly(sites);
    }

    /// <summary>
    /// The filter as the event store reads it: <c>link</c> slugs (of the short domain <paramref name="domain"/>, the
    /// default one when null) become link ids, and <paramref name="shortDomains"/> (hosts; none for every domain)
    /// becomes a filter on their links' ids.
    /// </summary>
    public async Task<EventFilter> NarrowAsync(EventFilter filter, string? domain, IReadOnlyCollection<string?>? shortDomains, CancellationToken ct)
    {
        // The link filter names links by slug; events hold their ids.
        filter = await filter.MapAsync(Dimensions.Link,
            async slug => (await catalog.FindAsync(domains.KeyForQuery(domain), slug, ct))?.Id.ToString(CultureInfo.InvariantCulture));
        return shortDomains is { Count: > 0 } ? await WithShortDomainsAsync(filter, shortDomains, ct) : filter;
    }

    /// <summary>
    /// Clicks do not record the short domain, but every link has one: a short-domain filter is a filter on the ids
    /// of the domain's links (ids, since the <c>link</c> filter's slugs are resolved before this is added), so it
    /// is answered by the event store like any filter and agrees with the per-link counts.
    /// </summary>
    private async Task<EventFilter> WithShortDomainsAsync(EventFilter filter, IEnumerable<string?> hosts, CancellationToken ct)
    {
        var ids = new List<string>();
        foreach (var host in hosts)
            ids.AddRange((await catalog.IdsOnDomainAsync(domains.KeyForQuery(host), ct)).Select(id => id.ToString(CultureInfo.InvariantCulture)));
        // Link ids start at 1: "0" matches no click, as a domain without links must.
        return new EventFilter([.. filter.Dimensions, new DimensionFilter(Dimensions.Link, ids.Count > 0 ? ids : ["0"], [])]);
    }
}
