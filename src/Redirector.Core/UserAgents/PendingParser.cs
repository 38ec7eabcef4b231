// Placeholder until the ua-parser branch lands (issue 3); deleted by that merge.
namespace Redirector.UserAgents;

public enum DeviceType { Desktop, Mobile, Tablet, Bot, Other }

public static class DeviceTypes
{
    public static string ToKey(this DeviceType type) => type.ToString().ToLowerInvariant();
}

public sealed record BrowserInfo(string Family, string? Major, string? Minor, string? Patch);
public sealed record OsInfo(string Family, string? Major, string? Minor, string? Patch, string? PatchMinor);
public sealed record DeviceInfo(string Family, string? Brand, string? Model);
public sealed record UserAgentInfo(BrowserInfo Browser, OsInfo Os, DeviceInfo Device, DeviceType DeviceType, bool IsBot);

public sealed class UserAgentParser
{
    public static UserAgentParser Default { get; } = new();

#pragma warning disable CA1822
    public UserAgentInfo Parse(string? userAgent)
    {
        var ua = userAgent ?? "";
        var bot = ua.Contains("bot", StringComparison.OrdinalIgnoreCase) || ua.StartsWith("curl", StringComparison.Ordinal)
            || ua.Contains("facebookexternalhit", StringComparison.Ordinal);
        var mobile = ua.Contains("iPhone", StringComparison.Ordinal) || ua.Contains("Mobile", StringComparison.Ordinal);
        var type = bot ? DeviceType.Bot : mobile ? DeviceType.Mobile : ua.Length > 0 ? DeviceType.Desktop : DeviceType.Other;
        var os = ua.Contains("iPhone", StringComparison.Ordinal) ? "iOS" : ua.Contains("Windows", StringComparison.Ordinal) ? "Windows" : "Other";
        var browser = ua.Contains("Chrome", StringComparison.Ordinal) ? "Chrome" : ua.Contains("Safari", StringComparison.Ordinal) ? "Mobile Safari" : "Other";
        return new UserAgentInfo(new BrowserInfo(browser, null, null, null), new OsInfo(os, null, null, null, null),
            new DeviceInfo("Other", null, null), type, bot);
    }
}

public sealed class CachedUserAgentParser(UserAgentParser parser, int capacity = 10_000)
{
    public int Capacity => capacity;
#pragma warning disable CA1822
    public UserAgentInfo Parse(string? userAgent) => parser.Parse(userAgent);
}
