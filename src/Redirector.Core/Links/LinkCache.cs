using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Redirector.Domains;

namespace Redirector.Links;

/// <summary>
/// The in-memory copy of every short domain and of the links in use, read by the redirect handler without any I/O on
/// a hit: the request's host picks a <see cref="DomainLinks"/> and the slug its link, two dictionary lookups on spans.
/// Holds at most about <see cref="LinkCacheOptions.Capacity"/> links: a hit marks its entry used (one int write when
/// the clock moved), and past the capacity <see cref="Sweep"/> evicts the least recently used down to 90% in the
/// background. A miss is answered by <see cref="LinkCacheLookup"/>, which reads the catalogue once and remembers
/// unknown slugs here for <see cref="LinkCacheOptions.UnknownTtl"/>. <see cref="LinkCacheRefresher"/> warms it at start
/// and applies other nodes' changes; this node's own changes are applied directly by <see cref="LinkCatalog"/> and
/// <see cref="DomainCatalog"/>.
/// </summary>
public sealed class LinkCache
{
    // Registered hosts other than the default one; hosts compare case-insensitively (RFC 4343).
    private readonly ConcurrentDictionary<string, DomainLinks> _domains = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, DomainLinks>.AlternateLookup<ReadOnlySpan<char>> _domainsBySpan;
    private readonly ClickAllowances _allowances;
    private readonly LinkCacheOptions _options;
    private readonly TimeProvider _time;

    // Slugs the catalogue did not have, with the timestamp (TimeProvider) they may be asked for again; apart from
    // the links so that a scan of random slugs cannot evict hot links.
    private readonly ConcurrentDictionary<(string Domain, string Slug), long> _unknown = new();
    // One pending signal at most: inserts past the capacity while a sweep runs are served by the next one.
    private readonly Channel<bool> _overCapacity = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private int _count;
    private int _unknownCount;
    private int _clock;
    private long _epoch;
    private long _evictions;
    private LinkFilter? _filter;
    private LinkFilter? _building;

    public LinkCache(ClickAllowances allowances, IOptions<RedirectorOptions> options, IOptions<LinkCacheOptions> cacheOptions, TimeProvider time)
    {
        _allowances = allowances;
        _options = cacheOptions.Value;
        _time = time;
        _domainsBySpan = _domains.GetAlternateLookup<ReadOnlySpan<char>>();
        DefaultHost = options.Value.DefaultHost;
        Default = new DomainLinks(DomainLinks.DefaultKey, this);
    }

    /// <summary>The host of <c>Redirector:BaseUrl</c>, or null when it is not set (then every unregistered host is the default domain).</summary>
    public string? DefaultHost { get; }

    /// <summary>The default domain: links saved without a domain, and every host that is not registered.</summary>
    public DomainLinks Default { get; }

    /// <summary>Links held now (disabled ones included); kept with Interlocked, since ConcurrentDictionary.Count takes every lock.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Links held at most before the sweeper evicts (<see cref="LinkCacheOptions.Capacity"/>).</summary>
    public int Capacity => _options.Capacity;

    /// <summary>Unknown slugs remembered now.</summary>
    public int UnknownCount => Volatile.Read(ref _unknownCount);

    /// <summary>Links evicted for capacity since start.</summary>
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>Whether the filter of every link in the catalogue is built, so misses on slugs that do not exist skip the catalogue.</summary>
    public bool FilterReady => Volatile.Read(ref _filter) is not null;

    /// <summary>
    /// Moves on every change applied from the catalogue (this node's or another's). A read-through that saw it move
    /// while it queried may have read the row from before the change: it answers its request but caches nothing.
    /// </summary>
    public long Epoch => Interlocked.Read(ref _epoch);

    /// <summary>The current recently-used mark; entries used since <see cref="Tick"/> last moved it carry it.</summary>
    internal int Clock => Volatile.Read(ref _clock);

    /// <summary>
    /// The key a link's <c>Domain</c> column holds for <paramref name="host"/> (already normalised): empty for the default
    /// domain's host, so that links of the default domain survive a change of <c>Redirector:BaseUrl</c>.
    /// </summary>
    public string KeyOf(string host) => host.Length == 0 || string.Equals(host, DefaultHost, StringComparison.OrdinalIgnoreCase) ? DomainLinks.DefaultKey : host;

    /// <summary>The host shown for a domain key: the key itself, or for the default domain its host (null when BaseUrl is not set).</summary>
    public string? HostOf(string key) => key.Length == 0 ? DefaultHost : key;

