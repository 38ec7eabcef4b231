using System.Globalization;
using System.Text.Json;
using Redirector.Clicks;
using Redirector.Events;
using Redirector.Stats;
using Redirector.Links;

namespace Redirector.Admin.Stats;

/// <summary>One scope's counts over a range under a filter, with the previous period's for the change, and the links its top links name (by id).</summary>
public sealed record SubjectReport(SubjectStats Stats, SubjectStats Previous, IReadOnlyDictionary<string, Link> Links);

/// <summary>
/// One click from the raw log, as the link page lists it; a bot's <paramref name="BotKind"/> is its key in
/// docs/bots.md ("preview", "scanner"...), whichever rule found it (its agent, its network or the burst rule).
/// </summary>
public sealed record RecentClick(DateTime Time, string? SourcePage, string? Referrer, string? UtmSource, string Device, string Os, string Browser, string? Country, bool IsBot, string? BotKind);

/// <summary>
/// Reads counts for the admin pages through <see cref="FilteredStats"/>, the stats API's path (Redis counters
/// without filters, the event store with them), link ids turned into slugs.
/// </summary>
public sealed class AdminStats(FilteredStats filtered, StatsReader reader, LinkCatalog catalog, TimeProvider time)
{
    public DateOnly Today => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);

    /// <summary>A scope's counts and those of the period before, both under the page's filters: two reads.</summary>
    public async Task<SubjectReport> ReadAsync(StatsScope scope, DateRange range, ChosenFilters filters, CancellationToken ct)
    {
        var stats = await ReadOnlyAsync(scope, range, filters, StatsReader.DefaultTop, ct);
        var previous = await ReadOnlyAsync(scope, range.Previous, filters, top: 1, ct);
        return new SubjectReport(stats, previous, await LinksOfAsync(stats[Dimensions.Link].Select(k => k.Key), ct));
    }

    /// <summary>A scope's counts alone, <paramref name="top"/> entries per breakdown (exports read deep), under the filters and short domains chosen.</summary>
    public Task<SubjectStats> ReadOnlyAsync(StatsScope scope, DateRange range, ChosenFilters filters, int top, CancellationToken ct) =>
        filtered.ReadAsync(scope, range, filters.Filter, top, ct, filters.Domain, filters.ShortDomainsToRead);

    /// <summary>Everything counted over a range, deep enough for the outbound tables (as deep as /api/stats reads).</summary>
    public Task<SubjectStats> ReadGlobalAsync(DateRange range, ChosenFilters filters, int top = 1000) =>
        ReadOnlyAsync(StatsScope.Global, range, filters, top, CancellationToken.None);

    /// <summary>All-time and last-30-day clicks of many links, in two round trips.</summary>
    public async Task<IReadOnlyDictionary<long, (long Recent, long Total)>> ReadLinkClicksAsync(IReadOnlyCollection<long> linkIds)
    {
        var subjects = linkIds.Select(StatsSubject.Link).ToList();
        var range = DateRange.Last(30, Today);
        var recent = await reader.ReadClicksAsync(subjects, range.From, range.To);
        var totals = await reader.ReadTotalsAsync(subjects);
        return linkIds.ToDictionary(id => id, id => (recent[StatsSubject.Link(id)], totals[StatsSubject.Link(id)].Clicks));
    }

    /// <summary>One link's newest clicks; bot requests only when <paramref name="withBots"/> (the list's toggle).</summary>
    public async Task<IReadOnlyList<RecentClick>> ReadRecentAsync(long linkId, int max, bool withBots)
    {
        static string? Text(JsonElement click, string name) => click.TryGetProperty(name, out var value) ? value.GetString() : null;
        var clicks = await reader.ReadRecentAsync(max, RecentClicks.OfLink(linkId, withBots));
        return clicks.Select(c => new RecentClick(
            c.GetProperty("time").GetDateTime(), Text(c, "sourcePage"), Text(c, "referrer"), Text(c, "utmSource"),
            Text(c, "device") ?? "", Text(c, "os") ?? "", Text(c, "browser") ?? "", Text(c, "country"), RecentClicks.IsBot(c),
            Text(c, Dimensions.BotKind.RawName!))).ToList();
    }

    /// <summary>The links of ids as counters and events key them (decimal text); a deleted link's id is missing.</summary>
    public async Task<IReadOnlyDictionary<string, Link>> LinksOfAsync(IEnumerable<string> linkIds, CancellationToken ct)
    {
        var ids = linkIds.Select(k => long.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : 0).Where(id => id > 0).Distinct().ToList();
        if (ids.Count == 0)
            return new Dictionary<string, Link>();
        var links = await catalog.FindManyAsync(ids, ct);
        return links.ToDictionary(l => l.Id.ToString(CultureInfo.InvariantCulture));
    }
}
