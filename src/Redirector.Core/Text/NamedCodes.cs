using System.Collections.Frozen;

namespace Redirector.Text;

/// <summary>
/// A closed set of codes (countries, languages) in any case, with the names people write instead of them, so that a
/// refused value can be answered with the code it stands for: "Germany" and "DEU" for <c>DE</c>.
/// </summary>
public sealed class NamedCodes
{
    private readonly FrozenSet<string> _codes;
    private readonly FrozenDictionary<string, string> _byName;

    /// <param name="codes">The codes accepted.</param>
    /// <param name="names">Other spellings (names, other codes) and the code each stands for; the first of a name wins.</param>
    public NamedCodes(IEnumerable<string> codes, IEnumerable<(string Name, string Code)> names)
    {
        _codes = codes.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        var byName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, code) in names)
        {
            if (!string.IsNullOrWhiteSpace(name) && !_codes.Contains(name))
                byName.TryAdd(name, code);
        }
        _byName = byName.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The codes of <paramref name="items"/>, each hinted at by its <paramref name="names"/> and by <paramref name="aliases"/>.</summary>
    public static NamedCodes Of<T>(IReadOnlyList<T> items, Func<T, string> code, Func<T, IEnumerable<string>> names, params (string Name, string Code)[] aliases) =>
        new(items.Select(code), aliases.Concat(items.SelectMany(item => names(item).Select(name => (name, code(item))))));

    /// <summary>The accepted codes, in no order.</summary>
    public IReadOnlyCollection<string> All => _codes;

    public bool Contains(string value) => _codes.Contains(value);

    /// <summary>
    /// The code <paramref name="value"/> probably stands for: the one it names, else the one of the closest name (see
    /// <see cref="NearMiss"/>; only for four letters or more, as any short value is a few edits from some code).
    /// </summary>
    public string? Meant(string value)
    {
        if (_byName.TryGetValue(value.Trim(), out var code))
            return code;
        return value.Length >= 4 && NearMiss.Of(value, _byName.Keys) is { } name ? _byName[name] : null;
    }

    /// <summary>" (did you mean 'DE'?)" or nothing, for the end of a sentence that quotes a refused value.</summary>
    public string Hint(string value) => Meant(value) is { } code ? $" (did you mean '{code}'?)" : "";
}
