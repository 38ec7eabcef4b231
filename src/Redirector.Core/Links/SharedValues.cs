using System.Collections.Concurrent;

namespace Redirector.Links;

/// <summary>
/// One instance of each short value that many cached links repeat: destination domains, UTM values and whole UTM tag
/// sets (a campaign's links usually share all three). A link read from the catalogue brings its own copy of each
/// string; kept as they came, a million cached links held the same few hundred values a million times (bench/README.md,
/// "cache-memory"). Process-wide, as the values are immutable and equal across nodes of one process. Bounded: past
/// <see cref="MaxValues"/> values (and for values longer than <see cref="MaxLength"/>) a value is kept as given, so a
/// catalogue of unique values costs a lookup per link and no more memory than before.
/// </summary>
internal static class SharedValues
{
    /// <summary>Distinct strings, and distinct tag sets, held at most (each).</summary>
    public const int MaxValues = 100_000;

    /// <summary>Longer strings are rarely repeated and are not held.</summary>
    public const int MaxLength = 100;

    private static readonly ConcurrentDictionary<string, string> Strings = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<UtmTags, UtmTags> TagSets = new();
    private static int _strings;
    private static int _tagSets;

    /// <summary>The held instance equal to <paramref name="value"/>, or <paramref name="value"/> itself (held when there is room).</summary>
    public static string Of(string value)
    {
        if (Strings.TryGetValue(value, out var held))
            return held;
        return value.Length <= MaxLength && Volatile.Read(ref _strings) < MaxValues && Strings.TryAdd(value, value)
            ? Counted(value, ref _strings)
            : Strings.GetValueOrDefault(value, value);
    }

    /// <summary>The held tag set equal to <paramref name="tags"/>, its values shared; <paramref name="tags"/> itself when there is no room.</summary>
    public static UtmTags Of(UtmTags tags)
    {
        if (tags.IsEmpty)
            return UtmTags.Empty;
        if (TagSets.TryGetValue(tags, out var held))
            return held;
        if (Volatile.Read(ref _tagSets) >= MaxValues)
            return tags;
        var shared = new UtmTags
        {
            Source = OfNullable(tags.Source), Medium = OfNullable(tags.Medium), Campaign = OfNullable(tags.Campaign),
            Term = OfNullable(tags.Term), Content = OfNullable(tags.Content),
        };
        return TagSets.TryAdd(shared, shared) ? Counted(shared, ref _tagSets) : TagSets.GetValueOrDefault(shared, shared);
    }

    private static string? OfNullable(string? value) => value is null ? null : Of(value);

    private static T Counted<T>(T value, ref int count)
    {
        Interlocked.Increment(ref count);
        return value;
    }
}
