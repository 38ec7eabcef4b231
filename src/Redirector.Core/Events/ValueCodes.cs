using System.Collections.Concurrent;

namespace Redirector.Events;

/// <summary>
/// The value of each integer code of the DuckDB event store (<see cref="DuckDbEventStore"/>), and back: codes count
/// up from 1 (0 is never a code, so it matches nothing). One writer adds (<see cref="Publish"/>), after the codes'
/// rows are in the file; any number of readers look up at the same time without a lock: a code is published with its
/// value before any event that uses it is appended, so a reader that found a code in an event finds its value here.
/// </summary>
internal sealed class ValueCodes
{
    private readonly ConcurrentDictionary<string, int> _codes = new(StringComparer.Ordinal);
    // Index = code. Replaced by a larger copy when full; a reader holding the older one still finds every code it knew.
    private string[] _values = new string[1024];
    private int _next = 1;

    /// <summary>The code the next new value gets.</summary>
    public int Next => Volatile.Read(ref _next);

    /// <summary>Values coded so far.</summary>
    public int Count => Next - 1;

    public bool TryGetCode(string value, out int code) => _codes.TryGetValue(value, out code);

    /// <summary>The code of a value, or 0 (no event holds it) when it was never stored.</summary>
    public int CodeOrNone(string value) => _codes.TryGetValue(value, out var code) ? code : 0;

    /// <summary>The value of a code read from the events table; throws when the code has none (a file written otherwise).</summary>
    public string Value(int code)
    {
        var values = Volatile.Read(ref _values);
        return (uint)code < (uint)values.Length && values[code] is { } value
            ? value
            : throw new InvalidOperationException($"The event store's code {code} has no row in event_values");
    }

    /// <summary>Makes values and their codes known to readers: codes from <see cref="Next"/> on, each once. Writer only.</summary>
    public void Publish(IEnumerable<KeyValuePair<string, int>> added)
    {
        var values = _values;
        var next = _next;
        foreach (var (value, code) in added)
        {
            if (code >= values.Length)
            {
                var larger = new string[Math.Max(values.Length * 2, code + 1)];
                Array.Copy(values, larger, values.Length);
                values = larger;
            }
            values[code] = value;
            next = Math.Max(next, code + 1);
        }
        Volatile.Write(ref _values, values);
        foreach (var (value, code) in added)
            _codes[value] = code;
        Volatile.Write(ref _next, next);
    }
}
