using System.Collections.Concurrent;

namespace Redirector.Links;

/// <summary>
/// The in-memory copy of every live link, read by the redirect handler without any I/O. Filled at start by
/// <see cref="LinkCacheRefresher"/>, which also applies other nodes' changes; this node's own changes are
/// applied directly by <see cref="LinkCatalog"/>.
/// </summary>
public sealed class LinkCache
{
    private readonly ConcurrentDictionary<string, RedirectTarget> _targets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RedirectTarget>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private readonly ClickAllowances _allowances;

    public LinkCache(ClickAllowances allowances)
    {
        _allowances = allowances;
        _bySpan = _targets.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => _targets.Count;

    public bool TryGet(ReadOnlySpan<char> slug, out RedirectTarget target) => _bySpan.TryGetValue(slug, out target!);

    /// <summary>
    /// Stores the link if it can redirect now or later, or if it has an expired URL to send visitors to; other
    /// disabled links are dropped (they answer the 404 page like unknown slugs).
    /// </summary>
    public void Upsert(Link link)
    {
        if (link.Enabled || link.ExpiredUrl is not null)
        {
            _targets[link.Slug] = RedirectTarget.For(link, _allowances.For(link));
            return;
        }
        Remove(link.Slug);
    }

    public void Remove(string slug)
    {
        if (_targets.TryRemove(slug, out var removed))
            _allowances.Remove(removed.LinkId);
    }
}
