namespace Redirector.UserAgents;

/// <summary>
/// The families (OS or browser names) a parser's rules can give, in their own spelling: a rule's literal replacement,
/// or the words its captured group can match when that group is a choice of fixed words ("(Windows|Android|WeTab)",
/// "Firefox ($1)" over "(Namoroka|Shiretoko|Minefield)"). A group of free text (an app's name before "CFNetwork", a
/// crawler's name) names no family here: such families cannot be listed ahead of the clicks. "Other" is always one.
/// </summary>
public sealed class KnownFamilies
{
    private readonly Dictionary<string, string> _byAnyCase;

    internal KnownFamilies(IEnumerable<string> families)
    {
        _byAnyCase = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        // Sorted first so that of two spellings of one name in different cases the ordinal first is the one kept.
        foreach (var family in families.Append(UserAgentParser.OtherFamily).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            _byAnyCase.TryAdd(family, family);
        All = [.. _byAnyCase.Values.Order(StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>Every known family, in alphabetical order (any case).</summary>
    public IReadOnlyList<string> All { get; }

    /// <summary>The family as the parser spells it ("iOS" for "ios"), or false when no rule names it.</summary>
    public bool TryFind(string value, out string family) => _byAnyCase.TryGetValue(value, out family!);

    /// <summary>The family as the parser spells it, or <paramref name="value"/> itself when no rule names it.</summary>
    public string SpellingOf(string value) => TryFind(value, out var family) ? family : value;
}

/// <summary>Works out the names a regexes.yaml replacement template can produce from its regex (see <see cref="KnownFamilies"/>).</summary>
internal static class FamilyNames
{
    // A choice of words multiplies with the next; past this many a group is taken as free text.
    private const int MaxNames = 2000;

    /// <summary>The names <paramref name="template"/> ("$1" when null) yields over <paramref name="pattern"/>; empty when a group it uses is free text.</summary>
    public static IEnumerable<string> Of(string? template, string pattern)
    {
        template ??= "$1";
        var names = new List<string> { "" };
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] == '$' && i + 1 < template.Length && template[i + 1] is >= '1' and <= '9')
            {
                if (Group(pattern, template[++i] - '0') is not { } group || Words(group) is not { Count: > 0 } words || names.Count * words.Count > MaxNames)
                    return [];
                names = [.. names.SelectMany(n => words.Select(w => n + w))];
            }
            else
            {
                for (var n = 0; n < names.Count; n++)
                    names[n] += template[i];
            }
        }
        return names.Select(n => n.Trim()).Where(n => n.Length > 0);
    }

    /// <summary>The text of the <paramref name="number"/>th capturing group of a regex, or null when it has none.</summary>
    private static string? Group(string pattern, int number)
    {
        var seen = 0;
        foreach (var i in Syntax(pattern, 0))
        {
            if (pattern[i] == '(' && (i + 1 >= pattern.Length || pattern[i + 1] != '?') && ++seen == number)
                return End(pattern, i) is { } end ? pattern[(i + 1)..end] : null;
        }
        return null;
    }

    /// <summary>The index of the ")" that closes the "(" at <paramref name="open"/>.</summary>
    private static int? End(string pattern, int open)
    {
        var depth = 0;
        foreach (var i in Syntax(pattern, open))
        {
            if (pattern[i] == '(')
                depth++;
            else if (pattern[i] == ')' && --depth == 0)
                return i;
        }
        return null;
    }

    /// <summary>The indexes of the "(", ")" and "|" from <paramref name="start"/> on that are syntax: neither escaped nor in a character class.</summary>
    private static IEnumerable<int> Syntax(string pattern, int start)
    {
        var inClass = false;
        for (var i = start; i < pattern.Length; i++)
        {
            switch (pattern[i])
            {
                case '\\':
                    i++;
                    break;
                case '[' when !inClass:
                    inClass = true;
                    break;
                case ']' when inClass:
                    inClass = false;
                    break;
                case '(' or ')' or '|' when !inClass:
                    yield return i;
                    break;
            }
        }
    }

    /// <summary>
    /// Every text an alternation of fixed words matches: literal and escaped characters, "\b", "^" and "$", nested
    /// groups and "?" after a character or group. An alternative with anything else (".", a class, "+", "\d") is free
    /// text and adds nothing.
    /// </summary>
    private static List<string>? Words(string alternation)
    {
        var result = new List<string>();
        foreach (var alternative in Split(alternation))
        {
            if (Sequence(alternative) is { } words)
                result.AddRange(words);
            if (result.Count > MaxNames)
                return null;
        }
        return result;
    }

    private static List<string>? Sequence(string text)
    {
        var names = new List<string> { "" };
        for (var i = 0; i < text.Length; i++)
        {
            List<string> item;
            switch (text[i])
            {
                case '\\' when i + 1 < text.Length && text[i + 1] == 'b':
                    i++;
                    continue;
                case '\\' when i + 1 < text.Length && !char.IsAsciiLetterOrDigit(text[i + 1]):
                    item = [text[++i].ToString()];
                    break;
                case '^' or '$':
                    continue;
                case '(':
                    if (End(text, i) is not { } end)
                        return null;
                    var inner = text[(i + 1)..end];
                    if (inner.StartsWith('?'))
                    {
                        if (!inner.StartsWith("?:", StringComparison.Ordinal))
                            return null;
                        inner = inner[2..];
                    }
                    if (Words(inner) is not { } words)
                        return null;
                    item = words;
                    i = end;
                    break;
                case '.' or '[' or '\\' or '*' or '+' or '{' or '?' or '|' or ')':
                    return null;
                default:
                    item = [text[i].ToString()];
                    break;
            }
            if (i + 1 < text.Length && text[i + 1] == '?')
            {
                item = [.. item, ""];
                i++;
            }
            if (i + 1 < text.Length && text[i + 1] is '*' or '+' or '{')
                return null;
            if (names.Count * item.Count > MaxNames)
                return null;
            names = [.. names.SelectMany(n => item.Select(w => n + w))];
        }
        return names;
    }

    /// <summary>The top-level alternatives of a group's text.</summary>
    private static List<string> Split(string text)
    {
        var parts = new List<string>();
        var (depth, from) = (0, 0);
        foreach (var i in Syntax(text, 0))
        {
            if (text[i] == '(')
                depth++;
            else if (text[i] == ')')
                depth--;
            else if (depth == 0)
            {
                parts.Add(text[from..i]);
                from = i + 1;
            }
        }
        parts.Add(text[from..]);
        return parts;
    }
}
