namespace Redirector.Bots;

/// <summary>
/// The burst rule (docs/bots.md): a visitor who opens more than <see cref="BotOptions.BurstLinks"/> different links
/// within <see cref="BotOptions.BurstWindow"/> is a scanner from that click on, for the rest of the UTC day, which is
/// what an email-security scanner does to every link of a mail. A person cannot open that many links that fast.
/// </summary>
/// <remarks>
/// Visitors are told apart by their visitor hash, which already changes every UTC day. Memory is bounded by
/// <see cref="BotOptions.BurstMemory"/> visitors: when full, visitors not seen within the window and not marked are
/// forgotten, and so is every visitor of an earlier day; if that frees nothing, everything is, so an attacker with many addresses can only make the rule
/// forget, never make it count people as scanners. Times are the clicks' own, so a replayed or delayed click is
/// judged by when it happened. Thread-safe; in practice called by the one pipeline loop.
/// </remarks>
public sealed class BurstDetector(BotOptions options)
{
    private readonly Dictionary<ulong, Visitor> _visitors = [];
    private readonly Lock _lock = new();

    /// <summary>Visitors remembered now, marked ones included.</summary>
    internal int Count
    {
        get
        {
            lock (_lock)
                return _visitors.Count;
        }
    }

    /// <summary>
    /// Records that <paramref name="visitor"/> opened <paramref name="linkId"/> at <paramref name="time"/> (UTC) and
    /// tells whether the visitor is a scanner by the burst rule, this click included. Always false when the rule is off
    /// (<see cref="BotOptions.BurstLinks"/> is 0).
    /// </summary>
    public bool IsBurst(ulong visitor, long linkId, DateTime time)
    {
        if (options.BurstLinks == 0)
            return false;
        lock (_lock)
        {
            if (!_visitors.TryGetValue(visitor, out var seen))
            {
                if (_visitors.Count >= options.BurstMemory)
                    Forget(time);
                _visitors[visitor] = seen = new Visitor();
            }
            return seen.Open(linkId, time, options.BurstLinks, options.BurstWindow);
        }
    }

    private void Forget(DateTime now)
    {
        foreach (var (hash, visitor) in _visitors)
        {
            // Visitor hashes change with the UTC day, so a visitor last seen on an earlier day cannot come back.
            if (visitor.LastSeen.Date < now.Date || (!visitor.IsScanner && now - visitor.LastSeen > options.BurstWindow))
                _visitors.Remove(hash);
        }
        if (_visitors.Count >= options.BurstMemory)
            _visitors.Clear();
    }

    /// <summary>The links one visitor opened within the window (at most one more than the limit), or the mark.</summary>
    private sealed class Visitor
    {
        private readonly List<(long Link, DateTime Time)> _recent = new(4);

        public bool IsScanner { get; private set; }

        public DateTime LastSeen { get; private set; }

        public bool Open(long link, DateTime time, int limit, TimeSpan window)
        {
            LastSeen = time > LastSeen ? time : LastSeen;
            if (IsScanner)
                return true;
            _recent.RemoveAll(r => r.Link == link || (time - r.Time).Duration() > window);
            _recent.Add((link, time));
            if (_recent.Count <= limit)
                return false;
            IsScanner = true;
            _recent.Clear();
            return true;
        }
    }
}
