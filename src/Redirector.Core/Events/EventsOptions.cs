using System.ComponentModel.DataAnnotations;

namespace Redirector.Events;

/// <summary>Where raw click events are kept: an embedded DuckDB file (one node) or a ClickHouse server (several).</summary>
public enum EventStoreProvider
{
    DuckDB,
    ClickHouse,
}

/// <summary>
/// Settings of the event store (section "Events"); its address is <c>ConnectionStrings:Events</c>: for DuckDB a
/// connection string ("Data Source=data/events.duckdb" when unset), for ClickHouse the HTTP interface's address
/// ("http://127.0.0.1:8123", with user and password in it when the server wants them).
/// </summary>
public sealed class EventsOptions
{
    /// <summary>Off: no events are kept, filtered stats answer 503 and /api/events 503.</summary>
    public bool Enabled { get; set; } = true;

    public EventStoreProvider Provider { get; set; } = EventStoreProvider.DuckDB;

    /// <summary>Days of raw events kept; 0 keeps them all (the default). Older days are deleted once an hour.</summary>
    [Range(0, 36_500)] public int RetentionDays { get; set; }

    /// <summary>The ClickHouse database the tables live in.</summary>
    [RegularExpression("^[A-Za-z_][A-Za-z0-9_]{0,63}$")] public string ClickHouseDatabase { get; set; } = "default";

    /// <summary>
    /// How long spooled batches gather before they are written to the store together: filtered stats and raw events
    /// trail the Redis counters by about this much. A store pays per append nearly as much as per row (DuckDB's
    /// transaction and statistics, ClickHouse's insert and part), so fewer, larger appends cost less CPU per click
    /// (bench/README.md, `events`). Zero writes each batch as it comes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")] public TimeSpan GatherTime { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most events one append takes (a backlog is written in appends of this size; the last batch may pass it).</summary>
    [Range(1, EventStore.MaxEventsPerAppend)] public int EventsPerAppend { get; set; } = 5_000;

    /// <summary>Default of <see cref="CachedValueCodes"/>.</summary>
    public const int DefaultCachedValueCodes = 100_000;

    /// <summary>
    /// Most value codes (a distinct text of an event and its integer code, docs/events.md "Value codes") the DuckDB
    /// store holds in memory: the writer this many of the recently used ones, and the queries as many again. The
    /// rest are read from the file when met, so memory stays bounded however many distinct referrers, pages and URLs
    /// come (an 80-character value held costs about 200 bytes). Values beyond it that keep coming cost a lookup in
    /// the file per append (bench/README.md, "Bounded value codes, session 10").
    /// </summary>
    [Range(10, 10_000_000)] public int CachedValueCodes { get; set; } = DefaultCachedValueCodes;

    /// <summary>How long one query (a filtered stats view) or one insert may take before it fails.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
