using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Redirector.Clicks;

/// <summary>
/// An enriched click without its time and visitor: every value capped and cleaned, held by dimension
/// (<see cref="Values"/>[<see cref="Dimension.Index"/>]). Clicks with equal shapes are counted together, so a
/// batch's Redis work grows with distinct shapes, not with clicks.
/// </summary>
/// <param name="Day">The UTC day, yyyyMMdd.</param>
/// <param name="Hour">The UTC hour, 0 to 23.</param>
/// <param name="LinkId">The catalogue link clicked; null for an outbound click on a page of a registered site.</param>
/// <param name="IsBot">Counted as a bot of its device type, never as a click.</param>
/// <param name="Values">One value per row of <see cref="Dimensions"/>, null where the click has none.</param>
public readonly struct ClickShape(string day, int hour, long? linkId, bool isBot, string?[] values) : IEquatable<ClickShape>
{
    public string Day { get; } = day;
    public int Hour { get; } = hour;
    public long? LinkId { get; } = linkId;
    public bool IsBot { get; } = isBot;
    public string?[] Values { get; } = values;

    public string? this[Dimension dimension] => Values[dimension.Index];

    /// <summary>The same shape over its own copy of the values.</summary>
    public ClickShape Copy() => new(Day, Hour, LinkId, IsBot, [.. Values]);

    public bool Equals(ClickShape other)
    {
        if (Hour != other.Hour || LinkId != other.LinkId || IsBot != other.IsBot || !string.Equals(Day, other.Day, StringComparison.Ordinal))
            return false;
        var values = Values;
        var others = other.Values;
        for (var i = 0; i < values.Length; i++)
        {
            if (!string.Equals(values[i], others[i], StringComparison.Ordinal))
                return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => obj is ClickShape other && Equals(other);

    /// <summary>
    /// Hashes every value's text with XxHash3 rather than string's Marvin: the batch builder hashes each click's shape
    /// (about 250 characters), and Marvin made that the largest single cost of a click in the pipeline. The seed is
    /// random per process, so values a visitor chooses cannot be made to collide at will.
    /// </summary>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(TextHash(Day));
        hash.Add(Hour);
        hash.Add(LinkId);
        hash.Add(IsBot);
        foreach (var value in Values)
            hash.Add(value is null ? 0 : TextHash(value));
        return hash.ToHashCode();
    }

    private static readonly long HashSeed = Random.Shared.NextInt64();

    private static ulong TextHash(string text) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(text.AsSpan()), HashSeed);

    public static bool operator ==(ClickShape left, ClickShape right) => left.Equals(right);

    public static bool operator !=(ClickShape left, ClickShape right) => !left.Equals(right);
}

/// <param name="VisitorHash">The first 64 bits of the visitor's HMAC; none for bots.</param>
public readonly record struct Click(DateTime Time, ClickShape Shape, ulong? VisitorHash);
