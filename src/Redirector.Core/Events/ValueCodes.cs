namespace Redirector.Events;

/// <summary>
/// A bounded map of values to the integer codes of the DuckDB event store (<see cref="DuckDbEventStore"/>), and,
/// when <paramref name="decodes"/>, of codes back to values: at most <paramref name="capacity"/> pairs, the recently
/// used ones. Not thread-safe. Every pair in it is one <c>event_values</c> holds (the store adds a new code only after
/// its row is committed), so a miss is answered from the file, never by guessing.
/// <para>
/// Two generations of half the capacity each rather than a linked most-recently-used list: a hit in the recent one is
/// a single dictionary lookup, as cheap as the unbounded map it replaces (the writer looks up every value of every
/// click group). A hit in the older one moves the pair to the recent one; when the recent one is full it becomes the
/// older one and the older one is dropped, so a pair used at least once per half-capacity of other pairs stays.
/// </para>
/// </summary>
internal sealed class ValueCodes(int capacity, bool decodes)
{
    private readonly int _half = Math.Max(1, capacity / 2);
    private Dictionary<string, int> _recent = new(StringComparer.Ordinal);
    private Dictionary<string, int> _older = new(StringComparer.Ordinal);
    private Dictionary<int, string> _recentValues = [];
    private Dictionary<int, string> _olderValues = [];

    /// <summary>Pairs held: never above the capacity.</summary>
    public int Count => _recent.Count + _older.Count;

    public bool TryGetCode(string value, out int code)
    {
        if (_recent.TryGetValue(value, out code))
            return true;
        if (!_older.Remove(value, out code))
            return false;
        if (decodes)
            _olderValues.Remove(code);
        Add(value, code);
        return true;
    }

    /// <summary>The value of a code; only for a map made with decodes.</summary>
    public bool TryGetValue(int code, out string value)
    {
        if (_recentValues.TryGetValue(code, out value!))
            return true;
        if (!_olderValues.Remove(code, out value!))
            return false;
        _older.Remove(value);
        Add(value, code);
        return true;
    }

    /// <summary>Holds a pair read from or committed to <c>event_values</c>.</summary>
    public void Add(string value, int code)
    {
        // Two readers may both have missed the same pair and both add it: it is held once.
        if (_older.Remove(value, out var older) && decodes)
            _olderValues.Remove(older);
        if (_recent.Count >= _half && !_recent.ContainsKey(value))
        {
            (_older, _recent) = (_recent, _older);
            _recent.Clear();
            if (decodes)
            {
                (_olderValues, _recentValues) = (_recentValues, _olderValues);
                _recentValues.Clear();
            }
        }
        _recent[value] = code;
        if (decodes)
            _recentValues[code] = value;
    }
}
