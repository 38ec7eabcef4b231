using System.ComponentModel.DataAnnotations;

namespace Redirector.Clicks;

/// <summary>Settings of the click pipeline (section "Analytics").</summary>
public sealed class AnalyticsOptions
{
    /// <summary>Where the spool and this node's id live.</summary>
    [Required] public string DataDirectory { get; set; } = "data";

    /// <summary>A batch is written when it holds this many clicks...</summary>
    [Range(1, 10_000)] public int BatchSize { get; set; } = 500;

    /// <summary>...or when its first click is this old, whichever comes first.</summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Clicks waiting in memory; beyond this, clicks are dropped and counted as dropped.</summary>
    [Range(1_000, 10_000_000)] public int QueueCapacity { get; set; } = 200_000;

    /// <summary>
    /// How long spooled batches wait to be applied to Redis together while more than 1,000 clicks a second come:
    /// their counts merge, so a link clicked several times in the window is written once, which is what keeps Redis's
    /// work per click low when traffic is spread over thousands of links (bench/README.md, "Counting windows"). Counts
    /// then show up to this much later; under lighter traffic, and on a flush (the tests'), batches are applied at
    /// once. Zero: each batch on its own, as soon as it is spooled.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")] public TimeSpan ApplyWindow { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a batch may wait for Redis before it goes to the spool instead.</summary>
    public TimeSpan ApplyTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long one read of counts (a stats view, totals, recent clicks) may wait for Redis; after it the API answers
    /// 503 and the admin shows "counts unavailable". A stopped or hung server keeps its connections and answers
    /// nothing, which no connection-level check notices.
    /// </summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(1.5);

    /// <summary>How often spooled batches are retried while Redis is away.</summary>
    public TimeSpan ReplayInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The longest wait between retries of a batch a spool consumer (event store, webhooks) could not apply; the first
    /// wait is <see cref="ReplayInterval"/>, doubled after each failure up to this.
    /// </summary>
    public TimeSpan ConsumerRetryMax { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a spool consumer other than Redis (event store, webhook queue) may trail the counters while its writes
    /// run on a thread of the lowest CPU priority (<see cref="IdlePriorityScheduler"/>): at peaks they yield the cores
    /// to redirects and counting, and catch up in the gaps. Past it, or with an eighth of <see cref="SpoolMaxBytes"/>
    /// waiting for it (so that a consumer kept behind never fills the spool), the consumer writes at normal priority
    /// until it has caught up. Zero: always at normal priority. bench/README.md, "Consumers at idle priority".
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")] public TimeSpan IdlePriorityLag { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The spool's cap; batches beyond it are dropped, counted and logged.</summary>
    [Range(1024, long.MaxValue)] public long SpoolMaxBytes { get; set; } = 1L << 30;

    /// <summary>Days that daily counters are kept in Redis.</summary>
    [Range(1, 3650)] public int RetentionDays { get; set; } = 400;

    /// <summary>Batches kept in the raw click log (one entry per batch).</summary>
    [Range(1, 1_000_000)] public int RawLogEntries { get; set; } = 1000;

    /// <summary>Clicks of one batch kept in its raw log entry.</summary>
    [Range(1, 10_000)] public int RawClicksPerEntry { get; set; } = 200;

    /// <summary>A header set by a trusted proxy that carries the visitor's country (e.g. CF-IPCountry); off when empty.</summary>
    public string? CountryHeader { get; set; }

    /// <summary>
    /// Where a link's breakdowns (referrers, UTM, devices, countries...), hours and unique visitors are counted: in its
    /// Redis counters (the default) or only in the event store, which answers them when the link's stats are read.
    /// Redis then keeps per link its clicks and bots, per day and in all. Traffic spread over many links writes each
    /// link's fields for one click, so this is where its Redis work goes (issue 19; bench/README.md, "Link breakdowns
    /// in the event store"). Needs the event store (<c>Events:Enabled</c>); a link's details then follow its clicks by
    /// the store's gather time (<c>Events:GatherTime</c>).
    /// </summary>
    public LinkBreakdowns LinkBreakdowns { get; set; } = LinkBreakdowns.Counters;
}

/// <summary>Where a link's breakdowns are counted (<see cref="AnalyticsOptions.LinkBreakdowns"/>).</summary>
public enum LinkBreakdowns
{
    /// <summary>In the link's Redis counters, as every other subject's.</summary>
    Counters,

    /// <summary>In the event store only; the link's Redis counters hold its clicks and bots.</summary>
    Events,
}

/// <summary>Settings of the Redis connection (section "Redis"); the address is ConnectionStrings:Redis.</summary>
public sealed class RedisOptions
{
    /// <summary>Prefix of every key the service writes.</summary>
    [Required, RegularExpression("^[A-Za-z0-9_.-]{1,32}$")] public string KeyPrefix { get; set; } = "rd";

    /// <summary>On a Redis Cluster each stats subject is written by its own script call, so each call touches one slot.</summary>
    public bool Cluster { get; set; }
}
