using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Threading.Channels;

namespace Redirector.Links;

/// <summary>How a node shares a link's <c>maxClicks</c> with the other nodes (docs/links.md, "Maximum of clicks").</summary>
public sealed class ClickAllowanceOptions
{
    /// <summary>
    /// Clicks a node may redirect on a link before Redis has granted them, and the size of each grant it asks for.
    /// Across nodes a link redirects at most <c>maxClicks</c> + this many per node start; larger leases mean fewer
    /// Redis calls, more clicks held back by one node while another has used up its share, and more clicks lost when
    /// a node crashes (a graceful stop gives them back).
    /// </summary>
    [Range(1, 1_000_000)]
    public int LeaseSize { get; set; } = 50;

    /// <summary>How often a node asks Redis for more clicks on links whose local allowance runs low.</summary>
    public TimeSpan LeaseInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long the first visit of a link with a maximum after a node's start (and the warm-up) waits for Redis to say
    /// how many of its clicks are left; past it the visit draws on the optimistic first lease.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan FirstReadTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long a graceful stop waits for Redis to take back the clicks leased and not used; past it they are lost as
    /// after a crash, and the stop goes on.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan ReturnTimeout { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// One node's share of a link's maximum of clicks. The redirect path only takes from it (<see cref="TryTake"/>,
/// lock-free, no I/O); <see cref="ClickAllowanceLeaser"/> grows it in the background from the link's grant counter in
/// Redis. Taking never goes past <see cref="Quota"/>, which never exceeds <see cref="Max"/> nor, once the counter was
/// read, what the counter had left, so one node alone redirects exactly <c>maxClicks</c> clicks, across graceful
/// restarts as well.
/// </summary>
public sealed class ClickAllowance(long linkId, long max, int leaseSize)
{
    // Set in _used by Close: every TryTake that read _used before fails its compare-and-swap, so no click is taken
    // after the count Close hands back was read.
    private const long ClosedBit = 1L << 62;

    private readonly TaskCompletionSource _known = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _leaseSize = leaseSize;
    private long _used;
    private long _quota = Math.Min(max, leaseSize);
    private long _max = max;
    private long _grantedToAllAtRead;

    public long LinkId { get; } = linkId;

    /// <summary>The link's maximum of clicks; changes when the link is edited.</summary>
    public long Max => Volatile.Read(ref _max);

    /// <summary>Clicks this node redirected on the link since it started.</summary>
    public long Used => Volatile.Read(ref _used) & ~ClosedBit;

    /// <summary>
    /// Clicks this node may redirect in all: its optimistic first lease (capped by what the grant counter had left
    /// when first read), then what Redis granted it.
    /// </summary>
    public long Quota => Volatile.Read(ref _quota);

    /// <summary>What Redis has granted this node so far; 0 until the first grant came back.</summary>
    public long Granted { get; private set; }

    /// <summary>Whether the first grant has come back (so the optimistic lease is accounted for in Redis).</summary>
    public bool HasLeased { get; private set; }

    /// <summary>Whether Redis has told this node what is left of the link (a read of the counter or a grant).</summary>
    public bool IsKnown => _known.Task.IsCompleted;

    /// <summary>Completes once <see cref="IsKnown"/>; never fails.</summary>
    internal Task Known => _known.Task;

    /// <summary>A grant came back short: Redis has no clicks left for this node until the maximum is raised.</summary>
    public bool IsPoolEmpty { get; private set; }

    /// <summary>Whether <see cref="Close"/> ran: the node stops, and takes no click any more.</summary>
    public bool IsClosed => (Volatile.Read(ref _used) & ClosedBit) != 0;

    /// <summary>What <see cref="Used"/> was at the last grant, to size the next one by the link's pace.</summary>
    internal long UsedAtLastGrant { get; private set; }

    /// <summary>No click is left on this node: every request is answered as for a used-up link.</summary>
    public bool IsExhausted => IsClosed || Used >= Quota;

    /// <summary>Takes one click for a person's GET; false when this node may not redirect another.</summary>
    public bool TryTake()
    {
        while (true)
        {
            var used = Volatile.Read(ref _used);
            // A closed allowance's used count carries ClosedBit, which is above any quota.
            if (used >= Volatile.Read(ref _quota))
                return false;
            if (Interlocked.CompareExchange(ref _used, used + 1, used) == used)
                return true;
        }
    }

