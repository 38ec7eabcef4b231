using Redirector.Text;

namespace Redirector.UserAgents;

/// <summary>
/// The names people type for an operating system or browser that the user-agent rules name otherwise: "macOS" and
/// "OS X" for 'Mac OS X', "iPhone" and "iPadOS" for 'iOS', "Internet Explorer" for 'IE'. Only hints are drawn from
/// them: a targeting rule still refuses the name and tells the counts' one, since a rule is stored and shown as the
/// counts spell it, and stats filters take the same spelling. Edit distance cannot find these ("macOS" is one edit
/// from the classic 'Mac OS', "iPhone" near nothing), so they are a table.
/// </summary>
public sealed class FamilyAliases
{
    /// <summary>What an alias stands for: the family, and for a device's name the device type that narrows a rule to such devices.</summary>
    private sealed record Meaning(string Family, string? DeviceType = null, string? Devices = null);

    private readonly Dictionary<string, Meaning> _byKey;

    private FamilyAliases(Dictionary<string, Meaning> byKey) => _byKey = byKey;

    /// <summary>Operating systems by their marketing names, and phones and tablets named in place of their system.</summary>
    public static FamilyAliases Os { get; } = new(new()
    {
        ["macos"] = new("Mac OS X"), ["osx"] = new("Mac OS X"), ["macosx"] = new("Mac OS X"), ["mac"] = new("Mac OS X"),
        ["macintosh"] = new("Mac OS X"), ["macbook"] = new("Mac OS X"), ["imac"] = new("Mac OS X"),
        ["iphoneos"] = new("iOS"), ["ipados"] = new("iOS", "tablet", "iPads"), ["ipad"] = new("iOS", "tablet", "iPads"),
        ["iphone"] = new("iOS", "mobile", "iPhones"), ["ipod"] = new("iOS", "mobile", "iPods"),
        ["androidphone"] = new("Android", "mobile", "phones"), ["androidtablet"] = new("Android", "tablet", "tablets"),
        ["win"] = new("Windows"), ["win10"] = new("Windows"), ["win11"] = new("Windows"), ["windows10"] = new("Windows"),
        ["windows11"] = new("Windows"), ["microsoftwindows"] = new("Windows"), ["chromebook"] = new("Chrome OS"),
    });

    /// <summary>Browsers by the names people use: with the maker, or with the system for the mobile ones.</summary>
    public static FamilyAliases Browser { get; } = new(new()
    {
        ["iossafari"] = new("Mobile Safari"), ["safariios"] = new("Mobile Safari"), ["safarimobile"] = new("Mobile Safari"),
        ["iphonesafari"] = new("Mobile Safari"), ["applesafari"] = new("Safari"), ["googlechrome"] = new("Chrome"),
        ["chromeandroid"] = new("Chrome Mobile"), ["androidchrome"] = new("Chrome Mobile"), ["chromeios"] = new("Chrome Mobile iOS"),
        ["ioschrome"] = new("Chrome Mobile iOS"), ["microsoftedge"] = new("Edge"), ["msedge"] = new("Edge"),
        ["edgechromium"] = new("Edge"), ["internetexplorer"] = new("IE"), ["msie"] = new("IE"),
        ["samsungbrowser"] = new("Samsung Internet"), ["firefoxandroid"] = new("Firefox Mobile"), ["operagx"] = new("Opera"),
    });

    /// <summary>
    /// " (did you mean 'x'?)" for a name the rules do not know: the family its alias stands for when the rules name
    /// that family (with the device type that narrows it for a device's name), else <see cref="NearMiss"/>'s guess.
    /// </summary>
    public string Hint(string typed, KnownFamilies known)
    {
        if (!_byKey.TryGetValue(Key(typed), out var meaning) || !known.TryFind(meaning.Family, out var family))
            return NearMiss.Hint(typed, known.All);
        return meaning.DeviceType is null
            ? $" (did you mean '{family}'?)"
            : $" (did you mean '{family}', with deviceType '{meaning.DeviceType}' for {meaning.Devices} alone?)";
    }

    /// <summary>
    /// Whether <paramref name="family"/>, a name the user-agent rules give, is also one people type for another family
    /// that they mean: 'Mac OS', the PowerPC-era system almost no visitor reports now, typed for 'Mac OS X'. A targeting
    /// rule refuses such a name (<see cref="Hint"/> gives the one meant); a stats filter takes it, for the clicks counted under it.
    /// </summary>
    public bool MeansAnother(string family) =>
        _byKey.TryGetValue(Key(family), out var meaning) && !string.Equals(meaning.Family, family, StringComparison.OrdinalIgnoreCase);

    // "Mac OS X", "mac-os", "iPad OS" and "iPadOS" are one name typed several ways.
    private static string Key(string typed) =>
        string.Concat(typed.Where(char.IsAsciiLetterOrDigit)).ToLowerInvariant();
}
