namespace Redirector.UserAgents;

public enum DeviceType
{
    Desktop,
    Mobile,
    Tablet,
    Bot,
    Other,
}

public static class DeviceTypes
{
    /// <summary>Every device type's key, in the enum's order: the values clicks, filters and targeting rules know.</summary>
    public static readonly IReadOnlyList<string> Keys = [.. Enum.GetValues<DeviceType>().Select(t => t.ToKey())];

    /// <summary>The stable lowercase key stored with clicks and used in reports.</summary>
    public static string ToKey(this DeviceType t) => t switch
    {
        DeviceType.Desktop => "desktop",
        DeviceType.Mobile => "mobile",
        DeviceType.Tablet => "tablet",
        DeviceType.Bot => "bot",
        DeviceType.Other => "other",
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "Unknown device type."),
    };
}
