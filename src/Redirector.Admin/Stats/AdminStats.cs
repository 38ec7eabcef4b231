using System.Globalization;
using System.Text.Json;
using Redirector.Clicks;
using Redirector.Stats;
using Redirector.Links;

namespace Redirector.Admin.Stats;

/// <summary>One subject's counts over a range, with the previous period's clicks for the change.</summary>
public sealed record SubjectReport(SubjectStats Stats, long PreviousClicks, IReadOnlyDictionary<string, string> LinkSlugs);

/// <summary>One click from the raw log, as the link page lists it.</summary>
public sealed record RecentClick(DateTime Time, string? SourcePage, string? Referrer, string? UtmSource, string Device, string Os, string Browser, string? Country);

/// <summary>A card on the dashboard: clicks in a period and in the period before it.</summary>
public sealed record PeriodCard(string Label, long Clicks, long Previous);

/// <summary>Reads counts for the admin pages: one Redis round trip per read, link ids turned into slugs.</summary>
public sealed class AdminStats(StatsReader reader, LinkCatalog catalog, TimeProvider time)
{
    public DateOnly Today => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);

    public async Task<SubjectReport> ReadAsync(StatsSubject subject, DateRange range, CancellationToken ct)
    {
        var stats = await reader.ReadAsync(subject, range.From, range.To);
        var previous = range.Previous;
        var previousClicks = (await reader.ReadClicksAsync([subject], previous.From, previous.To))[subject];
        return new SubjectReport(stats, previousClicks, await SlugsOfAsync(stats[Dimensions.Link].Select(k => k.Key), ct));
    }

    /// <summary>Everything counted over a range, deep enough for the outbound tables (as deep as /api/stats reads).</summary>
    public Task<SubjectStats> ReadGlobalAsync(DateRange range, int top = 1000) => reader.ReadAsync(StatsSubject.Global, range.From, range.To, top);

    /// <summary>Today, 7 and 30 days, each against the period of the same length before it, from one 60-day read.</summary>
    public async Task<IReadOnlyList<PeriodCard>> ReadCardsAsync()
    {
        var today = Today;
        var stats = await reader.ReadAsync(StatsSubject.Global, today.AddDays(-59), today, top: 1);
        var newestFirst = stats.ByDay.Select(d => d.Clicks).Reverse().ToList();
        long Sum(int skip, int take) => newestFirst.Skip(skip).Take(take).Sum();
        return [new("Today", Sum(0, 1), Sum(1, 1)), new("Last 7 days", Sum(0, 7), Sum(7, 7)), new("Last 30 days", Sum(0, 30), Sum(30, 30))];
    }

    /// <summary>All-time and last-30-day clicks of many links, in two round trips.</summary>
    public async Task<IReadOnlyDictionary<long, (long Recent, long Total)>> ReadLinkClicksAsync(IReadOnlyCollection<long> linkIds)
    {
        var subjects = linkIds.Select(StatsSubject.Link).ToList();
        var range = DateRange.Last(30, Today);
        var recent = await reader.ReadClicksAsync(subjects, range.From, range.To);
        var totals = await reader.ReadTotalsAsync(subjects);
        return linkIds.ToDictionary(id => id, id => (recent[StatsSubject.Link(id)], totals[StatsSubject.Link(id)].Clicks));
    }

    /// <summary>Matches the raw log's clicks on one link.</summary>
    public static Func<JsonElement, bool> OfLink(long linkId) =>
        click => click.TryGetProperty("link", out var id) && id.GetInt64() == linkId;

    public async Task<IReadOnlyList<RecentClick>> ReadRecentAsync(long linkId, int max)
    {
        static string? Text(JsonElement click, string name) => click.TryGetProperty(name, out var value) ? value.GetString() : null;
        var clicks = await reader.ReadRecentAsync(max, OfLink(linkId));
        return clicks.Select(c => new RecentClick(
            c.GetProperty("time").GetDateTime(), Text(c, "sourcePage"), Text(c, "referrer"), Text(c, "utmSource"),
            Text(c, "device") ?? "", Text(c, "os") ?? "", Text(c, "browser") ?? "", Text(c, "country"))).ToList();
    }

    public async Task<IReadOnlyDictionary<string, string>> SlugsOfAsync(IEnumerable<string> linkIds, CancellationToken ct)
    {
        var ids = linkIds.Select(k => long.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : 0).Where(id => id > 0).ToList();
        if (ids.Count == 0)
            return new Dictionary<string, string>();
        var links = await catalog.FindManyAsync(ids, ct);
        return links.ToDictionary(l => l.Id.ToString(CultureInfo.InvariantCulture), l => l.Slug);
    }
}
