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

    public LinkCache() => _bySpan = _targets.GetAlternateLookup<ReadOnlySpan<char>>();

    public int Count => _targets.Count;

    public bool TryGet(ReadOnlySpan<char> slug, out RedirectTarget target) => _bySpan.TryGetValue(slug, out target!);

    /// <summary>Stores the link if it can redirect now or later; disabled links are dropped.</summary>
    public void Upsert(Link link)
    {
        if (link.Enabled)
            _targets[link.Slug] = RedirectTarget.For(link);
        else
            _targets.TryRemove(link.Slug, out _);
    }

    public void Remove(string slug) => _targets.TryRemove(slug, out _);
}