    /// <summary>
    /// The domain a request's <c>Host</c> (after the trusted-proxy rules; port and trailing dot ignored) asks for: a
    /// registered domain, else the default domain. Allocation-free.
    /// </summary>
    public DomainLinks ForHost(ReadOnlySpan<char> host)
    {
        if (host.Length > 0 && host[0] != '[' && host.LastIndexOf(':') is var colon and >= 0)
            host = host[..colon];
        host = host.TrimEnd('.');
        return _domainsBySpan.TryGetValue(host, out var domain) && domain.Settings is not null ? domain : Default;
    }

    public bool TryGet(string domain, ReadOnlySpan<char> slug, out RedirectTarget target)
    {
        target = null!;
        return For(domain, create: false) is { } links && links.TryGet(slug, out target);
    }

    /// <summary>Whether the link is held now (without marking it used).</summary>
    public bool Contains(string domain, string slug) => For(domain, create: false)?.Holds(slug) == true;

    /// <summary>
    /// <see cref="Upsert"/> for links changed in the catalogue (here or on another node), each with a maximum applied
    /// only once Redis said what is left of it (<see cref="ClickAllowances.WhenKnownAsync"/>, at most
    /// <c>Links:MaxClicks:FirstReadTimeout</c>), as links read through or warmed are: a maximum given to a link that
    /// already has clicks must not start from an optimistic lease that ignores them. Until then the link answers as it
    /// did before the change.
    /// </summary>
    public async Task UpsertAsync(IReadOnlyCollection<Link> links)
    {
        var unknown = links.Select(_allowances.For).OfType<ClickAllowance>().Where(a => !a.IsKnown).ToList();
        if (unknown.Count > 0)
            await _allowances.WhenKnownAsync(unknown);
        foreach (var link in links)
            Upsert(link);
    }

    /// <summary>
    /// Applies a link saved in the catalogue (created or changed, here or on another node), disabled or not: a refused
    /// visit needs it to find its expired URL or its domain's. Forgets the slug as unknown.
    /// </summary>
    public void Upsert(Link link)
    {
        Interlocked.Increment(ref _epoch);
        Remember(link.Domain, link.Slug);
        ForgetUnknown(link.Domain, link.Slug);
        var links = For(link.Domain, create: true)!;
        if (links.Put(link.Slug, RedirectTarget.For(link, _allowances.For(link))) is { } replaced && replaced.LinkId != link.Id)
            _allowances.Remove(replaced.LinkId);
    }

    /// <summary>Applies a link deleted from the catalogue: its entry, its allowance and any unknown mark go.</summary>
    public void Remove(string domain, string slug)
    {
        Interlocked.Increment(ref _epoch);
        ForgetUnknown(domain, slug);
        if (For(domain, create: false)?.Take(slug) is { } removed)
            _allowances.Remove(removed.LinkId);
    }

    /// <summary>
    /// A slug changed on another node whose link is not held here: nothing to reload, but an unknown mark must go and
    /// the filter must learn it (it may have been created).
    /// </summary>
    public void Touch(string domain, string slug)
    {
        Interlocked.Increment(ref _epoch);
        Remember(domain, slug);
        ForgetUnknown(domain, slug);
    }

    /// <summary>
    /// Holds a link read from the catalogue (read-through or warm-up) unless an entry for its slug is already there
    /// (which is as new or newer); returns the entry that serves it. The allowance is the one the link already had, even after an eviction, so an
    /// evicted link with a maximum never gets a fresh lease.
    /// </summary>
    /// <param name="epoch">The <see cref="Epoch"/> read before the row was: when a change was applied since, the row may be
    /// older than it and only serves the request at hand. Null for the warm-up, which re-applies the change log after.</param>
    public RedirectTarget Add(Link link, long? epoch)
    {
        var target = RedirectTarget.For(link, _allowances.For(link));
        if (epoch is { } before && Epoch != before)
            return target;
        var links = For(link.Domain, create: true)!;
        var held = links.PutIfAbsent(link.Slug, target);
        // A delete applied between the check above and the insert found nothing to remove: take the old row back out.
        if (ReferenceEquals(held, target) && epoch is { } read && Epoch != read)
            links.TakeExactly(link.Slug, target);
        return held;
    }

    /// <summary>
    /// Whether the slug was looked up lately and did not exist. Expired marks are dropped when met, and all of them by
    /// <see cref="Tick"/>.
    /// </summary>
    public bool IsKnownUnknown(string domain, string slug)
    {
        if (!_unknown.TryGetValue((domain, slug), out var until))
            return false;
        if (_time.GetTimestamp() < until)
            return true;
        ForgetUnknown(domain, slug);
        return false;
    }

