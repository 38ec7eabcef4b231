using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Redirector.Clicks;
using Redirector.UserAgents;
using StackExchange.Redis;

namespace Redirector.Stats;

public sealed record KeyCount(string Key, long Clicks);

public sealed record DayCount(string Date, long Clicks, long Bots);

public sealed record HourCount(string Hour, long Clicks);

/// <summary>The counts of one subject over a range of days.</summary>
public sealed class SubjectStats
{
    public long Clicks { get; init; }
    public long Bots { get; init; }
    /// <summary>
    /// People's distinct visitor hashes: from Redis a HyperLogLog's estimate (within about 1%), never more than
    /// <see cref="Clicks"/>; from the event store exact.
    /// </summary>
    public long UniqueVisitors { get; init; }

    /// <summary>Views reported by the tracker script; counted on page subjects only.</summary>
    public long PageViews { get; init; }

    public required IReadOnlyList<DayCount> ByDay { get; init; }
    public required IReadOnlyList<HourCount> ByHour { get; init; }
    public required IReadOnlyDictionary<Dimension, IReadOnlyList<KeyCount>> Breakdowns { get; init; }

    public IReadOnlyList<KeyCount> this[Dimension dimension] =>
        Breakdowns.TryGetValue(dimension, out var list) ? list : [];

    /// <summary>
    /// Clicks on catalogue links (short links, by QR code or not): every such click carries a <see cref="Dimensions.Via"/>
    /// value and no outbound click does, so the Via breakdown (two keys, never cut by a top-N) sums them exactly.
    /// </summary>
    public long ShortLinkClicks => this[Dimensions.Via].Sum(k => k.Clicks);

    /// <summary>Clicks on outbound links of registered sites (the tracker script's /out): the clicks that are not on short links.</summary>
    public long OutboundClicks => Clicks - ShortLinkClicks;

    /// <summary>
    /// These counts with only the source pages and viewed pages that are pages of registered sites
    /// (<see cref="Sites.SiteCache.ShownValue"/>): a short link clicked from google.com has that page as its referrer,
    /// not as a source page. The counters keep every page (sites come and go); the rule is applied when they are read,
    /// so a site added later gets its history.
    /// </summary>
    public SubjectStats WithSitePagesOnly(Sites.SiteCache sites)
    {
        var breakdowns = new Dictionary<Dimension, IReadOnlyList<KeyCount>>(Breakdowns.Count);
        foreach (var (dimension, counts) in Breakdowns)
            breakdowns[dimension] = [.. counts.Where(k => sites.ShownValue(dimension, k.Key) is not null)];
        return new SubjectStats
        {
            Clicks = Clicks, Bots = Bots, UniqueVisitors = UniqueVisitors, PageViews = PageViews,
            ByDay = ByDay, ByHour = ByHour, Breakdowns = breakdowns,
        };
    }

    /// <summary>
    /// These counts (clicks and bots, in all and per day) with the unique visitors, hours and breakdowns of
    /// <paramref name="events"/>: a link's stats when its Redis counters hold only the first (<see cref="Clicks.LinkBreakdowns.Events"/>).
    /// </summary>
    public SubjectStats WithDetailsOf(SubjectStats events) => new()
    {
        Clicks = Clicks, Bots = Bots, UniqueVisitors = events.UniqueVisitors, PageViews = PageViews,
        ByDay = ByDay, ByHour = events.ByHour, Breakdowns = events.Breakdowns,
    };

    /// <summary>
    /// The device type "bot": the write path counts it (the Redis field "dt:bot"), but bots are reported once, as
    /// <see cref="Bots"/> and by kind (<see cref="Dimensions.BotKind"/>), so no reader lists it among device types.
    /// </summary>
    public static bool IsBotDevice(Dimension dimension, string key) =>
        dimension == Dimensions.DeviceType && key == DeviceType.Bot.ToKey();
}

/// <summary>
/// Reads counts back. One subject over 30 days is 30 HGETALLs and one PFCOUNT sent together: a single round
/// trip, and never a scan of raw clicks. Throws when Redis is away; callers answer 503.
/// </summary>
public sealed class StatsReader(RedisConnection redis, StatsKeys keys, IOptions<AnalyticsOptions> options)
{
    public const int MaxRangeDays = 400;

    /// <summary>Entries kept per breakdown in a stats answer.</summary>
    public const int DefaultTop = 100;

    private Task? _unanswered;

    /// <summary>
    /// Every count of one subject over a range, in one round trip. Like every read here, it throws
    /// <see cref="StatsUnavailableException"/> when Redis is away or has not answered within
    /// <see cref="AnalyticsOptions.ReadTimeout"/>.
    /// </summary>
    public Task<SubjectStats> ReadAsync(StatsSubject subject, DateOnly from, DateOnly to, int top = DefaultTop) =>
        WithinDeadline(() => ReadStatsAsync(subject, from, to, top));

