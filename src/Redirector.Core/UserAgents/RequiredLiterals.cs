using System.Text;

namespace Redirector.UserAgents;

/// <summary>
/// Finds literal text that every match of a regex must contain, so a cheap substring search can rule a
/// rule out before the regex runs: most of the ~1200 uap-core rules cannot match a given agent, and
/// proving that with IndexOf is far cheaper than a regex scan.
/// </summary>
/// <remarks>
/// The result is a set of alternatives (one per branch of an alternation); at least one occurs in any
/// match. Anything the walker does not fully understand yields null — no pre-filter, never a wrong one.
/// A class of one letter's two cases ("[Ss]pider", common in uap-core) makes its literal case-insensitive.
/// </remarks>
internal static class RequiredLiterals
{
    // Shorter literals occur in nearly every agent and would cost a search without ruling anything out.
    private const int MinimumLength = 2;

    public static RequiredLiteral[]? Find(string pattern)
    {
        var walker = new Walker(pattern);
        try
        {
            var required = walker.Alternation();
            return walker.AtEnd ? required : null;
        }
        catch (UnsupportedSyntaxException)
        {
            return null;
        }
    }

    private sealed class UnsupportedSyntaxException : Exception;

    private sealed class Walker(string pattern)
    {
        private int _position;

        public bool AtEnd => _position == pattern.Length;

        public RequiredLiteral[]? Alternation()
        {
            var alternatives = new List<RequiredLiteral>();
            var everyBranchRequiresText = true;
            while (true)
            {
                var branch = Sequence();
                if (branch is null)
                    everyBranchRequiresText = false;
                else
                    alternatives.AddRange(branch);

                if (_position < pattern.Length && pattern[_position] == '|')
                {
                    _position++;
                    continue;
                }

                return everyBranchRequiresText ? [.. alternatives] : null;
            }
        }

        private RequiredLiteral[]? Sequence()
        {
            RequiredLiteral[]? best = null;
            var run = new StringBuilder();
            var runIgnoresCase = false;
            RequiredLiteral[]? pendingGroup = null;

            void Consider(RequiredLiteral[]? candidate)
            {
                if (candidate is not null && Score(candidate) > Score(best))
                    best = candidate;
            }

            void FlushRun()
            {
                if (run.Length > 0)
                    Consider([new RequiredLiteral(run.ToString(), runIgnoresCase)]);
                run.Clear();
                runIgnoresCase = false;
            }

            while (_position < pattern.Length && pattern[_position] is not ('|' or ')'))
            {
                var c = pattern[_position];
                if (c is '*' or '+' or '?' or '{')
                {
                    var minimum = Quantifier();
                    if (pendingGroup is not null)
                    {
                        if (minimum > 0)
                            Consider(pendingGroup);
                        pendingGroup = null;
                    }
                    else if (run.Length > 0)
                    {
                        // The quantified character may repeat or vanish, so it splits the run it ends.
                        run.Length--;
                        FlushRun();
                    }

                    continue;
                }

                Consider(pendingGroup);
                pendingGroup = null;

                if (c == '(')
                {
                    FlushRun();
                    pendingGroup = Group();
                }
                else if (c == '\\')
                {
                    var escaped = Escape();
                    if (escaped is { } literal)
                        run.Append(literal);
                    else
                        FlushRun();
                }
                else if (c == '[')
                {
                    if (CharacterClass() is { } letter)
                    {
                        run.Append(letter);
                        runIgnoresCase = true;
                    }
                    else
                    {
                        FlushRun();
                    }
                }
                else if (c is '.' or '^' or '$')
                {
                    FlushRun();
                    _position++;
                }
                else
                {
                    run.Append(c);
                    _position++;
                }
            }

            Consider(pendingGroup);
            FlushRun();
            return best;
        }

        private RequiredLiteral[]? Group()
        {
            _position++;
            var lookaround = false;
            if (_position < pattern.Length && pattern[_position] == '?')
            {
                var rest = pattern.AsSpan(_position);
                if (rest.StartsWith("?:"))
                    _position += 2;
                else if (rest.StartsWith("?=") || rest.StartsWith("?!"))
                    (_position, lookaround) = (_position + 2, true);
                else if (rest.StartsWith("?<=") || rest.StartsWith("?<!"))
                    (_position, lookaround) = (_position + 3, true);
                else
                    throw new UnsupportedSyntaxException(); // inline options, named groups, conditionals
            }

            var inner = Alternation();
            if (_position >= pattern.Length || pattern[_position] != ')')
                throw new UnsupportedSyntaxException();
            _position++;
            return lookaround ? null : inner;
        }

        /// <returns>The escaped character when it stands for itself; null for a class or an anchor.</returns>
        private char? Escape()
        {
            if (_position + 1 >= pattern.Length)
                throw new UnsupportedSyntaxException();
            var escaped = pattern[_position + 1];
            _position += 2;
            if (!char.IsAsciiLetterOrDigit(escaped))
                return escaped;
            if (escaped is 'd' or 'D' or 'w' or 'W' or 's' or 'S' or 'b' or 'B')
                return null;
            throw new UnsupportedSyntaxException(); // \x41, \u0041, \p{..}, back-references: not worth modelling
        }

        /// <returns>The letter when the class is exactly one letter in both cases, such as [Ss].</returns>
        private char? CharacterClass()
        {
            var start = _position;
            _position++;
            if (_position < pattern.Length && pattern[_position] == '^')
                _position++;
            if (_position < pattern.Length && pattern[_position] == ']')
                _position++;
            while (_position < pattern.Length && pattern[_position] != ']')
                _position += pattern[_position] == '\\' ? 2 : 1;
            if (_position >= pattern.Length)
                throw new UnsupportedSyntaxException();
            _position++;

            var members = pattern.AsSpan(start + 1, _position - start - 2);
            return members.Length == 2 && char.IsAsciiLetter(members[0]) && members[0] != members[1]
                && char.ToLowerInvariant(members[0]) == char.ToLowerInvariant(members[1])
                ? char.ToLowerInvariant(members[0])
                : null;
        }

        /// <returns>The minimum number of repetitions the quantifier allows.</returns>
        private int Quantifier()
        {
            int minimum;
            var c = pattern[_position];
            if (c == '{')
            {
                var close = pattern.IndexOf('}', _position);
                if (close < 0)
                    throw new UnsupportedSyntaxException();
                var bounds = pattern.AsSpan(_position + 1, close - _position - 1);
                var comma = bounds.IndexOf(',');
                if (!int.TryParse(comma < 0 ? bounds : bounds[..comma], out minimum))
                    throw new UnsupportedSyntaxException(); // a literal '{' is legal but rare; stay safe
                _position = close + 1;
            }
            else
            {
                minimum = c == '+' ? 1 : 0;
                _position++;
            }

            // Lazy and possessive suffixes do not change what must occur.
            if (_position < pattern.Length && pattern[_position] is '?' or '+')
                _position++;
            return minimum;
        }

        private static int Score(RequiredLiteral[]? alternatives)
        {
            if (alternatives is null || alternatives.Length == 0)
                return 0;
            var shortest = alternatives.Min(a => a.Text.Length);
            return shortest < MinimumLength ? 0 : shortest;
        }
    }
}

/// <summary>Text that must occur in a match; when <paramref name="IgnoreCase"/>, in any letter case.</summary>
internal readonly record struct RequiredLiteral(string Text, bool IgnoreCase);
