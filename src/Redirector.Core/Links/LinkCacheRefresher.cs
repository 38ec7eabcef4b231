using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Redirector.Catalog;
using Redirector.Domains;
using Redirector.Sites;

namespace Redirector.Links;

/// <summary>The link cache's settings (section <c>Catalog:Cache</c>; docs/links.md, "The link cache").</summary>
public sealed class LinkCacheOptions
{
    /// <summary>How often the change log is polled; a change on another node shows here within this time.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long change rows are kept before any node prunes them.</summary>
    public TimeSpan ChangeRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Links a node holds in memory (about 1 KB each); past it the least recently used are evicted down to 90%, and
    /// read back from the catalogue on their next visit.
    /// </summary>
    [Range(10, 500_000_000)]
    public int Capacity { get; set; } = 1_000_000;

    /// <summary>Most recent links loaded in the background after start; null for 90% of <see cref="Capacity"/>, 0 for none.</summary>
    [Range(0, 500_000_000)]
    public int? WarmLinks { get; set; }

    /// <summary>
    /// How long after the server starts listening the warm-up and the build of the slug filter begin. Both read the
    /// whole catalogue and, at a million links, take both cores of a small node for ~20 s; waiting leaves the first
    /// seconds (JIT, first visits) to serving, so a node answers within 3 s of start whatever the catalogue's size
    /// (issue 19). Visits in the meantime read their links through the catalogue.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan WarmDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a slug the catalogue did not have is answered as unknown without asking again.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan UnknownTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Unknown slugs remembered at most, apart from the links (about 150 bytes each).</summary>
    [Range(0, 100_000_000)]
    public int UnknownCapacity { get; set; } = 100_000;

