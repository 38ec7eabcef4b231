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

    // Compiled roughly halves the mean parse (measured with bench `ua`), but building ~1,200 compiled regexes (IL
    // emission, then a full JIT of each at its first match) is most of the rules' cold load. So a rule starts
    // interpreted, which the node can serve with at once, and CompileRules swaps the compiled one in once the
    // node serves (bench/README.md, "Start-up, session 9").
    private const RegexOptions BaseOptions = RegexOptions.CultureInvariant;

    private readonly string _pattern;
    private readonly RegexOptions _options;
    // Written once by Compile on another thread; a visit reads whichever regex is there, both give the same match.
    private volatile Regex _regex;
    private readonly int[]? _requiredLiteralIds;

    protected UapRule(string pattern, bool ignoreCase, LiteralTable literals)
    {
        _pattern = pattern;
        _options = BaseOptions | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None);
        _regex = new Regex(pattern, _options, MatchTimeout);
        _requiredLiteralIds = RequiredLiterals.Find(pattern)
            ?.Select(l => literals.Add(l with { IgnoreCase = l.IgnoreCase || ignoreCase }))
            .ToArray();
    }

    public bool IsCompiled => (_regex.Options & RegexOptions.Compiled) != 0;

    /// <summary>Replaces the interpreted regex with a compiled one (same pattern, options and timeout).</summary>
    public void Compile()
    {
        if (!IsCompiled)
            _regex = new Regex(_pattern, _options | RegexOptions.Compiled, MatchTimeout);
    }

    public TResult? TryParse(in LiteralScan scan)
    {
        if (_requiredLiteralIds is not null && !scan.AnyOccurs(_requiredLiteralIds))
            return null;

        // A compiled regex is JIT-compiled at its first match, inside the timeout: uap-core's first browser rule (one
        // alternation of ~300 robots) has taken over 2 s that way on a loaded 2-core machine, which turned the first
        // Slack preview after start into another browser family. A second try runs compiled code; a pathological agent
        // costs two timeouts.
        var match = TryMatch(scan.UserAgent) ?? TryMatch(scan.UserAgent);
        return match is { Success: true } ? Build(match) : null;
    }

    /// <summary>The match, or null when it timed out.</summary>
    private Match? TryMatch(string userAgent)
    {
        try
        {
            return _regex.Match(userAgent);
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
    }

    protected abstract TResult Build(Match match);
}

/// <summary>The spec's evaluation order: rules are tried top to bottom and the first match wins.</summary>
internal sealed class UapRuleList<TResult>(IReadOnlyList<UapRule<TResult>> rules)
    where TResult : class
{
    public int Count => rules.Count;

    public int CompiledCount => rules.Count(r => r.IsCompiled);

    /// <summary>Compiles every rule's regex in place; see <see cref="UapRule{TResult}.Compile"/>.</summary>
    public void Compile(CancellationToken ct)
    {
        foreach (var rule in rules)
        {
            ct.ThrowIfCancellationRequested();
            rule.Compile();
        }
    }

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
