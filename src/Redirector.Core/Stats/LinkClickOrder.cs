using Redirector.Clicks;
using Redirector.Links;

namespace Redirector.Stats;

/// <summary>
/// Pages of links ordered by their all-time clicks as the Redis counters hold them (the admin list's "Clicks, all
/// time"): the catalogue cannot order by counts it does not hold, so the ids of every link the query matches are read,
/// their totals read in one round trip, and only the page's links loaded. Cost grows with the matching links (ids and
/// one counter each), not with the clicks. Pages are of one moment's counts: a click between two page reads may move a
/// link across the page boundary, as a new link moves the newest-first pages.
/// </summary>
public sealed class LinkClickOrder(LinkCatalog catalog, StatsReader reader)
{
    /// <summary>Most clicks first; links with as many clicks, newest first.</summary>
    public const string MostClicks = "clicks";

    /// <summary>Fewest clicks first (links never clicked at the top); links with as many clicks, oldest first.</summary>
    public const string FewestClicks = "fewestClicks";

    /// <summary>The orders this class answers, beside the catalogue's own (<see cref="LinkCatalog.Sorts"/>).</summary>
    public static readonly IReadOnlyList<string> Sorts = [MostClicks, FewestClicks];

    /// <summary>
    /// One page of the links <paramref name="query"/> matches (its search, tags and domain; page from 1, size 1 to
    /// <see cref="LinkCatalog.MaxPageSize"/>), ordered by <paramref name="query"/>'s sort, one of <see cref="Sorts"/>,
    /// with the all-time clicks of every matching link by id (the page's among them) as the order used them. Throws
    /// <see cref="StatsUnavailableException"/> when Redis is away, unless the query matches no link: then there is
    /// nothing to order and the page is empty.
    /// </summary>
    public async Task<(LinkPage Page, IReadOnlyDictionary<long, long> Clicks)> ListAsync(LinkQuery query, CancellationToken ct)
    {
        var ids = await catalog.MatchingIdsAsync(query, ct);
        var clicks = await ReadAsync(ids);
        var ranked = query.Sort == FewestClicks
            ? ids.OrderBy(id => clicks[id]).ThenBy(id => id)
            : ids.OrderByDescending(id => clicks[id]).ThenByDescending(id => id);
        var pageSize = Math.Clamp(query.PageSize, 1, LinkCatalog.MaxPageSize);
        var page = Math.Max(1, query.Page);
        // In long arithmetic, as the catalogue's pages: (page - 1) * pageSize overflows int for a page far past the end.
        var skip = (long)(page - 1) * pageSize;
        var onPage = skip >= ids.Count ? [] : ranked.Skip((int)skip).Take(pageSize).ToList();
        var links = (await catalog.FindManyAsync(onPage, ct)).ToDictionary(l => l.Id);
        // A link deleted between the two reads is left out of its page rather than answered as a gap.
        return (new LinkPage([.. onPage.Where(links.ContainsKey).Select(id => links[id])], ids.Count, page, pageSize), clicks);
    }

    /// <summary>
    /// The all-time clicks (bots not counted; 0 for a link never clicked) of the links with these ids, by id, in one
    /// round trip; none asked for needs no Redis. Throws <see cref="StatsUnavailableException"/> when Redis is away.
    /// </summary>
    public async Task<IReadOnlyDictionary<long, long>> ReadAsync(IReadOnlyCollection<long> linkIds)
    {
        if (linkIds.Count == 0)
            return new Dictionary<long, long>();
        var totals = await reader.ReadTotalsAsync(linkIds.Select(StatsSubject.Link).ToList());
        return linkIds.Distinct().ToDictionary(id => id, id => totals[StatsSubject.Link(id)].Clicks);
    }
}
