using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Redirector.Catalog;
using Redirector.Links;

namespace Redirector.Benchmarks.Growth;

/// <summary>
/// cold-links N catalogue.db [concurrency]: the read-through of links the cache does not hold, without HTTP. The
/// catalogue's services are built as the app builds them (<see cref="CatalogServices.AddCatalog"/>, SQLite), and N
/// random seeded slugs (prefix "s", as seed-links names them) are each looked up once through
/// <see cref="LinkCacheLookup.FindAsync"/> by <c>concurrency</c> loops (1 by default): latency per lookup (p50, p99,
/// max), process CPU and bytes allocated per lookup, after a warm-up of 2,000 lookups for the JIT.
/// </summary>
public static class ColdLinks
{
    public static int Run(string[] args)
    {
        if (args.Length < 2 || !int.TryParse(args[0], CultureInfo.InvariantCulture, out var count) || count < 1)
        {
            Console.Error.WriteLine("usage: cold-links N catalogue.db [concurrency]");
            return 1;
        }
        var concurrency = args.Length > 2 && int.TryParse(args[2], CultureInfo.InvariantCulture, out var c) && c > 0 ? c : 1;
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration["ConnectionStrings:Catalog"] = $"Data Source={args[1]}";
        builder.Configuration["Catalog:Cache:Capacity"] = "100000000";
        builder.AddCatalog();
        using var services = builder.Services.BuildServiceProvider();
        var lookup = services.GetRequiredService<LinkCacheLookup>();
        var cache = services.GetRequiredService<LinkCache>();
        int links;
        using (var db = services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<CatalogDb>>().CreateDbContext())
            links = db.Links.Count();

        // Distinct random slugs, so every lookup misses.
        var random = new Random(19);
        var order = Enumerable.Range(0, links).ToArray();
        random.Shuffle(order);
        var warmUp = Math.Min(2_000, links / 2);
        count = Math.Min(count, links - warmUp);
        Measure(lookup, cache, order.AsSpan(0, warmUp).ToArray(), concurrency);
        var slugs = order.AsSpan(warmUp, count).ToArray();

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var started = Stopwatch.GetTimestamp();
        var latencies = Measure(lookup, cache, slugs, concurrency);
        var wall = Stopwatch.GetElapsedTime(started);
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Array.Sort(latencies);
        double Ms(double q) => latencies[Math.Min(latencies.Length - 1, (int)(q * latencies.Length))] * 1000.0 / Stopwatch.Frequency;
        Console.WriteLine($"cold-links: {count:N0} lookups of {links:N0} links, {concurrency} at a time: {count / wall.TotalSeconds:F0}/s, " +
            $"p50 {Ms(0.50):F3} ms, p99 {Ms(0.99):F3} ms, max {Ms(1.0):F3} ms; " +
            $"{cpu.TotalMicroseconds / count:F1} us CPU and {allocated / count:N0} bytes allocated per lookup; {lookup.Queries:N0} queries");
        return 0;
    }

    private static long[] Measure(LinkCacheLookup lookup, LinkCache cache, int[] slugs, int concurrency)
    {
        var latencies = new long[slugs.Length];
        var next = -1;
        var loops = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < slugs.Length)
            {
                var started = Stopwatch.GetTimestamp();
                var found = await lookup.FindAsync(cache.Default, SeedLinks.SlugOf("s", slugs[i]));
                latencies[i] = Stopwatch.GetTimestamp() - started;
                if (found.Target is null)
                    throw new InvalidOperationException($"s{slugs[i]:D7} was not found (unavailable: {found.Unavailable})");
            }
        })).ToArray();
        Task.WaitAll(loops);
        return latencies;
    }
}
