namespace Redirector.UserAgents;

/// <summary>
/// The distinct pre-filter literals of a rule set. Many rules share one ("Android", "Build"), so each is
/// searched for at most once per parse (see <see cref="LiteralScan"/>).
/// </summary>
internal sealed class LiteralTable
{
    private readonly List<(string Text, StringComparison Comparison)> _literals = [];
    private readonly Dictionary<(string, StringComparison), int> _ids = [];

    public int Count => _literals.Count;

    public int Add(string text, StringComparison comparison)
    {
        if (_ids.TryGetValue((text, comparison), out var id))
            return id;
        id = _literals.Count;
        _literals.Add((text, comparison));
        _ids.Add((text, comparison), id);
        return id;
    }

    public bool OccursIn(int id, string userAgent)
    {
        var (text, comparison) = _literals[id];
        return userAgent.Contains(text, comparison);
    }
}

/// <summary>Per-parse memo of which literals occur in one user agent.</summary>
internal ref struct LiteralScan(string userAgent, LiteralTable table, Span<byte> memo)
{
    private const byte Unknown = 0, Absent = 1, Present = 2;

    private readonly Span<byte> _memo = memo;

    public readonly string UserAgent => userAgent;

    public readonly bool AnyOccurs(int[] ids)
    {
        foreach (var id in ids)
        {
            if (_memo[id] == Unknown)
                _memo[id] = table.OccursIn(id, userAgent) ? Present : Absent;
            if (_memo[id] == Present)
                return true;
        }

        return false;
    }
}
