namespace Redirector.Links;

/// <summary>
/// A Bloom filter of every (domain, slug) in the catalogue, so a miss on a slug that does not exist is answered without
/// a query even when a scan asks for a new random slug every time (which a cache of unknown slugs cannot stop). Sized
/// for about 1% false positives at <see cref="Expected"/> entries: 9.6 bits and 7 probes per entry (Bloom 1970; the
/// probes from two hashes, Kirsch and Mitzenmacher 2006). Deletes cannot be taken out: a deleted slug costs a query
/// until the next rebuild. Thread-safe and lock-free. Written here because no maintained Bloom filter package is
/// served by this project's NuGet mirror, and the whole of it is these few lines.
/// </summary>
internal sealed class LinkFilter
{
    private const int Probes = 7;
    private const double BitsPerEntry = 9.6;

    private readonly long[] _words;
    private readonly ulong _bits;
    private long _added;

    /// <param name="expected">Links the filter is sized for; more make false positives more frequent.</param>
    public LinkFilter(long expected)
    {
        Expected = Math.Max(expected, 1024);
        _words = new long[(long)Math.Ceiling(Expected * BitsPerEntry / 64)];
        _bits = (ulong)_words.Length * 64;
    }

    public long Expected { get; }

    /// <summary>Entries added, repeats included: past <see cref="Expected"/> the filter should be rebuilt larger.</summary>
    public long Added => Interlocked.Read(ref _added);

    public long Bytes => _words.LongLength * sizeof(long);

    public void Add(string domain, string slug)
    {
        var (h1, h2) = Hash(domain, slug);
        for (var i = 0; i < Probes; i++)
        {
            var bit = (h1 + (ulong)i * h2) % _bits;
            Interlocked.Or(ref _words[bit >> 6], 1L << (int)(bit & 63));
        }
        Interlocked.Increment(ref _added);
    }

    public bool MayContain(string domain, string slug)
    {
        var (h1, h2) = Hash(domain, slug);
        for (var i = 0; i < Probes; i++)
        {
            var bit = (h1 + (ulong)i * h2) % _bits;
            if ((Volatile.Read(ref _words[bit >> 6]) & (1L << (int)(bit & 63))) == 0)
                return false;
        }
        return true;
    }

    // The process's randomized string hashes: the filter lives in memory only, so they need not be stable.
    private static (ulong, ulong) Hash(string domain, string slug)
    {
        var d = string.GetHashCode(domain, StringComparison.Ordinal);
        var s = string.GetHashCode(slug, StringComparison.Ordinal);
        var h1 = (ulong)(uint)HashCode.Combine(d, s) << 32 | (uint)HashCode.Combine(s, d);
        var h2 = (ulong)(uint)HashCode.Combine(s, d, 0x5bd1e995) << 32 | (uint)HashCode.Combine(d, 0x2545f491, s);
        return (h1, h2 | 1);
    }
}
