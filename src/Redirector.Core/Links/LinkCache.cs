using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Redirector.Domains;

namespace Redirector.Links;

/// <summary>
/// The in-memory copy of every link and every short domain, read by the redirect handler without any I/O: the
/// request's host picks a <see cref="DomainLinks"/> and the slug its link, two dictionary lookups on spans. Filled
/// at start by <see cref="LinkCacheRefresher"/>, which also applies other nodes' changes; this node's own changes
/// are applied directly by <see cref="LinkCatalog"/> and <see cref="DomainCatalog"/>.
/// </summary>
public sealed class LinkCache
{
    // Registered hosts other than the default one; hosts compare case-insensitively (RFC 4343).
    private readonly ConcurrentDictionary<string, DomainLinks> _domains = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, DomainLinks>.AlternateLookup<ReadOnlySpan<char>> _domainsBySpan;
    private readonly ClickAllowances _allowances;

    public LinkCache(ClickAllowances allowances, IOptions<RedirectorOptions> options)
    {
        _allowances = allowances;
        _domainsBySpan = _domains.GetAlternateLookup<ReadOnlySpan<char>>();
        DefaultHost = options.Value.DefaultHost;
    }

    /// <summary>The host of <c>Redirector:BaseUrl</c>, or null when it is not set (then every unregistered host is the default domain).</summary>
    public string? DefaultHost { get; }

    /// <summary>The default domain: links saved without a domain, and every host that is not registered.</summary>
    public DomainLinks Default { get; } = new(DomainLinks.DefaultKey);

    public int Count => Default.Count + _domains.Values.Sum(d => d.Count);

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

    /// <summary>Stores the link, disabled or not: a refused visit needs it to find its expired URL or its domain's.</summary>
    public void Upsert(Link link)
    {
        var links = For(link.Domain, create: true)!;
        if (links.Put(link.Slug, RedirectTarget.For(link, _allowances.For(link))) is { } replaced && replaced.LinkId != link.Id)
            _allowances.Remove(replaced.LinkId);
    }

    public void Remove(string domain, string slug)
    {
        if (For(domain, create: false)?.Take(slug) is { } removed)
            _allowances.Remove(removed.LinkId);
    }

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

    private DomainLinks? For(string key, bool create) =>
        key.Length == 0 ? Default
        : create ? _domains.GetOrAdd(key, static k => new DomainLinks(k))
        : _domains.GetValueOrDefault(key);
}

/// <summary>The links of one short domain, and its answers when it is registered.</summary>
public sealed class DomainLinks
{
    /// <summary>The key of the default domain in the catalogue (<c>Link.Domain</c>) and the change log.</summary>
    public const string DefaultKey = "";

    private readonly ConcurrentDictionary<string, RedirectTarget> _targets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RedirectTarget>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    internal DomainLinks(string key)
    {
        Key = key;
        _bySpan = _targets.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The host for a registered domain, <see cref="DefaultKey"/> for the default domain.</summary>
    public string Key { get; }

    /// <summary>The domain's answers; null while the host is not registered (the default domain may have none).</summary>
    public DomainAnswers? Settings { get; internal set; }

    public int Count => _targets.Count;

    public bool TryGet(ReadOnlySpan<char> slug, out RedirectTarget target) => _bySpan.TryGetValue(slug, out target!);

    internal RedirectTarget? Put(string slug, RedirectTarget target)
    {
        RedirectTarget? replaced = null;
        _targets.AddOrUpdate(slug, target, (_, old) => { replaced = old; return target; });
        return replaced;
    }

    internal RedirectTarget? Take(string slug) => _targets.TryRemove(slug, out var removed) ? removed : null;
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