    /// <summary>How long a visit waits for the catalogue on a miss before it is answered 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan LookupTimeout { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Keeps the <see cref="LinkCache"/> (and the <see cref="SiteCache"/>) in step with the catalogue. Before the server
/// listens it loads only the domains and the sites, whatever the number of links. Then, in the background: it warms
/// the cache with the most recent links, builds the filter of every (domain, slug), evicts past the capacity, and
/// polls the change log so changes made on other nodes arrive within <see cref="LinkCacheOptions.PollInterval"/>.
/// </summary>
public sealed partial class LinkCacheRefresher(
    IDbContextFactory<CatalogDb> dbFactory,
    LinkCache cache,
    ClickAllowances allowances,
    SiteCache sites,
    IOptions<LinkCacheOptions> options,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<LinkCacheRefresher> logger) : BackgroundService
{
    // Ids come from a sequence but commit out of order under concurrent writers, so each poll looks back
    // this many ids and skips the ones it already applied.
    private const int Lookback = 256;

    private long _watermark;
    private long _startWatermark;
    private readonly HashSet<long> _applied = [];
    private DateTime _lastPrune;
    private Task _filterBuild = Task.CompletedTask;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            _watermark = _startWatermark = await db.Changes.MaxAsync(c => (long?)c.Id, cancellationToken) ?? 0;
            // Domains before any link: a link's domain answers (its expired URL) must be there for its first visitor.
            await foreach (var domain in db.Domains.AsNoTracking().AsAsyncEnumerable().WithCancellation(cancellationToken))
                cache.SetDomain(domain);
            await sites.LoadAllAsync(db, cancellationToken);
        }
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sweeper = Task.Run(() => SweepAsync(stoppingToken), stoppingToken);
        // The warm-up and the filter read the whole catalogue: only once the server has listened for WarmDelay, so
        // that they do not take the cores the rest of the start-up and the first visits need.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var whenStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        var serving = Task.Run(async () =>
        {
            await started.Task.WaitAsync(stoppingToken);
            await Task.Delay(options.Value.WarmDelay, time, stoppingToken);
        }, stoppingToken);
        var warm = Task.Run(async () => { await serving; await WarmAsync(stoppingToken); }, stoppingToken);
        _filterBuild = Task.Run(async () => { await serving; await BuildFilterAsync(stoppingToken); }, stoppingToken);
        using var timer = new PeriodicTimer(options.Value.PollInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            cache.Tick();
            try
            {
                await ApplyChangesAsync(stoppingToken);
                await PruneAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPollFailed(logger, ex);
            }
            if (_filterBuild.IsCompleted && cache.Filter is { } filter && filter.Added > filter.Expected)
                _filterBuild = Task.Run(() => BuildFilterAsync(stoppingToken), stoppingToken);
        }
        await Task.WhenAll(sweeper, warm, _filterBuild);
    }

    /// <summary>
    /// Loads the most recent links where the cache holds nothing yet, then reloads those that changed since start: a
    /// change the poller met while their row was on its way here found nothing to reload.
    /// </summary>
    internal async Task WarmAsync(CancellationToken ct)
    {
        var count = options.Value.WarmLinks ?? options.Value.Capacity / 10 * 9;
        if (count == 0)
            return;
        try
        {
            var started = time.GetTimestamp();
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var links = db.Links.AsNoTracking().OrderByDescending(l => l.Id).Take(count).Select(LinkCacheLookup.RedirectColumns);
            var warmed = 0;
            // Links with a maximum are held only once Redis said what is left of them (see LinkCacheLookup).
            var limited = new List<Link>();
            await foreach (var link in links.AsAsyncEnumerable().WithCancellation(ct))
            {
                if (link.MaxClicks is not null)
                {
                    limited.Add(link);
                    continue;
                }
                cache.Add(link, epoch: null);
                warmed++;
            }
            await allowances.WhenKnownAsync([.. limited.Select(l => allowances.For(l)!)]);
            foreach (var link in limited)
                cache.Add(link, epoch: null);
            warmed += limited.Count;
            var changed = await db.Changes.AsNoTracking().Where(c => c.Id > _startWatermark)
                .Select(c => new { c.Domain, c.Slug }).Distinct().ToListAsync(ct);
            await ReloadAsync(db, [.. changed.Select(c => (c.Domain, c.Slug))], ct);
            LogWarmed(logger, warmed, time.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not fatal: visits read their links through until the cache is warm by use.
            LogWarmFailed(logger, ex);
        }
    }

    /// <summary>Reads every (domain, slug) of the catalogue into a new filter; retried while the catalogue does not answer.</summary>
    internal async Task BuildFilterAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var started = time.GetTimestamp();
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                var count = await db.Links.LongCountAsync(ct);
                // Room for a quarter more links before the rate of false positives rises past 1% and it is rebuilt.
                var filter = new LinkFilter(count + count / 4 + 100_000);
                cache.BeginFilter(filter);
                await foreach (var key in db.Links.AsNoTracking().Select(l => new { l.Domain, l.Slug }).AsAsyncEnumerable().WithCancellation(ct))
                    filter.Add(key.Domain, key.Slug);
                cache.PublishFilter(filter);
                LogFilterBuilt(logger, count, filter.Bytes / 1048576.0, time.GetElapsedTime(started).TotalMilliseconds);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFilterFailed(logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(5), time, ct);
            }
        }
    }

    private async Task SweepAsync(CancellationToken ct)
    {
        while (await cache.WaitOverCapacityAsync(ct))
        {
            var started = time.GetTimestamp();
            var evicted = cache.Sweep();
            if (evicted > 0)
                LogEvicted(logger, evicted, cache.Count, time.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    internal async Task ApplyChangesAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var from = _watermark - Lookback;
        var changes = await db.Changes.AsNoTracking().Where(c => c.Id > from).OrderBy(c => c.Id)
            .Select(c => new { c.Id, c.Slug, c.Domain }).ToListAsync(ct);
        var keys = changes.Where(c => !_applied.Contains(c.Id)).Select(c => (c.Domain, c.Slug)).Distinct().ToList();
        if (keys.Where(k => SiteCache.IsSiteChange(k.Slug)).Select(k => k.Slug).ToList() is { Count: > 0 } siteChanges)
        {
            await sites.RefreshAsync(db, siteChanges, ct);
            keys.RemoveAll(k => SiteCache.IsSiteChange(k.Slug));
        }
        if (keys.Where(k => k.Slug == DomainCatalog.ChangeKey).Select(k => k.Domain).ToList() is { Count: > 0 } hosts)
        {
            // Before the links: a link of a new domain may be in the same poll.
            var domains = await db.Domains.AsNoTracking().Where(d => hosts.Contains(d.Host)).ToDictionaryAsync(d => d.Host, ct);
            foreach (var host in hosts)
            {
                if (domains.TryGetValue(host, out var domain))
                    cache.SetDomain(domain);
                else
                    cache.RemoveDomain(host);
            }
            keys.RemoveAll(k => k.Slug == DomainCatalog.ChangeKey);
        }
        await ReloadAsync(db, keys, ct);
        foreach (var change in changes)
        {
            _applied.Add(change.Id);
            _watermark = Math.Max(_watermark, change.Id);
        }
        _applied.RemoveWhere(id => id <= _watermark - Lookback);
    }

    /// <summary>
    /// Applies changed links: every one forgets its unknown mark and enters the filter (it may be new); those held
    /// here are read again, and the others are left to their next visit.
    /// </summary>
    private async Task ReloadAsync(CatalogDb db, List<(string Domain, string Slug)> keys, CancellationToken ct)
    {
        // Touched before the residency check, so a read-through that read the old row either sees the epoch move
        // (and holds nothing) or has put it in the cache already, where the check below finds it.
        foreach (var (domain, slug) in keys)
            cache.Touch(domain, slug);
        keys = [.. keys.Where(k => cache.Contains(k.Domain, k.Slug))];
        if (keys.Count == 0)
            return;
        var links = (await HeldLinks(db, keys).ToListAsync(ct)).ToDictionary(l => (l.Domain, l.Slug));
        foreach (var key in keys.Where(k => !links.ContainsKey(k)))
            cache.Remove(key.Domain, key.Slug);
        await cache.UpsertAsync(links.Values);
    }

    /// <summary>The rows of <paramref name="keys"/>, with the columns a redirect needs (see <see cref="LinkKeyQueries.AmongKeys"/>).</summary>
    internal static IQueryable<Link> HeldLinks(CatalogDb db, IReadOnlyCollection<(string Domain, string Slug)> keys) =>
        db.Links.AsNoTracking().AmongKeys(keys).Select(LinkCacheLookup.RedirectColumns);

    private async Task PruneAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (now - _lastPrune < TimeSpan.FromHours(1))
            return;
        _lastPrune = now;
        var cutoff = now - options.Value.ChangeRetention;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Changes.Where(c => c.At < cutoff).ExecuteDeleteAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Link cache warmed with {Count} links in {Milliseconds:F0} ms")]
    private static partial void LogWarmed(ILogger logger, int count, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Warming the link cache failed; links are read as they are visited")]
    private static partial void LogWarmFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Link filter built over {Count} links ({MiB:F1} MiB) in {Milliseconds:F0} ms")]
    private static partial void LogFilterBuilt(ILogger logger, long count, double miB, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Building the link filter failed; retrying in 5 s (until then every miss asks the catalogue)")]
    private static partial void LogFilterFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Link cache evicted {Evicted} least recently used links, {Count} left, in {Milliseconds:F0} ms")]
    private static partial void LogEvicted(ILogger logger, int evicted, int count, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling the catalogue for link changes failed; retrying")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}
