using System.Collections.Concurrent;

namespace Redirector.UserAgents;

/// <summary>
/// Remembers the results for recently seen user agents. Real traffic repeats a small set of agents, so
/// almost every click costs one dictionary lookup instead of a pass over the rules.
/// </summary>
/// <remarks>
/// Two generations of at most half the capacity each: new entries go to the current one, and when it is
/// full it becomes the previous one and the old previous is dropped, so agents still in use survive by
/// being copied forward. That bounds memory with lock-free hits and no per-hit bookkeeping, unlike a
/// strict LRU.
/// </remarks>
public sealed class CachedUserAgentParser
{
    // Agents this long are almost always junk or attacks; caching them would let a client fill memory.
    internal const int MaxCachedLength = 1024;

    private readonly UserAgentParser _parser;
    private readonly int _generationCapacity;
    private readonly Lock _rotation = new();
    private Generations _generations;

    public CachedUserAgentParser(UserAgentParser parser, int capacity = 10_000)
    {
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        _parser = parser;
        _generationCapacity = capacity / 2;
        _generations = new Generations(new Generation(), new Generation());
    }

    internal int Count
    {
        get
        {
            var generations = Volatile.Read(ref _generations);
            return generations.Current.Count + generations.Previous.Count;
        }
    }

    public UserAgentInfo Parse(string? userAgent)
    {
        if (string.IsNullOrEmpty(userAgent) || userAgent.Length > MaxCachedLength)
            return _parser.Parse(userAgent);

        var generations = Volatile.Read(ref _generations);
        if (generations.Current.Entries.TryGetValue(userAgent, out var info))
            return info;
        if (!generations.Previous.Entries.TryGetValue(userAgent, out info))
            info = _parser.Parse(userAgent);

        Remember(userAgent, info);
        return info;
    }

    private void Remember(string userAgent, UserAgentInfo info)
    {
        var current = Volatile.Read(ref _generations).Current;
        if (current.Count >= _generationCapacity)
        {
            lock (_rotation)
            {
                var generations = _generations;
                if (generations.Current == current)
                    Volatile.Write(ref _generations, new Generations(new Generation(), current));
                current = _generations.Current;
            }
        }

        if (current.Entries.TryAdd(userAgent, info))
            Interlocked.Increment(ref current.Count);
    }

    private sealed record Generations(Generation Current, Generation Previous);

    private sealed class Generation
    {
        public readonly ConcurrentDictionary<string, UserAgentInfo> Entries = new(StringComparer.Ordinal);

        // ConcurrentDictionary.Count takes every lock; a separate counter keeps the hot path lock-free.
        public int Count;
    }
}
