using System.Diagnostics;
using System.Globalization;
using Redirector.Clicks;
using Redirector.Events;

namespace Redirector.Benchmarks.Events;

/// <summary>
/// events N [clickhouse-url]: appends N events (clicks over 90 days on N / 1,000 links, batches of 500 as the
/// pipeline makes them) to a fresh event store (DuckDB in a temporary file, or ClickHouse at the URL) and prints the
/// ingest rate in events per second, then the latency (p50/p99 of repeated queries) of a filtered 30-day stats
/// answer (every breakdown, utmSource=facebook AND deviceType=mobile) for one link, and across all links. On DuckDB
/// the ingest CPU includes a final CHECKPOINT, and the environment variable BENCH_DUCKDB is appended to the
/// connection string to try DuckDB settings (e.g. ";wal_autocheckpoint=256MB"). With "distinct-referrers" every
/// click has a referrer of 80 characters never seen before (the unbounded case of value codes), and the managed memory
/// the store holds after the ingest is printed.
/// </summary>
public static class EventStoreBench
{
    private const int BatchSize = 500;
    private const int Days = 90;
    private const int LinkQueries = 100;
    private const int GlobalQueries = 20;
    private const int ChunkBatches = 100;
    private const string DistinctReferrers = "distinct-referrers";

    private static readonly string[] Sources = ["facebook", "google", "newsletter", "twitter", "linkedin"];
    private static readonly string[] Devices = ["mobile", "desktop", "tablet"];
    private static readonly string[] Countries = ["DE", "US", "FR", "GB", "NL", "(unknown)"];
    private static readonly string[] Browsers = ["Chrome", "Safari", "Firefox", "Edge"];
    private static readonly string?[] Referrers = [null, "https://www.google.com/", "https://news.example.org/2026/spring", "https://t.co/abc123"];

