using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Redirector.Catalog;
using Redirector.Domains;
using Redirector.Sites;

namespace Redirector.Links;

public sealed class LinkCacheOptions
{
    /// <summary>How often the change log is polled; a change on another node shows here within this time.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long change rows are kept before any node prunes them.</summary>
    public TimeSpan ChangeRetention { get; set; } = TimeSpan.FromDays(1);
}

/// <summary>
/// Loads every link into the <see cref="LinkCache"/> (and every site into the <see cref="SiteCache"/>) before the
/// server starts listening, then polls the change log so changes made on other nodes arrive within
/// <see cref="LinkCacheOptions.PollInterval"/>.
/// </summary>
public sealed partial class LinkCacheRefresher(
    IDbContextFactory<CatalogDb> dbFactory,
    LinkCache cache,
    SiteCache sites,
    IOptions<LinkCacheOptions> options,
    TimeProvider time,
    ILogger<LinkCacheRefresher> logger) : BackgroundService
{
    // Ids come from a sequence but commit out of order under concurrent writers, so each poll looks back
    // this many ids and skips the ones it already applied.
    private const int Lookback = 256;

    private long _watermark;
    private readonly HashSet<long> _applied = [];
    private DateTime _lastPrune;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await LoadAllAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    internal async Task LoadAllAsync(CancellationToken ct)
    {
        var started = time.GetTimestamp();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        _watermark = await db.Changes.MaxAsync(c => (long?)c.Id, ct) ?? 0;
        // Only what a redirect needs: tags (JSON), title and timestamps are left in the database, which matters
        // when a catalogue of a million links is read before the server may listen.
        // Domains first: a link's domain answers (its expired URL) must be there when its first visitor comes.
        await foreach (var domain in db.Domains.AsNoTracking().AsAsyncEnumerable().WithCancellation(ct))
            cache.SetDomain(domain);
        // Disabled links too: a refused visit is sent to the link's or its domain's expired URL.
        var links = db.Links.AsNoTracking().Select(l => new Link
        {
            Id = l.Id,
            Slug = l.Slug,
            Domain = l.Domain,
            Destination = l.Destination,
            Utm = l.Utm,
            RedirectType = l.RedirectType,
            Enabled = l.Enabled,
            ExpiresAt = l.ExpiresAt,
            ValidFrom = l.ValidFrom,
            MaxClicks = l.MaxClicks,
            ExpiredUrl = l.ExpiredUrl,
            PasswordHash = l.PasswordHash,
            Rules = l.Rules,
            Variants = l.Variants,
            Preview = l.Preview,
        });
        // Reading rows and preparing redirect targets overlap on separate cores: with a million links each half
        // takes seconds, and the server may not listen before both are done.
        var rows = Channel.CreateBounded<Link>(new BoundedChannelOptions(10_000) { SingleWriter = true });
        var builders = Enumerable.Range(0, Math.Max(1, Environment.ProcessorCount - 1))
            .Select(_ => Task.Run(async () =>
            {
                await foreach (var link in rows.Reader.ReadAllAsync(ct))
                    cache.Upsert(link);
            }, ct))
            .ToArray();
        try
        {
            await foreach (var link in links.AsAsyncEnumerable().WithCancellation(ct))
                await rows.Writer.WriteAsync(link, ct);
        }
        finally
        {
            rows.Writer.Complete();
        }
        await Task.WhenAll(builders);
        await sites.LoadAllAsync(db, ct);
        LogLoaded(logger, cache.Count, time.GetElapsedTime(started).TotalMilliseconds);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await ApplyChangesAsync(stoppingToken);
                await PruneAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPollFailed(logger, ex);
            }
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
        if (keys.Count > 0)
        {
            // Slugs are matched in SQL and (domain, slug) pairs here: one query whatever the number of domains.
            var slugs = keys.Select(k => k.Slug).Distinct().ToList();
            var links = (await db.Links.AsNoTracking().Where(l => slugs.Contains(l.Slug)).ToListAsync(ct))
                .ToDictionary(l => (l.Domain, l.Slug));
            foreach (var key in keys)
            {
                if (links.TryGetValue(key, out var link))
                    cache.Upsert(link);
                else
                    cache.Remove(key.Domain, key.Slug);
            }
        }
        foreach (var change in changes)
        {
            _applied.Add(change.Id);
            _watermark = Math.Max(_watermark, change.Id);
        }
        _applied.RemoveWhere(id => id <= _watermark - Lookback);
    }

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Link cache loaded {Count} links in {Milliseconds:F0} ms")]
    private static partial void LogLoaded(ILogger logger, int count, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling the catalogue for link changes failed; retrying")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}
