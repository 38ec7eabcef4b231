using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Numerics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Redirector.Clicks;
using Redirector.Events;
using Redirector.Geo;
using Redirector.Links;

namespace Redirector.Benchmarks.HotPath;

/// <summary>
/// pipeline N host:port [links]: the CPU the click pipeline spends per click, measured apart from Kestrel. N clicks
/// like bench/run.sh's (one browser, one referrer) from 1,000 public client addresses (each placed in a country, as
/// real clicks are) are queued at <see cref="ClicksPerSecond"/>, as requests would queue them, and the real
/// <see cref="ClickPipeline"/> (enrichment, aggregation, spool, Redis) takes them. Process CPU time is steady where
/// requests per second on a shared machine are not, so this shows what a pipeline change is worth. The third of
/// three rounds is measured, when the JIT's tier-up work (a start-up cost) is nearly done; the line says how much
/// it still compiled. The clicks queued are 1,000 instances (one per address) queued again and again: a node's
/// clicks live for milliseconds, and allocating a million here would add collections the pipeline does not cause.
/// With "events" the spool also has the event store's consumer (<see cref="EventStoreConsumer"/>, DuckDB in the temp
/// directory, <see cref="EventsOptions.EventsPerAppend"/> as given, 1 being one batch an append) and the round ends when
/// it has stored every click: the CPU of counting and keeping every event, as a node spends it.
/// </summary>
public static class PipelineCost
{
    private const string Agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    /// <summary>
    /// Above what bench/run.sh's load runs give a node (60,000-76,000 clicks a second). Not all at once: a queue of a
    /// million makes the pipeline spool them all before Redis takes any, which is a node whose Redis is away.
    /// </summary>
    private const int ClicksPerSecond = 100_000;

    private const int Rounds = 3;
    private const string Referrer = "https://news.example.org/2026/11/spring-collection?utm_source=rss";