    /// <summary>
    /// Remembers that the catalogue has no such slug, unless the bound of unknown slugs is reached or a change was
    /// applied since <paramref name="epoch"/> was read (before the query that found nothing).
    /// </summary>
    public void AddUnknown(string domain, string slug, long epoch)
    {
        if (Volatile.Read(ref _unknownCount) >= _options.UnknownCapacity || Epoch != epoch)
            return;
        var until = _time.GetTimestamp() + (long)(_options.UnknownTtl.TotalSeconds * _time.TimestampFrequency);
        if (_unknown.TryAdd((domain, slug), until))
            Interlocked.Increment(ref _unknownCount);
        // A create applied between the check and the insert forgot nothing: forget it now.
        if (Epoch != epoch)
            ForgetUnknown(domain, slug);
    }

    /// <summary>False when the slug surely is not in the catalogue (the filter is built and has never seen it); true when it may be.</summary>
    public bool MayExist(string domain, string slug) => Volatile.Read(ref _filter)?.MayContain(domain, slug) ?? true;

    /// <summary>
    /// Starts filling a new filter: until <see cref="PublishFilter"/>, every link saved goes into it as well, so the
    /// links created while the catalogue is read are not missed.
    /// </summary>
    internal void BeginFilter(LinkFilter filter) => Volatile.Write(ref _building, filter);

    internal void PublishFilter(LinkFilter filter)
    {
        Volatile.Write(ref _filter, filter);
        Volatile.Write(ref _building, null);
    }

    /// <summary>The filter in use, to tell when it has outgrown its size.</summary>
    internal LinkFilter? Filter => Volatile.Read(ref _filter);

    /// <summary>Registers or changes a short domain's answers (root, unknown slug, refused link, well-known files).</summary>
    public void SetDomain(ShortDomain domain) => For(KeyOf(domain.Host), create: true)!.Settings = new DomainAnswers(domain);

    /// <summary>Forgets a domain's registration; its host is served as the default domain from then on.</summary>
    public void RemoveDomain(string host)
    {
        var key = KeyOf(host);
        if (For(key, create: false) is not { } links)
            return;
        links.Settings = null;
        if (key.Length > 0 && links.Count == 0)
            _domains.TryRemove(key, out _);
    }

