using System.Text.RegularExpressions;

namespace Redirector.UserAgents;

/// <summary>user_agent_parsers: family defaults to $1 and versions (v1..v4) to groups 2..5.</summary>
internal sealed class BrowserRule(
    string pattern, LiteralTable literals, string? family, string? major, string? minor, string? patch, string? patchMinor)
    : UapRule<BrowserInfo>(pattern, ignoreCase: false, literals)
{
    protected override BrowserInfo Build(Match match) => new(
        Replacement.Expand(family ?? "$1", match) ?? UserAgentParser.OtherFamily,
        Replacement.Field(major, match, 2),
        Replacement.Field(minor, match, 3),
        Replacement.Field(patch, match, 4))
    {
        PatchMinor = Replacement.Field(patchMinor, match, 5),
    };
}

/// <summary>os_parsers: os_replacement and os_v1..os_v4 default to groups 1..5.</summary>
internal sealed class OsRule(
    string pattern, LiteralTable literals, string? family, string? major, string? minor, string? patch, string? patchMinor)
    : UapRule<OsInfo>(pattern, ignoreCase: false, literals)
{
    protected override OsInfo Build(Match match) => new(
        Replacement.Expand(family ?? "$1", match) ?? UserAgentParser.OtherFamily,
        Replacement.Field(major, match, 2),
        Replacement.Field(minor, match, 3),
        Replacement.Field(patch, match, 4),
        Replacement.Field(patchMinor, match, 5));
}

/// <summary>device_parsers: family and model default to $1, brand has no default; regex_flag 'i' is honoured.</summary>
internal sealed class DeviceRule(
    string pattern, bool ignoreCase, LiteralTable literals, string? family, string? brand, string? model)
    : UapRule<DeviceInfo>(pattern, ignoreCase, literals)
{
    protected override DeviceInfo Build(Match match) => new(
        Replacement.Expand(family ?? "$1", match) ?? UserAgentParser.OtherFamily,
        brand is null ? null : Replacement.Expand(brand, match),
        Replacement.Expand(model ?? "$1", match));
}