    public static int Run(string[] args)
    {
        var perAppend = new EventsOptions().EventsPerAppend;
        if (args.Length < 2 || !int.TryParse(args[0], CultureInfo.InvariantCulture, out var clicks) || clicks <= 0 ||
            (args.Length > 3 && args[3] != "events") ||
            (args.Length > 4 && (!int.TryParse(args[4], CultureInfo.InvariantCulture, out perAppend) || perAppend is < 1 or > EventStore.MaxEventsPerAppend)))
        {
            Console.Error.WriteLine("usage: pipeline N host:port [links [events [events-per-append]]]");
            return 1;
        }
        var links = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1;
        return RunAsync(clicks, args[1], links, args.Length > 3 ? perAppend : null).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int clicks, string redisAddress, int links, int? eventsPerAppend)
    {
        var directory = Directory.CreateTempSubdirectory("redirector-pipeline-");
        try
        {
            using var redis = await StandaloneParts.ConnectAsync("pipeline", redisAddress);
            if (redis is null)
                return 1;
            var options = Options.Create(new AnalyticsOptions
            {
                DataDirectory = directory.FullName, QueueCapacity = 10_000_000,
                LinkBreakdowns = Enum.TryParse<LinkBreakdowns>(Environment.GetEnvironmentVariable("LINK_BREAKDOWNS"), out var where) ? where : LinkBreakdowns.Counters,
            });
            var keys = new StatsKeys(Options.Create(new RedisOptions()));
            var visitors = StandaloneParts.Visitors();
            var queue = new ClickQueue(options);
            using var spool = new ClickSpool(Path.Combine(directory.FullName, "spool"), options.Value.SpoolMaxBytes,
                eventsPerAppend is null ? [ClickPipeline.RedisConsumer] : [ClickPipeline.RedisConsumer, EventStoreConsumer.ConsumerName]);
            await using var store = new DuckDbEventStore($"Data Source={Path.Combine(directory.FullName, "events.duckdb")}");
            using var events = eventsPerAppend is { } perAppend
                ? new EventStoreConsumer(store, spool, options, Options.Create(new EventsOptions { EventsPerAppend = perAppend }),
                    TimeProvider.System, NullLogger<EventStoreConsumer>.Instance)
                : null;
            using var pipeline = new ClickPipeline(queue, StandaloneParts.Enricher(visitors),
                visitors, new RedisClickWriter(redis, keys, options), spool, new NodeIdentity(options), options, TimeProvider.System,
                NullLogger<ClickPipeline>.Instance);

            var utm = new UtmTags { Source = "newsletter", Medium = "email", Campaign = "spring-launch" };
            // Public addresses, as real clicks have, so every click is placed in a country by the geo lookup.
            var random = new Random(1000);
            var addresses = Enumerable.Range(0, 10_000).Select(_ => new IPAddress(random.Next(0x0100_0000, 0x7FFF_FFFF)))
                .Where(GeoLookup.IsPublic).Take(1000).ToArray();
            var now = DateTime.UtcNow;
            // Click i is on link i % links from address i % 1,000, as when each was made anew.
            var rawClicks = new RawClick[(int)((long)addresses.Length * links / (long)BigInteger.GreatestCommonDivisor(addresses.Length, links))];
            for (var i = 0; i < rawClicks.Length; i++)
            {
                rawClicks[i] = new RawClick
                {
                    Time = now, LinkId = i % links + 1, DestinationDomain = "www.example.com", LinkUtm = utm,
                    UserAgent = Agent, Referrer = Referrer, ClientAddress = addresses[i % addresses.Length],
                };
            }
            using var sampler = Environment.GetEnvironmentVariable("ALLOCATIONS") == "1" ? new AllocationSampler() : null;
            await pipeline.StartAsync(CancellationToken.None);
            if (events is not null)
                await events.StartAsync(CancellationToken.None);
            for (var round = 1; round <= Rounds; round++)
            {
                var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
                var jitTime = System.Runtime.JitInfo.GetCompilationTime();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var allocated = GC.GetTotalAllocatedBytes();
                var started = Stopwatch.GetTimestamp();
                if (sampler is not null)
                    sampler.Counting = round == Rounds;
                var applied = pipeline.AppliedClicks;
                for (var queued = 0; queued < clicks; await Task.Delay(1))
                {
                    var due = Math.Min(clicks, (int)(Stopwatch.GetElapsedTime(started).TotalSeconds * ClicksPerSecond));
                    for (; queued < due; queued++)
                        queue.Enqueue(rawClicks[queued % rawClicks.Length]);
                }
                await queue.FlushAsync();
                while (events is { PendingBatches: > 0 })
                    await Task.Delay(10);
                cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
                allocated = GC.GetTotalAllocatedBytes() - allocated;
                var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                compiled = System.Runtime.JitInfo.GetCompiledMethodCount() - compiled;
                jitTime = System.Runtime.JitInfo.GetCompilationTime() - jitTime;
                if (round < Rounds)
                    continue;
                Console.WriteLine($"   pipeline{(eventsPerAppend is { } n ? $" and event store ({n:N0} events an append)" : "")}: {clicks:N0} clicks on {links:N0} link(s) in {seconds:F2} s ({clicks / seconds:N0} clicks/s), " +
                    $"{cpu.TotalMicroseconds / clicks:F2} us CPU and {allocated / clicks:N0} bytes allocated per click, " +
                    $"{pipeline.AppliedClicks - applied:N0} applied, {compiled} methods compiled meanwhile ({jitTime.TotalMilliseconds:F0} ms), " +
                    $"{GC.CollectionCount(0)} gen0 / {GC.CollectionCount(2)} gen2 collections so far");
                if (sampler is not null)
                {
                    sampler.Counting = false;
                    Console.WriteLine("   allocated per click, by type (sampled):");
                    foreach (var line in sampler.Top(15, clicks))
                        Console.WriteLine("     " + line);
                }
            }
            if (events is not null)
                await events.StopAsync(CancellationToken.None);
            await pipeline.StopAsync(CancellationToken.None);
            return 0;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
