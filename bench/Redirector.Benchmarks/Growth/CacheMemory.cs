using System.Globalization;
using Microsoft.Extensions.Options;
using Redirector.Links;

namespace Redirector.Benchmarks.Growth;

/// <summary>
/// cache-memory N: the managed memory one cached link costs, measured as the growth of the heap (after full
/// collections) when N links like the seeded ones are loaded into a <see cref="LinkCache"/>. The Link entities are
/// dropped as the app drops them after loading; only the cache's own objects remain.
/// </summary>
public static class CacheMemory
{
    public static int Run(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var before = SettledHeap();
        var cache = new LinkCache(new ClickAllowances(Options.Create(new ClickAllowanceOptions())), Options.Create(new RedirectorOptions()),
            Options.Create(new LinkCacheOptions { Capacity = Math.Max(count, 10) }), TimeProvider.System);
        var now = DateTime.UtcNow;
        for (var i = 0; i < count; i++)
        {
            cache.Upsert(new Link
            {
                Id = i + 1,
                Slug = SeedLinks.SlugOf("s", i),
                Destination = string.Create(CultureInfo.InvariantCulture,
                    $"https://shop{i % 100}.example.com/products/{i}{(i % 3 == 0 ? "?ref=seed&color=blue" : "")}"),
                Utm = new UtmTags { Source = "seed", Medium = "email", Campaign = string.Create(CultureInfo.InvariantCulture, $"campaign-{i % 1000}") },
                CreatedAt = now,
                UpdatedAt = now,
            });
        }
        var after = SettledHeap();
        GC.KeepAlive(cache);
        Console.WriteLine($"cache-memory: {cache.Count:N0} links, heap +{(after - before) / 1048576.0:F1} MiB, " +
            $"{(double)(after - before) / count:F0} bytes per cached link");
        return 0;
    }

    private static long SettledHeap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
