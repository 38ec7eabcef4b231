namespace Redirector.UserAgents;

/// <summary>
/// The distinct pre-filter literals of a rule set, found in one pass over an agent with an Aho-Corasick
/// automaton: probing ~1000 literals one IndexOf at a time would cost more than the regexes it saves.
/// </summary>
internal sealed class LiteralTable
{
    // Characters outside every literal (and all non-ASCII ones) share class 0, which leads back to the root.
    private const int OtherClass = 0;

    private readonly List<RequiredLiteral> _literals = [];
    private readonly Dictionary<RequiredLiteral, int> _ids = [];
    private Automaton? _automaton;

    public int Count => _literals.Count;

    public int Add(RequiredLiteral literal)
    {
        if (_automaton is not null)
            throw new InvalidOperationException("Literals cannot be added once the table is in use.");
        if (_ids.TryGetValue(literal, out var id))
            return id;
        id = _literals.Count;
        _literals.Add(literal);
        _ids.Add(literal, id);
        return id;
    }

    /// <summary>Builds the automaton; call once every rule has added its literals.</summary>
    public void Seal() => _automaton = Automaton.Build(_literals);

    /// <summary>Sets present[id] for every literal that occurs in the agent.</summary>
    public void MarkPresent(string userAgent, Span<bool> present)
    {
        var automaton = _automaton ?? throw new InvalidOperationException("The table has not been sealed.");
        present.Clear();
        foreach (var id in automaton.AlwaysPresent)
            present[id] = true;

        var state = 0;
        for (var i = 0; i < userAgent.Length; i++)
        {
            var c = userAgent[i];
            var characterClass = c < automaton.ClassOf.Length ? automaton.ClassOf[c] : OtherClass;
            state = automaton.Next[(state * automaton.ClassCount) + characterClass];
            foreach (var id in automaton.Outputs[state])
            {
                var literal = _literals[id];
                present[id] |= literal.IgnoreCase
                    || string.CompareOrdinal(userAgent, i - literal.Text.Length + 1, literal.Text, 0, literal.Text.Length) == 0;
            }
        }
    }

    private static char Fold(char c) => char.IsAsciiLetterUpper(c) ? (char)(c | 0x20) : c;

    private sealed class Automaton
    {
        public required int[] ClassOf { get; init; }
        public required int ClassCount { get; init; }
        public required int[] Next { get; init; }
        public required int[][] Outputs { get; init; }
        public required int[] AlwaysPresent { get; init; }

        /// <summary>A trie over the case-folded literals, completed into a transition table (classic Aho-Corasick).</summary>
        public static Automaton Build(List<RequiredLiteral> literals)
        {
            var classOf = new int[128];
            var classCount = 1;
            var trie = new List<Dictionary<int, int>> { new() };
            var own = new List<List<int>> { new() };
            var alwaysPresent = new List<int>();

            for (var id = 0; id < literals.Count; id++)
            {
                var text = literals[id].Text;
                if (text.Any(c => !char.IsAscii(c)))
                {
                    // Never ruled out: sound, and uap-core's patterns are ASCII anyway.
                    alwaysPresent.Add(id);
                    continue;
                }

                var state = 0;
                foreach (var c in text.Select(Fold))
                {
                    if (classOf[c] == OtherClass)
                        classOf[c] = classCount++;
                    if (!trie[state].TryGetValue(classOf[c], out var next))
                    {
                        next = trie.Count;
                        trie.Add([]);
                        own.Add([]);
                        trie[state].Add(classOf[c], next);
                    }

                    state = next;
                }

                own[state].Add(id);
            }

            foreach (var upper in Enumerable.Range('A', 26))
                classOf[upper] = classOf[upper | 0x20];

            var nextTable = new int[trie.Count * classCount];
            var fail = new int[trie.Count];
            var outputs = new int[trie.Count][];
            outputs[0] = [.. own[0]];
            var queue = new Queue<int>();
            for (var cls = 0; cls < classCount; cls++)
            {
                if (trie[0].TryGetValue(cls, out var child))
                {
                    nextTable[cls] = child;
                    queue.Enqueue(child);
                }
            }

            while (queue.TryDequeue(out var state))
            {
                outputs[state] = [.. own[state], .. outputs[fail[state]]];
                for (var cls = 0; cls < classCount; cls++)
                {
                    var fallback = nextTable[(fail[state] * classCount) + cls];
                    if (trie[state].TryGetValue(cls, out var child))
                    {
                        fail[child] = fallback;
                        nextTable[(state * classCount) + cls] = child;
                        queue.Enqueue(child);
                    }
                    else
                    {
                        nextTable[(state * classCount) + cls] = fallback;
                    }
                }
            }

            return new Automaton
            {
                ClassOf = classOf,
                ClassCount = classCount,
                Next = nextTable,
                Outputs = outputs,
                AlwaysPresent = [.. alwaysPresent],
            };
        }
    }
}

/// <summary>One agent together with which pre-filter literals it contains.</summary>
internal readonly ref struct LiteralScan(string userAgent, ReadOnlySpan<bool> present)
{
    private readonly ReadOnlySpan<bool> _present = present;

    public string UserAgent => userAgent;

    public bool AnyOccurs(int[] ids)
    {
        foreach (var id in ids)
        {
            if (_present[id])
                return true;
        }

        return false;
    }
}