    /// <summary>All-time clicks and bots of many subjects, in one round trip.</summary>
    public Task<IReadOnlyDictionary<StatsSubject, (long Clicks, long Bots)>> ReadTotalsAsync(IReadOnlyCollection<StatsSubject> subjects) =>
        WithinDeadline(() => ReadTotalsOnceAsync(subjects));

    /// <summary>Clicks of many subjects over a range, in one round trip.</summary>
    public Task<IReadOnlyDictionary<StatsSubject, long>> ReadClicksAsync(IReadOnlyCollection<StatsSubject> subjects, DateOnly from, DateOnly to) =>
        WithinDeadline(() => ReadClicksOnceAsync(subjects, from, to));

    /// <summary>
    /// The most recent clicks from the raw log, newest first, each with its "time"; <paramref name="filter"/> is asked
    /// about their fields but "time" (the raw log groups clicks by shape, and only the ones it accepts are expanded).
    /// </summary>
    public Task<IReadOnlyList<JsonElement>> ReadRecentAsync(int max, Func<JsonElement, bool>? filter = null) =>
        WithinDeadline(() => ReadRecentOnceAsync(max, filter));

    // The client's own timeouts do not cover a server that keeps the connection and stops answering, so the
    // deadline is kept here, around whatever the client does. While a read that outlived its deadline is still
    // unanswered, Redis is taken as stuck and later reads fail at once: a page that reads several times waits
    // one deadline, not one per read.
    private async Task<T> WithinDeadline<T>(Func<Task<T>> read)
    {
        if (_unanswered is { IsCompleted: false })
            throw new StatsUnavailableException();
        var reading = read();
        try
        {
            return await reading.WaitAsync(options.Value.ReadTimeout);
        }
        catch (TimeoutException ex)
        {
            _unanswered = reading;
            throw new StatsUnavailableException(ex);
        }
        // A connection that drops while the read is in flight fails it with the client's own exception; callers
        // that answer without counts (the link list) then need to catch one type only.
        catch (RedisException ex)
        {
            throw new StatsUnavailableException(ex);
        }
    }

    private async Task<SubjectStats> ReadStatsAsync(StatsSubject subject, DateOnly from, DateOnly to, int top)
    {
        var db = Database();
        var days = Days(from, to);
        var batch = db.CreateBatch();
        var hashes = days.Select(d => batch.HashGetAllAsync(keys.Day(subject, d))).ToList();
        var unique = batch.HyperLogLogLengthAsync(days.Select(d => (RedisKey)keys.Visitors(subject, d)).ToArray());
        batch.Execute();
        await Task.WhenAll(hashes);

        var byDay = new List<DayCount>(days.Count);
        var hours = new long[24];
        var breakdowns = new Dictionary<Dimension, Dictionary<string, long>>();
        long clicks = 0, bots = 0, pageViews = 0;
        var derivesSourcePages = (Dimensions.SourcePage.DerivedFor & subject.Scope) != 0;
        for (var i = 0; i < days.Count; i++)
        {
            long dayClicks = 0, dayBots = 0;
            foreach (var entry in hashes[i].Result)
            {
                var field = (string)entry.Name!;
                var value = (long)entry.Value;
                if (field == "c")
                    dayClicks = value;
                else if (field == "b")
                    dayBots = value;
                else if (field == "pv")
                    pageViews += value;
                else if (field.Length == 3 && field[0] == 'h' && int.TryParse(field.AsSpan(1), CultureInfo.InvariantCulture, out var hour))
                    hours[hour] += value;
                else if (field.Length > 3 && field[2] == ':' && Dimensions.ByPrefix(field.AsSpan(0, 2)) is { } dimension)
                {
                    var key = StatsKeys.ValueOf(dimension, field.AsSpan(3));
                    if (SubjectStats.IsBotDevice(dimension, key))
                        continue;
                    var perKey = breakdowns.TryGetValue(dimension, out var existing) ? existing : breakdowns[dimension] = new(StringComparer.Ordinal);
                    AddTo(perKey, key, value);
                }
            }
            if (derivesSourcePages)
                AddSourcePagesOfReferrers(hashes[i].Result, breakdowns);
            clicks += dayClicks;
            bots += dayBots;
            byDay.Add(new DayCount(IsoDate(days[i]), dayClicks, dayBots));
        }
        var byHour = days.Count <= 2
            ? hours.Select((count, hour) => new HourCount(hour.ToString("D2", CultureInfo.InvariantCulture), count)).ToList()
            : [];
        return new SubjectStats
        {
            Clicks = clicks,
            Bots = bots,
            // A HyperLogLog's estimate may pass the clicks it counts the visitors of (about 1% either way).
            UniqueVisitors = Math.Min(await unique, clicks),
            PageViews = pageViews,
            ByDay = byDay,
            ByHour = byHour,
            Breakdowns = breakdowns.ToDictionary(b => b.Key, b => Top(b.Value, top)),
        };
    }

