using System.Globalization;
using Redirector.Clicks;
using Redirector.Stats;

namespace Redirector.Events;

/// <summary>
/// Keeps every event (<see cref="EventRow"/>) and answers filtered questions from them. The SQL is built here, once,
/// for both engines; each provider says how its dialect names a day, an hour, a distinct count and a value, and how
/// it runs a statement. Idempotency per batch is the provider's: a batch applied twice is stored once
/// (see docs/events.md).
/// </summary>
public abstract class EventStore : IAsyncDisposable
{
    /// <summary>
    /// The most events one <see cref="AppendAsync(IReadOnlyList{ClickBatch}, CancellationToken)"/> should carry:
    /// DuckDB's appender flushes by itself at 204,800 rows, which would split one append into two transactions.
    /// </summary>
    public const int MaxEventsPerAppend = 100_000;

    private readonly SemaphoreSlim _opening = new(1, 1);
    private volatile bool _open;

    /// <summary>Creates the table, or adds the columns of dimensions added since it was made.</summary>
    public abstract Task InitializeAsync(CancellationToken ct);

    /// <summary>
    /// Opens the store once (tables made, columns added): the first append or query does it, and one that fails
    /// (a server away) leaves it to the next.
    /// </summary>
    public async Task OpenAsync(CancellationToken ct)
    {
        if (_open)
            return;
        await _opening.WaitAsync(ct);
        try
        {
            if (!_open)
            {
                await InitializeAsync(ct);
                _open = true;
            }
        }
        finally
        {
            _opening.Release();
        }
    }

    /// <summary>
    /// <see cref="ReadStatsAsync"/> for the API: opens the store first and turns any failure of the store into
    /// <see cref="EventStoreUnavailableException"/> (answered 503).
    /// </summary>
    public async Task<SubjectStats> ReadFilteredAsync(EventQuery query, int top, CancellationToken ct)
    {
        try
        {
            await OpenAsync(ct);
            return await ReadStatsAsync(query, top, ct);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested && ex is not EventStoreUnavailableException)
        {
            throw new EventStoreUnavailableException(ex);
        }
    }

    /// <summary>
    /// Stores the events of spool batches (in spool order) once, however often each comes: all of them or none, so
    /// a failed append is retried whole. Throws when the store is away. Keep the events of one call below
    /// <see cref="MaxEventsPerAppend"/>.
    /// </summary>
    public abstract Task AppendAsync(IReadOnlyList<ClickBatch> batches, CancellationToken ct);

    /// <summary>Stores the events of one batch once (see the overload for several).</summary>
    public Task AppendAsync(ClickBatch batch, CancellationToken ct) => AppendAsync([batch], ct);

    /// <summary>Deletes events before a time (retention). Cheap on both engines: whole days or partitions.</summary>
    public abstract Task DeleteBeforeAsync(DateTime before, CancellationToken ct);

    /// <summary>Events of a query in time order, read as they stream from the store: never all in memory.</summary>
    public abstract IAsyncEnumerable<EventRow> ReadEventsAsync(EventQuery query, CancellationToken ct);

    /// <summary>The events stored: for tests and /readyz.</summary>
    public abstract Task<long> CountAsync(CancellationToken ct);

