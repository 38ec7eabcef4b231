using System.Globalization;
using Redirector.Admin.Stats;
using Redirector.Links;

namespace Redirector.Admin.LinkList;

/// <param name="Allowance">This node's share of the link's maximum of clicks (<see cref="ClickAllowances.Find"/>); null without one.</param>
public sealed record LinkRow(Link Link, long? Recent, long? Total, ClickAllowance? Allowance = null)
{
    /// <summary>The link has a maximum of clicks and its used clicks (<see cref="ClickUse.Used"/>) reached it: visits are refused as "maxClicks".</summary>
    public bool IsUsedUp => ClickUse.IsUsedUp(Link, ClickUse.Used(Total, Allowance));
}

/// <summary>How much of a link's maximum of clicks is used: its counted clicks (people's clicks, as the maximum counts), or this node's allowance where it took more.</summary>
public static class ClickUse
{
    /// <summary>
    /// The clicks of a link's maximum used so far: its counted <paramref name="clicks"/> (null while Redis is away,
    /// and then null here too), or what this node's redirect path took from its <paramref name="allowance"/> when that
    /// is more. The allowance, in this node's memory, is what refuses visitors; the counts live in Redis, and a Redis
    /// that lost its data counts from 0 again while the allowance still refuses.
    /// </summary>
    public static long? Used(long? clicks, ClickAllowance? allowance) =>
        clicks is { } counted && allowance is not null ? Math.Max(counted, allowance.Used) : clicks;

    /// <summary>
    /// True once <paramref name="clicks"/> (null when counts are unavailable) reached the link's maximum. Counted clicks
    /// rather than the grants in Redis, which nodes lease ahead of use; clicks counted before the maximum was set count too.
    /// </summary>
    public static bool IsUsedUp(Link link, long? clicks) => link.MaxClicks is { } max && clicks >= max;

    /// <summary>
    /// "2 of 3 clicks used", "3 of 3 clicks used — used up", or for a maximum lowered below the clicks already had
    /// "5 clicks used, over the maximum of 2 — used up"; null without a maximum or without counts.
    /// </summary>
    public static string? Describe(Link link, long? clicks)
    {
        if (link.MaxClicks is not { } max || clicks is not { } used)
            return null;
        var text = used > max
            ? $"{Number(used)} clicks used, over the maximum of {Number(max)}"
            : $"{Number(used)} of {Number(max)} clicks used";
        return IsUsedUp(link, clicks) ? text + " — used up" : text;
    }

    /// <summary>
    /// What the link form and the saved link's page say when a maximum of clicks is set at or below the clicks the
    /// link already had: the change is allowed (a way to stop a link), but the link is used up at once.
    /// </summary>
    public static string StopsNow(long used, long max) =>
        $"This link has already had {Number(used)} {(used == 1 ? "click" : "clicks")}: with a maximum of {Number(max)} it is used up and stops redirecting now.";

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

public sealed record LinkTablePage(IReadOnlyList<LinkRow> Rows, int Total, int Page, int PageSize, bool StatsUnavailable)
{
    public int Pages => Math.Max(1, (Total + PageSize - 1) / PageSize);
}

/// <summary>
/// The links list: search, tag filter, paging, and ordering by clicks. The catalogue cannot order by counts that
/// live in Redis, so for those orderings the matching ids are ranked by their counts first and only one page is loaded.
/// </summary>
public sealed class LinkTable(LinkCatalog catalog, AdminStats counts, ClickAllowances allowances)
{
    public const int PageSize = 25;

    public static readonly IReadOnlyList<(string Key, string Label)> Sorts =
        [("created", "Newest"), ("oldest", "Oldest"), ("clicks30", "Clicks, 30 days"), ("clicks", "Clicks, all time"), ("slug", "Slug A–Z")];

    /// <param name="tags">Links carrying any of these tags (OR); empty for every link.</param>
    /// <param name="domain">Only the links of this domain key (empty for the default domain); null for every domain.</param>
    public async Task<LinkTablePage> ReadAsync(string? search, IReadOnlyList<string>? tags, string sort, int page, CancellationToken ct, string? domain = null)
    {
        var query = new LinkQuery(search, tags, sort, page, PageSize, domain);
        if (sort is "clicks" or "clicks30")
        {
            var ids = await catalog.MatchingIdsAsync(query, ct);
            IReadOnlyDictionary<long, (long Recent, long Total)>? clicks = null;
            if (await StatsReads.TryAsync(async () => clicks = await counts.ReadLinkClicksAsync(ids)) && clicks is not null)
            {
                // In long arithmetic, as the catalogue's pages: a page far past the end would overflow int and wrap round.
                var skip = ((long)Math.Max(1, page) - 1) * PageSize;
                var ranked = skip >= ids.Count ? [] : ids.OrderByDescending(id => sort == "clicks" ? clicks[id].Total : clicks[id].Recent)
                    .ThenByDescending(id => id).Skip((int)skip).Take(PageSize).ToList();
                var links = (await catalog.FindManyAsync(ranked, ct)).ToDictionary(l => l.Id);
                var rows = ranked.Where(links.ContainsKey).Select(id => new LinkRow(links[id], clicks[id].Recent, clicks[id].Total, allowances.Find(id))).ToList();
                return new LinkTablePage(rows, ids.Count, Math.Max(1, page), PageSize, false);
            }
            query = query with { Sort = "created" };
        }
        var result = await catalog.ListAsync(query, ct);
        IReadOnlyDictionary<long, (long Recent, long Total)>? pageClicks = null;
        var available = await StatsReads.TryAsync(async () => pageClicks = await counts.ReadLinkClicksAsync(result.Items.Select(l => l.Id).ToList()));
        var items = result.Items.Select(l => pageClicks is not null && pageClicks.TryGetValue(l.Id, out var c)
            ? new LinkRow(l, c.Recent, c.Total, allowances.Find(l.Id))
            : new LinkRow(l, null, null)).ToList();
        return new LinkTablePage(items, result.Total, result.Page, result.PageSize, !available);
    }
}
