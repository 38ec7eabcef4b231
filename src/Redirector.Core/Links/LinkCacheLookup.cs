using System.Collections.Concurrent;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Redirector.Catalog;

namespace Redirector.Links;

/// <summary>What a lookup of a slug the cache did not hold found: the link, nothing, or a catalogue that did not answer.</summary>
/// <param name="Target">The link's entry; null for an unknown slug or when <paramref name="Unavailable"/>.</param>
/// <param name="Unavailable">The catalogue failed or did not answer within <see cref="LinkCacheOptions.LookupTimeout"/>.</param>
public readonly record struct LinkLookup(RedirectTarget? Target, bool Unavailable);

/// <summary>
/// The read-through behind <see cref="LinkCache"/>: a slug the cache does not hold is looked up in the catalogue with one
/// compiled query on the unique (domain, slug) index, selecting only what a redirect needs. Unknown slugs are answered
/// from the cache's unknown marks or its filter when they can be; concurrent misses for one slug share one query; a
/// catalogue that fails or is slow answers <see cref="LinkLookup.Unavailable"/> within the timeout, and nothing is
/// cached from it.
/// </summary>
public sealed partial class LinkCacheLookup(
    [FromKeyedServices(LinkCacheLookup.ContextsKey)] IDbContextFactory<CatalogDb> dbFactory,
    LinkCache cache,
    ClickAllowances allowances,
    IOptions<LinkCacheOptions> options,
    ILogger<LinkCacheLookup> logger)
{
    /// <summary>The service key of the pooled context factory the lookup uses (registered by <see cref="CatalogServices.AddCatalog"/>).</summary>
    public const string ContextsKey = "link-lookup";

    /// <summary>The columns a redirect needs: tags (JSON), title and timestamps stay in the database.</summary>
    internal static readonly Expression<Func<Link, Link>> RedirectColumns = l => new Link
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
    };

    // Per instance, not static: a compiled query keeps the SQL of the first provider it ran on, and one process may
    // hold nodes on SQLite and on PostgreSQL (the tests do).
    private readonly Func<CatalogDb, string, string, CancellationToken, Task<Link?>> _find = EF.CompileAsyncQuery(
        (CatalogDb db, string domain, string slug, CancellationToken ct) =>
            db.Links.AsNoTracking().Where(l => l.Domain == domain && l.Slug == slug).Select(RedirectColumns).FirstOrDefault());

    private static readonly Task<LinkLookup> Unknown = Task.FromResult(new LinkLookup(null, false));

    private readonly ConcurrentDictionary<(string Domain, string Slug), Task<LinkLookup>> _inFlight = new();
    private long _queries;

    /// <summary>Queries this node sent to the catalogue for missed slugs since start (the <c>catalogueLookups</c> of /readyz).</summary>
    public long Queries => Interlocked.Read(ref _queries);

    /// <summary>
    /// The link for <paramref name="slug"/> on <paramref name="domain"/>, read from the catalogue and held when the cache
    /// missed. Never throws; answers without a query when the slug is known to be unknown.
    /// </summary>
    public Task<LinkLookup> FindAsync(DomainLinks domain, string slug)
    {
        if (domain.TryGet(slug, out var held))
            return Task.FromResult(new LinkLookup(held, false));
        if (cache.IsKnownUnknown(domain.Key, slug) || !cache.MayExist(domain.Key, slug))
            return Unknown;
        var key = (domain.Key, slug);
        if (_inFlight.TryGetValue(key, out var running))
            return running;
        var lookup = new TaskCompletionSource<LinkLookup>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_inFlight.TryAdd(key, lookup.Task))
            return _inFlight.TryGetValue(key, out running) ? running : FindAsync(domain, slug);
        _ = QueryAsync(key, lookup);
        return lookup.Task;
    }

    private async Task QueryAsync((string Domain, string Slug) key, TaskCompletionSource<LinkLookup> lookup)
    {
        // No yield: the request that missed first runs the query on its own thread (Microsoft.Data.Sqlite's "async"
        // calls run synchronously) and finds the lookup done when it returns; a hop to another thread first cost each
        // miss two thread-pool queues, the longest part of its latency on a busy machine.
        var epoch = cache.Epoch;
        LinkLookup result;
        try
        {
            Interlocked.Increment(ref _queries);
            using var timeout = new CancellationTokenSource(options.Value.LookupTimeout);
            await using var db = await dbFactory.CreateDbContextAsync(timeout.Token);
            var link = await _find(db, key.Domain, key.Slug, timeout.Token);
            if (link is null)
                cache.AddUnknown(key.Domain, key.Slug, epoch);
            // A change applied while the query ran may be newer than the row read: then the row serves this request only.
            result = new LinkLookup(link is null ? null : cache.Add(link, epoch), false);
            // The first visit of a link with a maximum since start learns what is left before it takes a click, so
            // that a node restarted after a graceful stop does not redirect its optimistic lease again.
            if (result.Target?.Allowance is { IsKnown: false } allowance)
                await allowances.WhenKnownAsync([allowance]);
        }
        catch (Exception ex)
        {
            LogLookupFailed(logger, key.Domain, key.Slug, ex);
            result = new LinkLookup(null, true);
        }
        _inFlight.TryRemove(new KeyValuePair<(string, string), Task<LinkLookup>>(key, lookup.Task));
        lookup.SetResult(result);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking up link {Domain}/{Slug} in the catalogue failed; answering 503")]
    private static partial void LogLookupFailed(ILogger logger, string domain, string slug, Exception exception);
}
