using System.Net;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Redirector.Clicks;
using Redirector.Geo;
using Redirector.UserAgents;
using Redirector.Links;

namespace Redirector.Benchmarks.HotPath;

/// <summary>
/// The pieces of a counted redirect, on the request thread (lookup, Location, click hand-off) and in the pipeline
/// (enrichment, batch aggregation). Run: bdn --filter *HotPath* --job short.
/// </summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private const int BatchClicks = 500;
    private const int SpreadWindowClicks = 20_000;
    private const string Path = "/bench";

    private readonly LinkCache _cache = new(new ClickAllowances(Options.Create(new ClickAllowanceOptions())), Options.Create(new RedirectorOptions()),
        Options.Create(new LinkCacheOptions()), TimeProvider.System);
    private RedirectTarget _target = null!;
    private RedirectTarget _ruled = null!;
    private TargetChooser _chooser = null!;
    private ClickQueue _queue = null!;
    private ClickTracker _tracker = null!;
    private DefaultHttpContext _context = null!;
    private ClickEnricher _enricher = null!;
    private RawClick _raw = null!;
    private Click[] _clicks = [];
    private StatsKeys _keys = null!;
    private AnalyticsOptions _options = null!;
    private List<ClickBatch> _spreadWindow = [];
    private RedisBatchPlanner _spreadPlanner = null!;

    [GlobalSetup]
    public void Setup()
    {
        var now = DateTime.UtcNow;
        for (var i = 0; i < 10_000; i++)
            _cache.Upsert(Link("r" + i.ToString("D7", System.Globalization.CultureInfo.InvariantCulture), "https://shop.example.com/p/" + i, now));
        _cache.Upsert(Link("bench", "https://www.example.com/landing/spring?ref=bench", now));
        _cache.TryGet(DomainLinks.DefaultKey, "bench", out _target);

        _options = new AnalyticsOptions();
        _queue = new ClickQueue(Options.Create(_options));
        _tracker = new ClickTracker(_queue, TimeProvider.System, Options.Create(_options));
        _context = new DefaultHttpContext();
        _context.Request.Method = HttpMethods.Get;
        _context.Request.Path = Path;
        _context.Request.Headers.UserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        _context.Request.Headers.Referer = "https://news.example.org/2026/11/spring-collection?utm_source=rss";
        _context.Connection.RemoteIpAddress = IPAddress.Loopback;

        // No catalogue: the hasher falls back to a local salt, which is all a benchmark needs.
        var visitors = StandaloneParts.Visitors();
        visitors.PrepareAsync(StatsKeys.DayOf(now), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        _enricher = StandaloneParts.Enricher(visitors);
        _tracker.Track(_context, _target);
        _queue.Reader.TryRead(out var queued);
        _raw = (RawClick)queued!;

        // A batch as a busy link sees it: one link, one day, a few referrers and agents, many visitors.
        var agents = new[]
        {
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
        };
        _clicks = [.. Enumerable.Range(0, BatchClicks).Select(i => _enricher.Enrich(new RawClick
        {
            Time = now,
            LinkId = _target.LinkId,
            DestinationDomain = _target.Domain,
            LinkUtm = _target.Utm,
            UserAgent = agents[i % agents.Length],
            Referrer = "https://site" + (i % 5) + ".example.org/",
            ClientAddress = new IPAddress([10, 0, (byte)(i / 256), (byte)i]),
        }))];
        _keys = new StatsKeys(Options.Create(new RedisOptions()));

        // A counting window of clicks spread over 10,000 links at random, as bench/run.sh's 10,000-link row makes
        // them: one browser and referrer, so each click is a group of its own, in batches of 200.
        var random = new Random(10_000);
        for (var sequence = 1; sequence <= SpreadWindowClicks / 200; sequence++)
        {
            var builder = new ClickBatchBuilder();
            for (var i = 0; i < 200; i++)
            {
                var link = random.Next(10_000);
                builder.Add(_enricher.Enrich(new RawClick
                {
                    Time = now, LinkId = link + 1, DestinationDomain = "shop.example.com", LinkUtm = new UtmTags(), UserAgent = agents[0],
                    Referrer = "https://news.example.org/2026/11/spring-collection", ClientAddress = IPAddress.Loopback,
                }));
            }
            _spreadWindow.Add(builder.Build("bench", sequence));
        }
        _spreadPlanner = new RedisBatchPlanner(_keys, _options);
        _spreadPlanner.Plan(_spreadWindow);

        // bench/run.sh's rule link: three rules the browser matches none of, then a 50/50 split by visitor hash.
        var ruled = Link("rules", "https://www.example.com/landing/spring", now);
        ruled.Rules =
        [
            new LinkRule { When = new RuleConditions { Os = ["iOS", "Android"] }, Url = "https://apps.example.com/" },
            new LinkRule { When = new RuleConditions { Country = ["DE", "AT"], Language = ["de"] }, Url = "https://www.example.de/" },
            new LinkRule { When = new RuleConditions { Query = new() { ["src"] = ["tv"] } }, Url = "https://www.example.com/tv" },
        ];
        ruled.Variants = [new LinkVariant { Url = "https://www.example.com/landing/a", Weight = 50 }, new LinkVariant { Url = "https://www.example.com/landing/b", Weight = 50 }];
        _cache.Upsert(ruled);
        _cache.TryGet(DomainLinks.DefaultKey, "rules", out _ruled);
        _context.Request.Headers.AcceptLanguage = "en-GB,en;q=0.9";
        _chooser = new TargetChooser(new CachedUserAgentParser(UserAgentParser.Default), GeoLookup.Open(GeoLookup.DefaultDatabasePath), visitors,
            TimeProvider.System, Options.Create(_options));
    }

    /// <summary>What a rule-and-variant link adds to a redirect: every rule tried, then the visitor's side of the split.</summary>
    [Benchmark]
    public RedirectTarget ChooseTarget() => _chooser.Choose(_context, _ruled);

    [Benchmark]
    public bool LinkLookup() => _cache.TryGet(DomainLinks.DefaultKey, Path.AsSpan(1), out _);

    [Benchmark]
    public string LocationWithoutQuery() => RedirectLocation.Build(_target, "");

    [Benchmark]
    public string LocationWithQuery() => RedirectLocation.Build(_target, "?utm_source=twitter&gclid=Cj0KCQiA");

    /// <summary>The click hand-off of the request thread: the prefetch check, the RawClick and the queue write.</summary>
    [Benchmark]
    public bool TrackClick()
    {
        _tracker.Track(_context, _target);
        return _queue.Reader.TryRead(out _);
    }

    [Benchmark]
    public Click Enrich() => _enricher.Enrich(_raw);

    /// <summary>A counting window of 20,000 clicks on 10,000 links (a group each) planned by a planner kept from window to window, per click.</summary>
    [Benchmark(OperationsPerInvoke = SpreadWindowClicks)]
    public IReadOnlyList<ScriptCall> PlanSpreadWindow() => _spreadPlanner.Plan(_spreadWindow);

    [Benchmark(OperationsPerInvoke = BatchClicks)]
    public IReadOnlyList<ScriptCall> AggregateBatch()
    {
        var builder = new ClickBatchBuilder();
        foreach (var click in _clicks)
            builder.Add(click);
        return new RedisBatchPlanner(_keys, _options).Plan(builder.Build("bench", 1));
    }

    private static Link Link(string slug, string destination, DateTime now) => new()
    {
        Id = slug.GetHashCode(StringComparison.Ordinal) & int.MaxValue,
        Slug = slug,
        Destination = destination,
        Utm = new UtmTags { Source = "newsletter", Medium = "email", Campaign = "spring-launch" },
        CreatedAt = now,
        UpdatedAt = now,
    };
}
