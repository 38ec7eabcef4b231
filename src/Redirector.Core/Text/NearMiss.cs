namespace Redirector.Text;

/// <summary>
/// The accepted name a client probably meant when it sent one that matches nothing: the same name in another case
/// (<c>devicetype</c>), the same letters without separators (<c>utm_source</c>, <c>expires-at</c>), else the closest
/// name at most two edits away (<c>maxClick</c>), else the only name that holds it (<c>campaign</c> for
/// <c>utmCampaign</c>). Used by the unknown-property and unknown-parameter answers, and by the targeting rules' OS and browser names.
/// </summary>
public static class NearMiss
{
    /// <summary>The candidate <paramref name="name"/> most likely stands for, or null when none is close or the name is blank.</summary>
    public static string? Of(string name, IEnumerable<string> candidates)
    {
        // Any name of one or two letters is "two edits away" from nothing: an empty value would be told one at random.
        if (string.IsNullOrWhiteSpace(name))
            return null;
        var list = candidates as IReadOnlyCollection<string> ?? candidates.ToList();
        if (list.FirstOrDefault(c => string.Equals(c, name, StringComparison.OrdinalIgnoreCase)) is { } sameLetters)
            return sameLetters;
        var bare = Bare(name);
        if (list.FirstOrDefault(c => string.Equals(Bare(c), bare, StringComparison.OrdinalIgnoreCase)) is { } sameWords)
            return sameWords;
        string? best = null;
        var bestDistance = 3;
        foreach (var candidate in list)
        {
            var distance = Distance(bare.ToLowerInvariant(), Bare(candidate).ToLowerInvariant());
            if (distance < bestDistance)
                (best, bestDistance) = (candidate, distance);
        }
        if (best is not null || bare.Length < 4)
            return best;
        // A shortened name (device, campaign) stands for the one name that holds it.
        var holding = list.Where(c => c.Contains(bare, StringComparison.OrdinalIgnoreCase)).Take(2).ToList();
        return holding.Count == 1 ? holding[0] : null;
    }

    /// <summary>" (did you mean 'x'?)" or nothing, for the end of a sentence that names an unknown name.</summary>
    public static string Hint(string name, IEnumerable<string> candidates) =>
        Of(name, candidates) is { } meant ? $" (did you mean '{meant}'?)" : "";

    private static string Bare(string name) => name.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);

    // Levenshtein distance on short names (at most a few dozen characters: query and JSON property names).
    private static int Distance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 2)
            return int.MaxValue;
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
            previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