    public static int Run(string[] args)
    {
        var perAppend = BatchSize;
        var url = args.Skip(1).FirstOrDefault(a => a.StartsWith("http", StringComparison.Ordinal));
        var distinct = args.Skip(1).Contains(DistinctReferrers);
        if (args.Length < 1 || !long.TryParse(args[0], CultureInfo.InvariantCulture, out var total) || total < BatchSize ||
            args.Skip(1).Any(a => a != url && a != DistinctReferrers && !int.TryParse(a, CultureInfo.InvariantCulture, out perAppend)) ||
            perAppend is < BatchSize or > EventStore.MaxEventsPerAppend)
        {
            Console.Error.WriteLine($"usage: events N [events-per-append] [{DistinctReferrers}] [http://clickhouse:8123]   (N >= {BatchSize}; {BatchSize} to {EventStore.MaxEventsPerAppend:N0} events per append, {BatchSize} by default)");
            return 1;
        }
        var directory = Directory.CreateTempSubdirectory("events-bench-").FullName;
        try
        {
            EventStore store = url is not null
                ? new ClickHouseEventStore(new Uri(url), new EventsOptions { ClickHouseDatabase = "bench" + DateTime.UtcNow.Ticks, Timeout = TimeSpan.FromMinutes(5) })
                : new DuckDbEventStore($"Data Source={Path.Combine(directory, "events.duckdb")}" + Environment.GetEnvironmentVariable("BENCH_DUCKDB"));
            return RunAsync(store, total, perAppend, distinct, directory).GetAwaiter().GetResult();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<int> RunAsync(EventStore store, long total, int perAppend, bool distinct, string directory)
    {
        var heldBefore = GC.GetTotalMemory(forceFullCollection: true);
        await using var _ = store;
        await store.OpenAsync(CancellationToken.None);
        var links = (int)Math.Max(1, total / 1000);
        var end = DateTime.UtcNow.Date.AddDays(1);
        var start = end.AddDays(-Days);
        var random = new Random(42);
        var batches = (int)(total / BatchSize);
        // Batches are made a chunk at a time outside the timed appends, so the CPU figure is the store's alone (the
        // process's user+sys time, the store's own threads included) and memory stays bounded at any N.
        var perGroup = perAppend / BatchSize;
        // A whole number of appends a chunk, so that every append carries the same number of batches.
        var chunkBatches = Math.Max(1, ChunkBatches / perGroup) * perGroup;
        var chunk = new List<ClickBatch>(chunkBatches);
        var cpu = TimeSpan.Zero;
        long allocated = 0;
        var clock = new Stopwatch();
        for (var b = 0; b < batches;)
        {
            chunk.Clear();
            for (; chunk.Count < chunkBatches && b < batches; b++)
                chunk.Add(MakeBatch(b, batches, start, end, links, random, distinct));
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var allocatedBefore = GC.GetTotalAllocatedBytes();
            clock.Start();
            // As the consumer groups them when it is behind (EventStoreConsumer): batches until the bound.
            foreach (var group in chunk.Chunk(perGroup))
                await store.AppendAsync(group, CancellationToken.None);
            clock.Stop();
            cpu += Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            allocated += GC.GetTotalAllocatedBytes() - allocatedBefore;
        }
        if (store is DuckDbEventStore)
        {
            // The rows' compression and writing to the file happen at checkpoints, which DuckDB runs at a WAL size
            // (or at close): one now counts the work still pending in the WAL, so settings that only defer it show so.
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            clock.Start();
            await CheckpointAsync(directory);
            clock.Stop();
            cpu += Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        }
        var seconds = clock.Elapsed.TotalSeconds;
        var stored = await store.CountAsync(CancellationToken.None);
        var file = Directory.GetFiles(directory).Sum(f => new FileInfo(f).Length);
        Console.WriteLine($"store: {store.GetType().Name}; events: {stored:N0} on {links:N0} links over {Days} days");
        Console.WriteLine($"ingest: {seconds:F1} s, {stored / seconds:N0} events/s" + (file > 0 ? $", file {file / (1024.0 * 1024):F0} MiB" : ""));
        Console.WriteLine($"ingest cost (batches of {BatchSize}, {perAppend:N0} events per append): {cpu.TotalMicroseconds / stored:F2} us CPU " +
            $"and {allocated / stored:N0} bytes allocated per event ({cpu.TotalSeconds:F1} s CPU{(store is DuckDbEventStore ? ", a final checkpoint included" : "")})");

        if (store is DuckDbEventStore)
        {
            chunk.Clear();
            var held = GC.GetTotalMemory(forceFullCollection: true) - heldBefore;
            await PrintValueCodesAsync(directory, held);
        }
        if (distinct)
        {
            // Every event read back, every code decoded: what /api/events does for an export of everything.
            var exportCpu = Process.GetCurrentProcess().TotalProcessorTime;
            var exportClock = Stopwatch.StartNew();
            var exported = 0L;
            var referrer = EventColumns.Dimensions.Select(c => c.Dimension).ToList().IndexOf(Dimensions.Referrer);
            await foreach (var row in store.ReadEventsAsync(new EventQuery(start, end, null, EventFilter.None), CancellationToken.None))
                exported += row.Values[referrer] is null ? 0 : 1;
            exportCpu = Process.GetCurrentProcess().TotalProcessorTime - exportCpu;
            Console.WriteLine($"export of every event: {exported:N0} with a referrer in {exportClock.Elapsed.TotalSeconds:F1} s, {exportCpu.TotalMicroseconds / stored:F2} us CPU per event; " +
                $"{(GC.GetTotalMemory(forceFullCollection: true) - heldBefore) / 1024.0:N0} KiB managed memory held by the store after it");
            return 0;
        }

        var today = DateOnly.FromDateTime(end.AddDays(-1));
        var filter = new EventFilter([new DimensionFilter(Dimensions.UtmSource, ["facebook"], []), new DimensionFilter(Dimensions.DeviceType, ["mobile"], [])]);
        var query = EventQuery.Days(today.AddDays(-29), today, null, filter);
        // One warm-up of each, so the figures are of a running node rather than of the first query after start.
        await store.ReadStatsAsync(query with { LinkId = 1 }, 100, CancellationToken.None);
        await MeasureOneLinkAsync("");
        // The same answers by SQL groupings alone: the baseline of counting a few events in process.
        if (store is DuckDbEventStore duckDb)
        {
            var inProcess = duckDb.CountInProcessUpTo;
            duckDb.CountInProcessUpTo = 0;
            await MeasureOneLinkAsync(" (SQL groupings only)");
            duckDb.CountInProcessUpTo = inProcess;
        }
        var global = new List<double>();
        long allClicks = 0;
        var queryCpu = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < GlobalQueries; i++)
        {
            var timer = Stopwatch.StartNew();
            allClicks = (await store.ReadStatsAsync(query, 100, CancellationToken.None)).Clicks;
            global.Add(timer.Elapsed.TotalMilliseconds);
        }
        queryCpu = Process.GetCurrentProcess().TotalProcessorTime - queryCpu;
        Console.WriteLine($"all links, 30 days, same filter, every breakdown: {Percentiles(global)}, {queryCpu.TotalMilliseconds / GlobalQueries:F1} ms CPU a query ({allClicks:N0} clicks)");
        return 0;

        async Task MeasureOneLinkAsync(string label)
        {
            var perLink = new List<double>();
            long clicks = 0;
            var queryCpu = Process.GetCurrentProcess().TotalProcessorTime;
            for (var i = 0; i < LinkQueries; i++)
            {
                var timer = Stopwatch.StartNew();
                clicks += (await store.ReadStatsAsync(query with { LinkId = 1 + random.Next(links) }, 100, CancellationToken.None)).Clicks;
                perLink.Add(timer.Elapsed.TotalMilliseconds);
            }
            queryCpu = Process.GetCurrentProcess().TotalProcessorTime - queryCpu;
            Console.WriteLine($"one link{label}, 30 days, utmSource=facebook&deviceType=mobile, every breakdown: {Percentiles(perLink)}, " +
                $"{queryCpu.TotalMilliseconds / LinkQueries:F1} ms CPU a query ({clicks / LinkQueries:N0} clicks a link on average)");
        }
    }

    private static async Task CheckpointAsync(string directory)
    {
        await using var connection = new DuckDB.NET.Data.DuckDBConnection($"Data Source={Path.Combine(directory, "events.duckdb")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "CHECKPOINT";
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// The values the DuckDB store codes (event_values) and the managed memory the store holds after the ingest (all
    /// the process holds after full collections, less what it held before the store was made).
    /// </summary>
    private static async Task PrintValueCodesAsync(string directory, long held)
    {
        var connectionString = $"Data Source={Path.Combine(directory, "events.duckdb")}";
        await using var connection = new DuckDB.NET.Data.DuckDBConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*), coalesce(sum(strlen(value)), 0) FROM event_values";
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var values = reader.GetInt64(0);
        Console.WriteLine($"value codes: {values:N0} distinct values ({reader.GetInt64(1):N0} bytes of UTF-8), {held / 1024.0:N0} KiB managed memory " +
            $"held by the store after the ingest ({(double)held / Math.Max(1, values):F0} bytes a value)");
    }

    /// <summary>One batch as the pipeline would make it: its clicks fall in its slice of the period, grouped by shape.</summary>
    internal static ClickBatch MakeBatch(int index, int batches, DateTime start, DateTime end, int links, Random random, bool distinct = false)
    {
        var slice = (end - start).Ticks / batches;
        var from = start.AddTicks(slice * index);
        var groups = new Dictionary<(int, int, int, int, int, int), ClickGroup>();
        for (var i = 0; i < BatchSize; i++)
        {
            var key = (random.Next(links), random.Next(Sources.Length), random.Next(Devices.Length), random.Next(Countries.Length), random.Next(Browsers.Length), random.Next(Referrers.Length));
            var time = from.AddTicks((long)(random.NextDouble() * slice));
            // Each click its own group then: its referrer is one no other click has.
            var groupKey = distinct ? (~i, 0, 0, 0, 0, 0) : key;
            if (!groups.TryGetValue(groupKey, out var group))
            {
                var values = new string?[Dimensions.Count];
                var link = key.Item1 + 1;
                values[Dimensions.Link.Index] = link.ToString(CultureInfo.InvariantCulture);
                values[Dimensions.DestinationDomain.Index] = "shop.example.com";
                values[Dimensions.UtmSource.Index] = Sources[key.Item2];
                values[Dimensions.DeviceType.Index] = Devices[key.Item3];
                values[Dimensions.Country.Index] = Countries[key.Item4];
                values[Dimensions.Browser.Index] = Browsers[key.Item5];
                values[Dimensions.Referrer.Index] = Referrers[key.Item6];
                values[Dimensions.ReferrerDomain.Index] = Referrers[key.Item6] is { } referrer ? new Uri(referrer).Host : "(direct)";
                values[Dimensions.Language.Index] = "en";
                if (distinct)
                {
                    values[Dimensions.Referrer.Index] = $"https://news.example.org/{index:D8}/{i:D4}/".PadRight(80, 'x');
                    values[Dimensions.ReferrerDomain.Index] = "news.example.org";
                }
                var shape = new ClickShape(time.ToString("yyyyMMdd", CultureInfo.InvariantCulture), time.Hour, link, false, values);
                groups[groupKey] = group = new ClickGroup(shape);
            }
            group.Add(time, (ulong)random.NextInt64());
        }
        return new ClickBatch("bench", index + 1, [.. groups.Values], []);
    }

    private static string Percentiles(List<double> milliseconds)
    {
        milliseconds.Sort();
        double At(double p) => milliseconds[Math.Min(milliseconds.Count - 1, (int)Math.Ceiling(p * milliseconds.Count) - 1)];
        return $"p50 {At(0.50):F1} ms, p99 {At(0.99):F1} ms";
    }
}
