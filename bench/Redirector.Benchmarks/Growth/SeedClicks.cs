using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;
using Redirector.Clicks;
using Redirector.Stats;
using Redirector.Benchmarks.HotPath;

namespace Redirector.Benchmarks.Growth;

/// <summary>
/// seed-clicks N host:port: writes N clicks spread over 90 days through the real pipeline classes (ClickEnricher,
/// ClickBatchBuilder, RedisClickWriter) into Redis, then prints Redis' memory and the latency of 30-day link stats.
/// The target is 10,000,000 clicks over 10,000 links; a smaller N keeps that density (1,000 clicks per link) on
/// N / 1,000 links, so the per-link keys, which are nearly all the memory, scale linearly to the full catalogue.
/// </summary>
public static class SeedClicks
{
    private const long TargetClicks = 10_000_000;
    private const int TargetLinks = 10_000;
    private const int Days = 90;
    private const int StatsReads = 200;

    private static readonly string[] Agents =
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    ];

    private static readonly string?[] Referrers =
    [
        null, null, "https://www.google.com/", "https://news.example.org/2026/spring", "https://t.co/abc123",
        "https://www.facebook.com/", "https://mail.example.net/inbox", "https://blog.example.com/posts/launch?utm_source=rss",
    ];

    public static int Run(string[] args)
    {
        if (args.Length < 2 || !long.TryParse(args[0], CultureInfo.InvariantCulture, out var clicks) || clicks <= 0)
        {
            Console.Error.WriteLine("usage: seed-clicks N host:port");
            return 1;
        }
        return RunAsync(clicks, args[1]).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(long clicks, string redisAddress)
    {
        var links = (int)Math.Clamp(TargetLinks * clicks / TargetClicks, 1, TargetLinks);
        using var redis = await StandaloneParts.ConnectAsync("seed-clicks", redisAddress + ",allowAdmin=true");
        if (redis?.Multiplexer is not { } mux)
            return 1;
        var options = new AnalyticsOptions();
        var redisOptions = new RedisOptions();
        var keys = new StatsKeys(Options.Create(redisOptions));
        var visitors = StandaloneParts.Visitors();
        var enricher = StandaloneParts.Enricher(visitors);
        var writer = new RedisClickWriter(redis, keys, Options.Create(options));

        var server = mux.GetServer(mux.GetEndPoints()[0]);
        var cpuBefore = RedisCpuSeconds(server);
        var random = new Random(7);
        var end = DateTime.UtcNow;
        var start = end.AddDays(-Days);
        var step = (end - start).Ticks / clicks;
        var started = Stopwatch.GetTimestamp();
        Task pending = Task.CompletedTask;
        long sequence = 0;
        for (long done = 0; done < clicks;)
        {
            // Time moves forward through the 90 days as it does for a live node: each batch covers a few minutes.
            var builder = new ClickBatchBuilder();
            for (var i = 0; i < options.BatchSize && done < clicks; i++, done++)
            {
                var time = start.AddTicks(step * done);
                await visitors.PrepareAsync(StatsKeys.DayOf(time), CancellationToken.None);
                var link = random.Next(links) + 1;
                builder.Add(enricher.Enrich(new RawClick
                {
                    Time = time,
                    LinkId = link,
                    DestinationDomain = "shop" + (link % 100).ToString(CultureInfo.InvariantCulture) + ".example.com",
                    LinkUtm = new Links.UtmTags { Source = "seed", Medium = "email", Campaign = "campaign-" + (link % 1000).ToString(CultureInfo.InvariantCulture) },
                    Query = random.Next(10) == 0 ? "?utm_source=twitter" : null,
                    UserAgent = Agents[random.Next(Agents.Length)],
                    Referrer = Referrers[random.Next(Referrers.Length)],
                    ClientAddress = new IPAddress(random.Next(1_000_000) + 0x0A000000L),
                }));
            }
            var batch = builder.Build("seed", ++sequence);
            await pending;
            pending = writer.ApplyAsync(batch);
        }
        await pending;
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var cpu = RedisCpuSeconds(server) - cpuBefore;
        Console.WriteLine($"   seed-clicks: {clicks:N0} clicks over {links:N0} links and {Days} days in {seconds:F0} s " +
            $"({clicks / seconds:N0} clicks/s through enrichment, aggregation and Redis; {sequence:N0} batches); " +
            $"Redis CPU {cpu:F1} s = {cpu / clicks * 100_000:F2} s per 100,000 clicks spread this thin");

        var reader = new StatsReader(redis, keys, Options.Create(options));
        var today = DateOnly.FromDateTime(end);
        var timings = new double[StatsReads];
        for (var i = -StatsReads / 10; i < StatsReads; i++)
        {
            var link = StatsSubject.Link(random.Next(links) + 1);
            var t = Stopwatch.GetTimestamp();
            var stats = await reader.ReadAsync(link, today.AddDays(-29), today);
            if (i >= 0)
                timings[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            GC.KeepAlive(stats);
        }
        Array.Sort(timings);
        Console.WriteLine($"   30-day stats of one link (StatsReader.ReadAsync, {StatsReads} random links after {StatsReads / 10} warm-up reads, " +
            $"sequential): p50 {timings[StatsReads / 2]:F2} ms, p99 {timings[StatsReads * 99 / 100 - 1]:F2} ms, max {timings[^1]:F2} ms");

        // Per-link keys are what grows with the catalogue; the global, domain and page keys are shared. Deleting the
        // per-link keys shows their share, which is then scaled to 10,000 links.
        var total = UsedMemory(server);
        var keyCount = server.DatabaseSize();
        var db = mux.GetDatabase();
        foreach (var chunk in server.Keys(pattern: redisOptions.KeyPrefix + ":{l:*", pageSize: 1000).Chunk(1000))
            await db.KeyDeleteAsync(chunk);
        var perLink = (double)(total - UsedMemory(server)) / links;
        var extrapolated = total + perLink * (TargetLinks - links);
        Console.WriteLine($"   Redis: {keyCount:N0} keys, used_memory {total / 1048576.0:F0} MiB, of which {perLink / 1024:F1} KiB per link " +
            $"({perLink / Days:F0} bytes per link and day)");
        if (links < TargetLinks)
            Console.WriteLine($"   extrapolated to {TargetClicks:N0} clicks over {TargetLinks:N0} links (same clicks per link and day): " +
                $"used_memory ~{extrapolated / 1048576.0:F0} MiB");
        return 0;
    }

    private static long UsedMemory(StackExchange.Redis.IServer server) =>
        long.Parse(Info(server, "memory")["used_memory"], CultureInfo.InvariantCulture);

    private static double RedisCpuSeconds(StackExchange.Redis.IServer server)
    {
        var cpu = Info(server, "cpu");
        return double.Parse(cpu["used_cpu_sys"], CultureInfo.InvariantCulture) + double.Parse(cpu["used_cpu_user"], CultureInfo.InvariantCulture);
    }

    private static Dictionary<string, string> Info(StackExchange.Redis.IServer server, string section) =>
        server.Info(section).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
}
