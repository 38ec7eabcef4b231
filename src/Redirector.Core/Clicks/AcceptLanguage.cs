using System.Collections.Concurrent;
using System.Globalization;

namespace Redirector.Clicks;

/// <summary>The language dimension's value: the primary subtag of the visitor's preferred language.</summary>
public static class AcceptLanguage
{
    /// <summary>The value of clicks without a usable header (absent, "*", or no language tag).</summary>
    public const string None = "(none)";

    /// <summary>Only this much of the header is read; browsers send well under 100 characters.</summary>
    public const int MaxHeaderLength = 256;

    // Primary subtags are at most 8 letters, so the set is small; one lowercase instance each, so that a batch's
    // clicks share it (the Redis planner looks field names up by instance).
    private const int MaxKnown = 1000;
    private static readonly ConcurrentDictionary<string, string> Known = new(StringComparer.OrdinalIgnoreCase);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> KnownBySpan =
        Known.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>
    /// The lowercase primary subtag (RFC 5646, section 2.2.1: 2 to 8 letters) of the range with the highest quality in
    /// an Accept-Language header (RFC 9110, section 12.5.4), the first one on a tie: "de" for "de-DE,de;q=0.9,en;q=0.8".
    /// <see cref="None"/> when the header is absent, "*", or its preferred range is no language: a malformed tag, or one
    /// that opens with a singleton ("x-" private use, "i-" grandfathered), which names none. Never throws.
    /// </summary>
    public static string PrimaryOf(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
            return None;
        var text = header.AsSpan(0, Math.Min(header.Length, MaxHeaderLength));
        ReadOnlySpan<char> best = default;
        var bestQuality = 0.0;
        foreach (var range in text.Split(','))
        {
            var item = text[range];
            var parameters = item.IndexOf(';');
            var tag = (parameters < 0 ? item : item[..parameters]).Trim();
            var quality = parameters < 0 ? 1.0 : QualityOf(item[(parameters + 1)..]);
            if (tag.Length > 0 && quality > bestQuality)
            {
                best = tag;
                bestQuality = quality;
            }
        }
        var end = best.IndexOfAny('-', '_');
        var primary = end < 0 ? best : best[..end];
        if (primary.Length is < 2 or > 8 || primary.ContainsAnyExcept(Letters))
            return None;
        if (KnownBySpan.TryGetValue(primary, out var known))
            return known;
        var lower = primary.ToString().ToLowerInvariant();
        return Known.Count < MaxKnown ? Known.GetOrAdd(lower, lower) : lower;
    }

    private static readonly System.Buffers.SearchValues<char> Letters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");

    /// <summary>The "q" parameter of a range (0 to 1); a range with a malformed one is not chosen.</summary>
    private static double QualityOf(ReadOnlySpan<char> parameters)
    {
        foreach (var range in parameters.Split(';'))
        {
            var parameter = parameters[range].Trim();
            if (parameter.Length < 2 || (parameter[0] | 0x20) != 'q' || parameter[1] != '=')
                continue;
            return double.TryParse(parameter[2..], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var q) && q is >= 0 and <= 1 ? q : 0;
        }
        return 1.0;
    }
}