    /// <summary>Waits until an insert took the cache past its capacity; false when stopping.</summary>
    internal async Task<bool> WaitOverCapacityAsync(CancellationToken ct)
    {
        try
        {
            return await _overCapacity.Reader.ReadAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Moves the recently-used clock on and now and then drops expired unknown marks; called every poll.</summary>
    internal void Tick()
    {
        // Expired marks are also dropped when met; this sweep (every 16th tick) only bounds what is never asked again.
        if (Interlocked.Increment(ref _clock) % 16 != 0 || Volatile.Read(ref _unknownCount) == 0)
            return;
        var now = _time.GetTimestamp();
        foreach (var (key, until) in _unknown)
        {
            if (until <= now && _unknown.TryRemove(new KeyValuePair<(string, string), long>(key, until)))
                Interlocked.Decrement(ref _unknownCount);
        }
    }

    /// <summary>
    /// Evicts the least recently used links (by the clock mark of their last hit) until 90% of the capacity is left;
    /// returns how many went. Their allowances stay (see <see cref="Add"/>). Runs on the sweeper's thread, never a request's.
    /// </summary>
    internal int Sweep()
    {
        var excess = Count - (int)(Capacity * 0.9);
        if (excess <= 0)
            return 0;
        var all = _domains.Values.Append(Default).ToList();
        var byMark = new SortedDictionary<int, int>();
        foreach (var links in all)
        {
            foreach (var target in links.Targets)
                byMark[target.LastUsed] = byMark.GetValueOrDefault(target.LastUsed) + 1;
        }
        // Marks older than the cut all go; of the cut's own mark only as many as needed.
        var cut = int.MaxValue;
        var atCut = 0;
        var below = 0;
        foreach (var (mark, count) in byMark)
        {
            if (below + count >= excess)
            {
                cut = mark;
                atCut = excess - below;
                break;
            }
            below += count;
        }
        var evicted = 0;
        foreach (var links in all)
        {
            foreach (var (slug, target) in links.Entries)
            {
                var mark = target.LastUsed;
                if (mark > cut || (mark == cut && atCut <= 0))
                    continue;
                if (links.TakeExactly(slug, target))
                {
                    evicted++;
                    if (mark == cut)
                        atCut--;
                }
            }
        }
        Interlocked.Add(ref _evictions, evicted);
        return evicted;
    }

    internal void Added()
    {
        if (Interlocked.Increment(ref _count) > Capacity)
            _overCapacity.Writer.TryWrite(true);
    }

    internal void Removed() => Interlocked.Decrement(ref _count);

    private void Remember(string domain, string slug)
    {
        // The filter being built first: PublishFilter sets the filter before it clears this, so a slug that misses
        // the one being built (already published) is found by the read of the published one below.
        Volatile.Read(ref _building)?.Add(domain, slug);
        Volatile.Read(ref _filter)?.Add(domain, slug);
    }

    private void ForgetUnknown(string domain, string slug)
    {
        if (Volatile.Read(ref _unknownCount) > 0 && _unknown.TryRemove((domain, slug), out _))
            Interlocked.Decrement(ref _unknownCount);
    }

    private DomainLinks? For(string key, bool create) =>
        key.Length == 0 ? Default
        : create ? _domains.GetOrAdd(key, static (k, cache) => new DomainLinks(k, cache), this)
        : _domains.GetValueOrDefault(key);
}

/// <summary>The held links of one short domain, and its answers when it is registered.</summary>
public sealed class DomainLinks
{
    /// <summary>The key of the default domain in the catalogue (<c>Link.Domain</c>) and the change log.</summary>
    public const string DefaultKey = "";

    private readonly ConcurrentDictionary<string, RedirectTarget> _targets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RedirectTarget>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private readonly LinkCache _cache;

    internal DomainLinks(string key, LinkCache cache)
    {
        Key = key;
        _cache = cache;
        _bySpan = _targets.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The host for a registered domain, <see cref="DefaultKey"/> for the default domain.</summary>
    public string Key { get; }

    /// <summary>The domain's answers; null while the host is not registered (the default domain may have none).</summary>
    public DomainAnswers? Settings { get; internal set; }

    /// <summary>Links of this domain held now; takes every lock of the dictionary, so not for the redirect path.</summary>
    public int Count => _targets.Count;

    /// <summary>The held link for <paramref name="slug"/>, marked as used; false on a miss (which may still exist in the catalogue).</summary>
    public bool TryGet(ReadOnlySpan<char> slug, out RedirectTarget target)
    {
        if (!_bySpan.TryGetValue(slug, out target!))
            return false;
        // Written only when the clock moved since this link's last hit, so a hot link's cache line stays shared.
        var clock = _cache.Clock;
        if (target.LastUsed != clock)
            target.LastUsed = clock;
        return true;
    }

    internal bool Holds(string slug) => _targets.ContainsKey(slug);

    internal IEnumerable<RedirectTarget> Targets => _targets.Values;

    internal IEnumerable<KeyValuePair<string, RedirectTarget>> Entries => _targets;

    internal RedirectTarget? Put(string slug, RedirectTarget target)
    {
        target.LastUsed = _cache.Clock;
        RedirectTarget? replaced = null;
        _targets.AddOrUpdate(slug, target, (_, old) => { replaced = old; return target; });
        if (replaced is null)
            _cache.Added();
        return replaced;
    }

    internal RedirectTarget PutIfAbsent(string slug, RedirectTarget target)
    {
        target.LastUsed = _cache.Clock;
        if (_targets.TryAdd(slug, target))
        {
            _cache.Added();
            return target;
        }
        return _targets.TryGetValue(slug, out var held) ? held : target;
    }

    internal RedirectTarget? Take(string slug)
    {
        if (!_targets.TryRemove(slug, out var removed))
            return null;
        _cache.Removed();
        return removed;
    }

    /// <summary>Removes the entry only if it is still <paramref name="target"/>, so an eviction never drops a change applied meanwhile.</summary>
    internal bool TakeExactly(string slug, RedirectTarget target)
    {
        if (!_targets.TryRemove(new KeyValuePair<string, RedirectTarget>(slug, target)))
            return false;
        _cache.Removed();
        return true;
    }
}

/// <summary>A registered domain's answers, prepared for the redirect path (the well-known documents as UTF-8 bytes).</summary>
public sealed class DomainAnswers(ShortDomain domain)
{
    public string? RootLocation { get; } = domain.RootUrl;
    public string? NotFoundLocation { get; } = domain.NotFoundUrl;
    public string? ExpiredLocation { get; } = domain.ExpiredUrl;
    public byte[]? AppleAppSiteAssociation { get; } = domain.AppleAppSiteAssociation is { } json ? System.Text.Encoding.UTF8.GetBytes(json) : null;
    public byte[]? AssetLinks { get; } = domain.AssetLinks is { } json ? System.Text.Encoding.UTF8.GetBytes(json) : null;
}