    /// <summary>
    /// The counts of a stats answer (<see cref="SubjectStats"/>, the shape the Redis reader gives) computed over
    /// the events of a query: clicks and bots per day, clicks per hour, unique visitors, and every breakdown the
    /// subject answers (a link's, or the global one's): the bot kinds count bots, every other breakdown people.
    /// </summary>
    public async Task<SubjectStats> ReadStatsAsync(EventQuery query, int top, CancellationToken ct)
    {
        var subject = query.LinkId is null ? Subjects.Global : Subjects.Link;
        var sql = NewStatement();
        var where = Where(query, sql);
        var zone = ZoneName(query.TimeZone);
        var parts = new List<Part>
        {
            new("c", Day("time", zone), Count, IsEvent(EventKinds.Click), new(GroupedBy.Day, EventKinds.Click)),
            new("b", Day("time", zone), Count, IsEvent(EventKinds.Bot), new(GroupedBy.Day, EventKinds.Bot)),
            new("h", Hour("time", zone), Count, IsEvent(EventKinds.Click), new(GroupedBy.Hour, EventKinds.Click)),
            new("u", "''", DistinctCount("visitor"), IsEvent(EventKinds.Click), new(GroupedBy.Visitors, EventKinds.Click)),
        };
        var columns = EventColumns.Dimensions.Select(c => c.Column).ToList();
        if (Dimensions.PageViews.IsAnsweredFor(subject))
        {
            var sourcePage = EventColumns.Of(Dimensions.SourcePage)!;
            parts.Add(new(Dimensions.PageViews.Prefix, ValueKey(sourcePage), Count, IsEvent(EventKinds.View),
                new(GroupedBy.Value, EventKinds.View, columns.IndexOf(sourcePage))));
        }
        foreach (var (dimension, column) in EventColumns.Dimensions)
        {
            if (!dimension.IsAnsweredFor(subject))
                continue;
            // Bots are reported once, by kind; every other breakdown, device types included, counts people (docs/events.md).
            var kind = dimension.OnlyBots ? EventKinds.Bot : EventKinds.Click;
            var key = ValueKey(column);
            var condition = $"{IsEvent(kind)} AND {column} IS NOT NULL";
            var grouping = new Grouping(GroupedBy.Value, kind, columns.IndexOf(column));
            if (dimension.Per is { } per && EventColumns.Of(per) is { } perColumn)
            {
                key = ValueKey(perColumn, column);
                condition += $" AND {perColumn} IS NOT NULL";
                grouping = grouping with { PerColumn = columns.IndexOf(perColumn) };
            }
            parts.Add(new(dimension.Prefix, key, Count, condition, grouping));
        }
        var rows = await CountAsync(sql, where, parts, query.TimeZone, ct);
        // The day, hour and visitor parts have keys of their own; every other part is keyed by stored values.
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].Code is not ("c" or "b" or "h" or "u"))
                rows[i] = rows[i] with { Key = ValueText(rows[i].Key) };
        }
        return Assemble(rows, query, subject, top);
    }

    /// <summary>
    /// One grouped count of a stats query: its code, its key expression, its aggregate and which events it counts, in
    /// SQL; and the same as data (<paramref name="Grouping"/>) for a store that counts a few events itself.
    /// </summary>
    protected sealed record Part(string Code, string Key, string Aggregate, string Condition, Grouping Grouping);

    /// <summary>What a part groups by.</summary>
    protected enum GroupedBy
    {
        /// <summary>The day in the query's zone (yyyyMMdd); count of events.</summary>
        Day,
        /// <summary>The hour (0-23) in the query's zone; count of events.</summary>
        Hour,
        /// <summary>No key (''); count of distinct visitor hashes.</summary>
        Visitors,
        /// <summary>A dimension column's value (or a pair with <see cref="Grouping.PerColumn"/>); count of events where both are set.</summary>
        Value,
    }

    /// <param name="Column">Index in <see cref="EventColumns.Dimensions"/>; -1 unless <see cref="GroupedBy.Value"/>.</param>
    /// <param name="PerColumn">Index of the dimension counted per value of, or -1.</param>
    protected sealed record Grouping(GroupedBy By, string EventKind, int Column = -1, int PerColumn = -1);

    /// <summary>Counts the parts of a stats query: (code, key, count) rows with keys as <see cref="ValueKey(string)"/> gives them.</summary>
    protected virtual Task<List<(string Code, string Key, long Count)>> CountAsync(
        Statement statement, string where, IReadOnlyList<Part> parts, TimeZoneInfo? zone, CancellationToken ct) =>
        QueryCountsAsync(statement, Compose(where, parts), ct);

    /// <summary>Parameters of one statement: a placeholder for each value (DuckDB) or the value inlined as a literal (ClickHouse).</summary>
    protected abstract class Statement
    {
        public abstract string Value(object value);
    }

    protected abstract Statement NewStatement();

    /// <summary>The SQL that answers every part: (code, key, count) rows.</summary>
    protected abstract string Compose(string where, IReadOnlyList<Part> parts);

    /// <summary>Runs a counting statement; each row is (code, key, count).</summary>
    protected abstract Task<List<(string Code, string Key, long Count)>> QueryCountsAsync(Statement statement, string sql, CancellationToken ct);

    /// <summary>The day of a UTC time as yyyyMMdd text, in a zone (an IANA name, already checked; UTC when null).</summary>
    protected abstract string Day(string time, string? zone);

    /// <summary>The hour (0-23) of a UTC time as text, in a zone (an IANA name, already checked; UTC when null).</summary>
    protected abstract string Hour(string time, string? zone);

    /// <summary>A zone's IANA name to inline in SQL: letters, digits and "/_+-" only (every IANA name is), or null for UTC.</summary>
    private static string? ZoneName(TimeZoneInfo? zone) =>
        EventQuery.IsUtc(zone) ? null
        : zone!.Id.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '_' or '+' or '-') ? zone.Id
        : throw new ArgumentException($"Time zone {zone.Id} is not an IANA name", nameof(zone));

    protected abstract string DistinctCount(string column);

    protected virtual string Count => "count(*)";

    /// <summary>A text column as a non-null string (its rows are already those with a value).</summary>
    protected virtual string Text(string column) => column;

    protected virtual string Concat(params string[] parts) => string.Join(" || ", parts);

    /// <summary>The grouping key of a dimension column (its rows are those with a value): the text itself here.</summary>
    protected virtual string ValueKey(string column) => Text(column);

    /// <summary>The grouping key of a dimension counted per value of another: "per value\nvalue" here.</summary>
    protected virtual string ValueKey(string perColumn, string column) => Concat(Text(perColumn), "'\n'", Text(column));

    /// <summary>A key made by <see cref="ValueKey(string)"/> or its overload, as it was read, turned into the answer's text.</summary>
    protected virtual string ValueText(string key) => key;

    /// <summary>The SQL of a stored value compared with its dimension column (or node or event): a placeholder or literal here.</summary>
    protected virtual string ValueOf(string value, Statement sql) => sql.Value(value);

    /// <summary>The condition that picks events of one kind (<see cref="EventKinds"/>).</summary>
    protected virtual string IsEvent(string kind) => $"event = '{kind}'";

    /// <summary>The WHERE clause of a query: its time range, its link and every filter.</summary>
    protected string Where(EventQuery query, Statement sql)
    {
        var conditions = new List<string> { $"time >= {sql.Value(query.From)}", $"time < {sql.Value(query.To)}" };
        if (query.LinkId is { } link)
            conditions.Add($"{EventColumns.Of(Dimensions.Link)} = {ValueOf(link.ToString(CultureInfo.InvariantCulture), sql)}");
        foreach (var filter in query.Filter.Dimensions)
        {
            var column = EventColumns.Of(filter.Dimension)!;
            if (filter.Include.Count > 0)
                conditions.Add($"{column} IN ({string.Join(", ", filter.Include.Select(v => ValueOf(v, sql)))})");
            if (filter.Exclude.Count > 0)
                conditions.Add($"({column} IS NULL OR {column} NOT IN ({string.Join(", ", filter.Exclude.Select(v => ValueOf(v, sql)))}))");
        }
        return string.Join(" AND ", conditions);
    }

    private static SubjectStats Assemble(List<(string Code, string Key, long Count)> rows, EventQuery query, Subjects subject, int top)
    {
        var clicksByDay = new Dictionary<string, long>(StringComparer.Ordinal);
        var botsByDay = new Dictionary<string, long>(StringComparer.Ordinal);
        var hours = new long[24];
        long unique = 0;
        var breakdowns = new Dictionary<Dimension, Dictionary<string, long>>();
        foreach (var (code, key, count) in rows)
        {
            switch (code)
            {
                case "c":
                    clicksByDay[key] = count;
                    break;
                case "b":
                    botsByDay[key] = count;
                    break;
                case "h" when int.TryParse(key, CultureInfo.InvariantCulture, out var hour) && hour is >= 0 and < 24:
                    hours[hour] = count;
                    break;
                case "u":
                    unique = count;
                    break;
                default:
                    if (Dimensions.ByPrefix(code) is { } dimension)
                    {
                        var perKey = breakdowns.TryGetValue(dimension, out var existing) ? existing : breakdowns[dimension] = new(StringComparer.Ordinal);
                        perKey[key] = perKey.GetValueOrDefault(key) + count;
                    }
                    break;
            }
        }
        var (first, last) = query.DayRange;
        var days = StatsReader.Days(first, last);
        var byDay = days.Select(d => new DayCount($"{d[..4]}-{d[4..6]}-{d[6..]}", clicksByDay.GetValueOrDefault(d), botsByDay.GetValueOrDefault(d))).ToList();
        return new SubjectStats
        {
            Clicks = clicksByDay.Values.Sum(),
            Bots = botsByDay.Values.Sum(),
            UniqueVisitors = unique,
            PageViews = 0,
            ByDay = byDay,
            ByHour = days.Count <= 2 ? hours.Select((count, hour) => new HourCount(hour.ToString("D2", CultureInfo.InvariantCulture), count)).ToList() : [],
            Breakdowns = breakdowns.ToDictionary(b => b.Key, b => (IReadOnlyList<KeyCount>)b.Value
                .OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Take(top)
                .Select(c => new KeyCount(c.Key, c.Value)).ToList()),
        };
    }

    public abstract ValueTask DisposeAsync();
}

/// <summary>The event store is away or failed a query: filtered stats and raw events cannot be read now (answered 503).</summary>
public sealed class EventStoreUnavailableException(Exception? inner = null)
    : Exception("The event store is not reachable right now.", inner);
