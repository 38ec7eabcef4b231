using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;

namespace Redirector.Links;

/// <summary>How a node shares a link's <c>maxClicks</c> with the other nodes (docs/links.md, "Maximum of clicks").</summary>
public sealed class ClickAllowanceOptions
{
    /// <summary>
    /// Clicks a node may redirect on a link before Redis has granted them, and the size of each grant it asks for.
    /// Across nodes a link redirects at most <c>maxClicks</c> + this many per node start; larger leases mean fewer
    /// Redis calls and more clicks held back by one node while another has used up its share.
    /// </summary>
    [Range(1, 1_000_000)]
    public int LeaseSize { get; set; } = 50;

    /// <summary>How often a node asks Redis for more clicks on links whose local allowance runs low.</summary>
    public TimeSpan LeaseInterval { get; set; } = TimeSpan.FromMilliseconds(100);
}

/// <summary>
/// One node's share of a link's maximum of clicks. The redirect path only takes from it (<see cref="TryTake"/>,
/// lock-free, no I/O); <see cref="ClickAllowanceLeaser"/> grows it in the background from the link's grant counter in
/// Redis. Taking never goes past <see cref="Quota"/>, which never exceeds <see cref="Max"/>, so one node alone
/// redirects exactly <c>maxClicks</c> clicks.
/// </summary>
public sealed class ClickAllowance(long linkId, long max, int leaseSize)
{
    private long _used;
    private long _quota = Math.Min(max, leaseSize);
    private long _max = max;

    public long LinkId { get; } = linkId;

    /// <summary>The link's maximum of clicks; changes when the link is edited.</summary>
    public long Max => Volatile.Read(ref _max);

    /// <summary>Clicks this node redirected on the link since it started.</summary>
    public long Used => Volatile.Read(ref _used);

    /// <summary>Clicks this node may redirect in all: its optimistic first lease, then what Redis granted it.</summary>
    public long Quota => Volatile.Read(ref _quota);

    /// <summary>What Redis has granted this node so far; 0 until the first grant came back.</summary>
    public long Granted { get; private set; }

    /// <summary>Whether the first grant has come back (so the optimistic lease is accounted for in Redis).</summary>
    public bool HasLeased { get; private set; }

    /// <summary>A grant came back short: Redis has no clicks left for this node until the maximum is raised.</summary>
    public bool IsPoolEmpty { get; private set; }

    /// <summary>What <see cref="Used"/> was at the last grant, to size the next one by the link's pace.</summary>
    internal long UsedAtLastGrant { get; private set; }

    /// <summary>No click is left on this node: every request is answered as for a used-up link.</summary>
    public bool IsExhausted => Used >= Quota;

    /// <summary>Takes one click for a person's GET; false when this node may not redirect another.</summary>
    public bool TryTake()
    {
        while (true)
        {
            var used = Volatile.Read(ref _used);
            if (used >= Volatile.Read(ref _quota))
                return false;
            if (Interlocked.CompareExchange(ref _used, used + 1, used) == used)
                return true;
        }
    }

    internal void SetMax(long max)
    {
        if (max != Max)
            IsPoolEmpty = false;
        Volatile.Write(ref _max, max);
        if (Quota > max)
            Volatile.Write(ref _quota, max);
    }

    /// <summary>Records a grant: the node's quota becomes everything Redis granted it, never below what it used already.</summary>
    internal void AddGrant(long asked, long granted, long usedBefore)
    {
        Granted += granted;
        HasLeased = true;
        IsPoolEmpty = granted < asked;
        UsedAtLastGrant = usedBefore;
        Volatile.Write(ref _quota, Math.Min(Max, Math.Max(Granted, Used)));
    }
}

/// <summary>The allowances of the cached links that have a maximum of clicks, by link id; kept across edits of a link.</summary>
public sealed class ClickAllowances(Microsoft.Extensions.Options.IOptions<ClickAllowanceOptions> options)
{
    private readonly ConcurrentDictionary<long, ClickAllowance> _byLink = new();

    public ICollection<ClickAllowance> All => _byLink.Values;

    public int LeaseSize => options.Value.LeaseSize;

    /// <summary>The link's allowance (kept when it already had one, so an edit does not hand out its clicks again), or null without a maximum.</summary>
    public ClickAllowance? For(Link link)
    {
        if (link.MaxClicks is not { } max)
        {
            _byLink.TryRemove(link.Id, out _);
            return null;
        }
        var allowance = _byLink.GetOrAdd(link.Id, id => new ClickAllowance(id, max, options.Value.LeaseSize));
        allowance.SetMax(max);
        return allowance;
    }

    /// <summary>The link's allowance on this node, without making one: null for a link without a maximum or not visited since this node started.</summary>
    public ClickAllowance? Find(long linkId) => _byLink.TryGetValue(linkId, out var allowance) ? allowance : null;

    public void Remove(long linkId) => _byLink.TryRemove(linkId, out _);
}
