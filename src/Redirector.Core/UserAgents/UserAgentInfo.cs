using Redirector.Bots;

namespace Redirector.UserAgents;

/// <summary>The ua-parser "user_agent" result; versions stay strings because they are not always numeric ("1pre").</summary>
public sealed record BrowserInfo(string Family, string? Major, string? Minor, string? Patch)
{
    /// <summary>A fourth version part (Chrome's build number "3029.83" → "83"), which the reference ports also report.</summary>
    public string? PatchMinor { get; init; }

    internal static readonly BrowserInfo Unknown = new(UserAgentParser.OtherFamily, null, null, null);
}

public sealed record OsInfo(string Family, string? Major, string? Minor, string? Patch, string? PatchMinor)
{
    internal static readonly OsInfo Unknown = new(UserAgentParser.OtherFamily, null, null, null, null);
}

public sealed record DeviceInfo(string Family, string? Brand, string? Model)
{
    internal static readonly DeviceInfo Unknown = new(UserAgentParser.OtherFamily, null, null);
}

/// <param name="DeviceType"><see cref="DeviceType.Bot"/> exactly when <paramref name="BotKind"/> is set.</param>
/// <param name="BotKind">The kind of bot the agent says it is (bots.txt, or ua-parser's "Spider" family as a crawler); null for a person.</param>
public sealed record UserAgentInfo(BrowserInfo Browser, OsInfo Os, DeviceInfo Device, DeviceType DeviceType, BotKind? BotKind)
{
    /// <summary>A request without a User-Agent (missing, empty or blank): every browser sends one, so it is a bot.</summary>
    internal static readonly UserAgentInfo Missing = new(BrowserInfo.Unknown, OsInfo.Unknown, DeviceInfo.Unknown, DeviceType.Bot, Bots.BotKind.Other);

    public bool IsBot => BotKind is not null;
}