    private async Task<IReadOnlyDictionary<StatsSubject, (long Clicks, long Bots)>> ReadTotalsOnceAsync(IReadOnlyCollection<StatsSubject> subjects)
    {
        var db = Database();
        var batch = db.CreateBatch();
        var reads = subjects.Select(s => (s, batch.HashGetAsync(keys.Totals(s), ["c", "b"]))).ToList();
        batch.Execute();
        var result = new Dictionary<StatsSubject, (long, long)>();
        foreach (var (subject, read) in reads)
        {
            var values = await read;
            result[subject] = ((long?)values[0] ?? 0, (long?)values[1] ?? 0);
        }
        return result;
    }

    private async Task<IReadOnlyDictionary<StatsSubject, long>> ReadClicksOnceAsync(IReadOnlyCollection<StatsSubject> subjects, DateOnly from, DateOnly to)
    {
        var db = Database();
        var days = Days(from, to);
        var batch = db.CreateBatch();
        var reads = subjects.Select(s => (s, days.Select(d => batch.HashGetAsync(keys.Day(s, d), "c")).ToList())).ToList();
        batch.Execute();
        var result = new Dictionary<StatsSubject, long>();
        foreach (var (subject, perDay) in reads)
        {
            long total = 0;
            foreach (var read in perDay)
                total += (long?)await read ?? 0;
            result[subject] = total;
        }
        return result;
    }

    private async Task<IReadOnlyList<JsonElement>> ReadRecentOnceAsync(int max, Func<JsonElement, bool>? filter)
    {
        var db = Database();
        var result = new List<JsonElement>();
        var entries = await db.StreamRangeAsync(keys.RawLog, count: 1000, messageOrder: Order.Descending);
        foreach (var entry in entries)
        {
            using var document = JsonDocument.Parse((string)entry["c"]!);
            foreach (var click in RawClickFields.Expand(document.RootElement, filter))
            {
                result.Add(click);
                if (result.Count >= max)
                    return result;
            }
        }
        return result;
    }

    public static IReadOnlyList<string> Days(DateOnly from, DateOnly to)
    {
        if (to < from)
            (from, to) = (to, from);
        if (to.DayNumber - from.DayNumber >= MaxRangeDays)
            from = to.AddDays(-(MaxRangeDays - 1));
        var days = new List<string>(to.DayNumber - from.DayNumber + 1);
        for (var day = from; day <= to; day = day.AddDays(1))
            days.Add(day.ToString("yyyyMMdd", CultureInfo.InvariantCulture));
        return days;
    }

    private IDatabase Database() => redis.Database ?? throw new StatsUnavailableException();

    private static string IsoDate(string day) => $"{day[..4]}-{day[4..6]}-{day[6..]}";

    /// <summary>A link click's source page is its referrer without the query (see <see cref="Dimension.DerivedFor"/>).</summary>
    private static void AddSourcePagesOfReferrers(HashEntry[] day, Dictionary<Dimension, Dictionary<string, long>> breakdowns)
    {
        var referrerPrefix = Dimensions.Referrer.Prefix + ":";
        foreach (var entry in day)
        {
            var field = (string)entry.Name!;
            if (!field.StartsWith(referrerPrefix, StringComparison.Ordinal))
                continue;
            var url = field.AsSpan(referrerPrefix.Length);
            var query = url.IndexOf('?');
            var page = StatsKeys.ValueOf(Dimensions.SourcePage, query < 0 ? url : url[..query]);
            var pages = breakdowns.TryGetValue(Dimensions.SourcePage, out var existing) ? existing : breakdowns[Dimensions.SourcePage] = new(StringComparer.Ordinal);
            AddTo(pages, page, (long)entry.Value);
        }
    }

    private static void AddTo(Dictionary<string, long> counts, string key, long value) =>
        counts[key] = counts.GetValueOrDefault(key) + value;

    private static IReadOnlyList<KeyCount> Top(Dictionary<string, long> counts, int top) =>
        counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Take(top)
            .Select(c => new KeyCount(c.Key, c.Value)).ToList();
}

/// <summary>
/// Redis is away or did not answer within <see cref="AnalyticsOptions.ReadTimeout"/>: counts cannot be read right
/// now (they are not lost; clicks are spooled). The API answers 503, the admin "counts unavailable".
/// </summary>
public sealed class StatsUnavailableException(Exception? inner = null) : Exception("Stats storage (Redis) is not reachable right now.", inner);