    internal void SetMax(long max)
    {
        if (max != Max)
        {
            IsPoolEmpty = false;
            // Before its first grant the node holds nothing in Redis: a raised maximum raises the optimistic lease too,
            // still capped by what the counter had left when read.
            if (!HasLeased && IsKnown)
                Volatile.Write(ref _quota, Math.Max(0, Math.Min(_leaseSize, max - _grantedToAllAtRead)));
        }
        Volatile.Write(ref _max, max);
        if (Quota > max)
            Volatile.Write(ref _quota, max);
    }

    /// <summary>
    /// Records the grant counter read before the first grant: the optimistic lease shrinks to what the other nodes (and
    /// this node's earlier runs) left. Nothing is reserved by it.
    /// </summary>
    /// <param name="grantedToAll">The counter: clicks of the maximum granted to all nodes so far.</param>
    internal void SetLeft(long grantedToAll)
    {
        _grantedToAllAtRead = grantedToAll;
        var left = Math.Max(0, Max - grantedToAll);
        if (Quota > left)
            Volatile.Write(ref _quota, left);
        _known.TrySetResult();
    }

    /// <summary>Records a grant: the node's quota becomes everything Redis granted it, never below what it used already.</summary>
    internal void AddGrant(long asked, long granted, long usedBefore)
    {
        Granted += granted;
        HasLeased = true;
        IsPoolEmpty = granted < asked;
        UsedAtLastGrant = usedBefore;
        Volatile.Write(ref _quota, Math.Min(Max, Math.Max(Granted, Used)));
        _known.TrySetResult();
    }

    /// <summary>
    /// Stops taking clicks, atomically with <see cref="TryTake"/>, and returns the clicks Redis granted this node that it
    /// did not use (never negative: clicks taken on the optimistic lease beyond the grants were never granted).
    /// </summary>
    internal long Close()
    {
        while (true)
        {
            var used = Volatile.Read(ref _used);
            if ((used & ClosedBit) != 0)
                return 0;
            if (Interlocked.CompareExchange(ref _used, used | ClosedBit, used) == used)
                return Math.Max(0, Granted - used);
        }
    }
}

/// <summary>The allowances of the cached links that have a maximum of clicks, by link id; kept across edits of a link.</summary>
public sealed class ClickAllowances(Microsoft.Extensions.Options.IOptions<ClickAllowanceOptions> options)
{
    private readonly ConcurrentDictionary<long, ClickAllowance> _byLink = new();
    // One pending wake-up at most: the leaser's next round serves every allowance waiting by then.
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private volatile bool _leaserRunning;

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

    /// <summary>
    /// Waits until Redis has told what is left of each allowance, at most <see cref="ClickAllowanceOptions.FirstReadTimeout"/>;
    /// at once when no leaser runs (no Redis configured) or all are known. Never throws: past the timeout the caller
    /// serves from the optimistic lease, as the redirect path always could. A node restarted gracefully counts exactly
    /// only because its first visits wait here (docs/links.md, "Maximum of clicks").
    /// </summary>
    public async Task WhenKnownAsync(IReadOnlyCollection<ClickAllowance> allowances)
    {
        if (!_leaserRunning || allowances.All(a => a.IsKnown))
            return;
        _wake.Writer.TryWrite(true);
        try
        {
            await Task.WhenAll(allowances.Select(a => a.Known)).WaitAsync(options.Value.FirstReadTimeout);
        }
        catch (TimeoutException)
        {
        }
    }

    /// <summary>Set by <see cref="ClickAllowanceLeaser"/> while it runs, so that nothing waits for a leaser that is not there.</summary>
    internal bool LeaserRunning { set => _leaserRunning = value; }

    /// <summary>Waits for <see cref="WhenKnownAsync"/> to ask for a round before the leaser's next tick.</summary>
    internal Task<bool> WaitForWakeAsync(CancellationToken ct) => _wake.Reader.WaitToReadAsync(ct).AsTask();

    internal void TakeWake() => _wake.Reader.TryRead(out _);
}
