using System.Text.RegularExpressions;

namespace Redirector.UserAgents;

/// <summary>One regexes.yaml entry: a regex, its pre-filter, and how a match becomes a result.</summary>
internal abstract class UapRule<TResult>
    where TResult : class
{
    // A pathological agent must not stall the pipeline; a rule that times out is treated as not matching.
    // The limit is wall-clock time, so it is generous: on a loaded machine a normal match can be descheduled
    // for a few hundred milliseconds, and misclassifying it then would be a wrong count, not a slow one.
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(2);

    // Compiled roughly halves the mean parse (measured with bench `ua`) for ~100 ms more at load; the
    // pre-filter already keeps most patterns from ever running, so the remaining ones are worth compiling.
    private const RegexOptions BaseOptions = RegexOptions.CultureInvariant | RegexOptions.Compiled;

    private readonly Regex _regex;
    private readonly int[]? _requiredLiteralIds;

    protected UapRule(string pattern, bool ignoreCase, LiteralTable literals)
    {
        var options = BaseOptions | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None);
        _regex = new Regex(pattern, options, MatchTimeout);
        _requiredLiteralIds = RequiredLiterals.Find(pattern)
            ?.Select(l => literals.Add(l with { IgnoreCase = l.IgnoreCase || ignoreCase }))
            .ToArray();
    }

    public TResult? TryParse(in LiteralScan scan)
    {
        if (_requiredLiteralIds is not null && !scan.AnyOccurs(_requiredLiteralIds))
            return null;

        Match match;
        try
        {
            match = _regex.Match(scan.UserAgent);
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }

        return match.Success ? Build(match) : null;
    }

    protected abstract TResult Build(Match match);
}

/// <summary>The spec's evaluation order: rules are tried top to bottom and the first match wins.</summary>
internal sealed class UapRuleList<TResult>(IReadOnlyList<UapRule<TResult>> rules)
    where TResult : class
{
    public int Count => rules.Count;

    public TResult? FirstMatch(in LiteralScan scan)
    {
        foreach (var rule in rules)
        {
            if (rule.TryParse(in scan) is { } result)
                return result;
        }

        return null;
    }
}
