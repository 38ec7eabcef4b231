using System.Text;
using System.Text.RegularExpressions;

namespace Redirector.UserAgents;

/// <summary>The spec's replacement rules, as the reference ports apply them.</summary>
internal static class Replacement
{
    /// <summary>
    /// Substitutes $1..$9 anywhere in the template; a group that did not take part (or does not exist)
    /// contributes nothing. The result is trimmed, and an empty result means "no value".
    /// </summary>
    public static string? Expand(string template, Match match)
    {
        if (!template.Contains('$', StringComparison.Ordinal))
            return NullIfEmpty(template.Trim());

        var result = new StringBuilder(template.Length + 16);
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] == '$' && i + 1 < template.Length && template[i + 1] is >= '1' and <= '9')
            {
                result.Append(Group(match, template[i + 1] - '0'));
                i++;
            }
            else
            {
                result.Append(template[i]);
            }
        }

        return NullIfEmpty(result.ToString().Trim());
    }

    /// <summary>A version field: its replacement when the rule names one, otherwise its default group.</summary>
    public static string? Field(string? replacement, Match match, int defaultGroup) =>
        replacement is null ? Group(match, defaultGroup) : Expand(replacement, match);

    /// <summary>A capture group's text, or null when the group is absent, did not take part or is empty.</summary>
    public static string? Group(Match match, int index) =>
        index < match.Groups.Count && match.Groups[index] is { Success: true, Length: > 0 } group ? group.Value : null;

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
