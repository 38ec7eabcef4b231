using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using Microsoft.EntityFrameworkCore;
using Redirector.Catalog;
using Redirector.Clicks;

namespace Redirector.Sites;

/// <summary>What /out and /pv need about one site, read from memory.</summary>
public sealed class SiteEntry
{
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _hosts;

    public SiteEntry(Site site)
    {
        Key = site.Key;
        Name = site.Name;
        AllowSubdomains = site.AllowSubdomains;
        Hosts = site.Hosts.ToFrozenSet(StringComparer.Ordinal);
        _hosts = Hosts.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public string Key { get; }
    public string Name { get; }
    public bool AllowSubdomains { get; }
    public FrozenSet<string> Hosts { get; }

    /// <summary>Exact host, or with subdomains allowed a host ending in "." + a site host: "evilexample.com" is never "example.com".</summary>
    public bool OwnsHost(ReadOnlySpan<char> host)
    {
        if (host.IsEmpty)
            return false;
        if (_hosts.Contains(host))
            return true;
        if (!AllowSubdomains)
            return false;
        for (var dot = host.IndexOf('.'); dot >= 0; dot = host.IndexOf('.'))
        {
            host = host[(dot + 1)..];
            if (_hosts.Contains(host))
                return true;
        }
        return false;
    }

    /// <summary>Whether an absolute http(s) URL is a page of this site (any port, either scheme).</summary>
    public bool OwnsUrl([NotNullWhen(true)] string? url) =>
        !string.IsNullOrEmpty(url) && Uri.TryCreate(url, UriKind.Absolute, out var uri) &&
        (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) &&
        SiteRules.HostOf(uri) is { } host && OwnsHost(host);
}

/// <summary>
/// Every site by key, in memory, so /out and /pv never touch the database. This node's changes are applied by
/// <see cref="SiteCatalog"/>; other nodes' arrive through the catalogue change log ("site:KEY" rows), which
/// <see cref="Links.LinkCacheRefresher"/> polls.
/// </summary>
public sealed class SiteCache
{
    public const string ChangePrefix = "site:";

    private readonly ConcurrentDictionary<string, SiteEntry> _sites = new(StringComparer.Ordinal);

    public bool TryGet(string? key, out SiteEntry site)
    {
        site = null!;
        return key is not null && _sites.TryGetValue(key, out site!);
    }

    public void Upsert(Site site) => _sites[site.Key] = new SiteEntry(site);

    public void Remove(string key) => _sites.TryRemove(key, out _);

    /// <summary>Whether a URL is a page of any registered site: what a source page must be to be listed as one.</summary>
    private bool OwnsPage(string url)
    {
        foreach (var site in _sites.Values)
        {
            if (site.OwnsUrl(url))
                return true;
        }
        return false;
    }

    /// <summary>
    /// A dimension's value as every reader shows it: a page (<see cref="Dimensions.SourcePage"/>, or
    /// <see cref="Dimensions.PageViews"/>) only when it is a page of a registered site (<see cref="OwnsPage"/>), else
    /// null; any other dimension's value as given. The rule is README.md's "Source page" and docs/events.md's "What the
    /// numbers mean": a short link clicked from google.com has that page as its referrer, not as a source page. The
    /// counters, the event store, the raw log and the spool keep every page (sites come and go), so the stats, the
    /// event exports, a link's recent clicks and webhooks all apply it here, when they read.
    /// </summary>
    public string? ShownValue(Dimension dimension, string? value) =>
        value is not null && (dimension == Dimensions.SourcePage || dimension == Dimensions.PageViews) && !OwnsPage(value) ? null : value;

    public static string ChangeOf(string key) => ChangePrefix + key;

    public static bool IsSiteChange(string slug) => slug.StartsWith(ChangePrefix, StringComparison.Ordinal);

    internal async Task LoadAllAsync(CatalogDb db, CancellationToken ct)
    {
        await foreach (var site in db.Sites.AsNoTracking().AsAsyncEnumerable().WithCancellation(ct))
            Upsert(site);
    }

    /// <summary>Re-reads the sites named by change-log rows; a key no longer in the database was deleted.</summary>
    internal async Task RefreshAsync(CatalogDb db, IReadOnlyCollection<string> changes, CancellationToken ct)
    {
        var keys = changes.Select(c => c[ChangePrefix.Length..]).ToList();
        var sites = await db.Sites.AsNoTracking().Where(s => keys.Contains(s.Key)).ToDictionaryAsync(s => s.Key, ct);
        foreach (var key in keys)
        {
            if (sites.TryGetValue(key, out var site))
                Upsert(site);
            else
                Remove(key);
        }
    }
}
