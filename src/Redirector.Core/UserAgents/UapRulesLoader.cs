using YamlDotNet.RepresentationModel;

namespace Redirector.UserAgents;

/// <summary>Reads uap-core's regexes.yaml into the three rule lists.</summary>
internal static class UapRulesLoader
{
    public static UapRuleSet Load(TextReader yaml)
    {
        var stream = new YamlStream();
        stream.Load(yaml);
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new FormatException("regexes.yaml must be a mapping of parser lists.");

        var literals = new LiteralTable();
        var browserEntries = Entries(root, "user_agent_parsers").ToList();
        var systemEntries = Entries(root, "os_parsers").ToList();
        var browsers = browserEntries.Select(e => new BrowserRule(
            Regex(e), literals, e.Get("family_replacement"), e.Get("v1_replacement"), e.Get("v2_replacement"),
            e.Get("v3_replacement"), e.Get("v4_replacement")));
        var systems = systemEntries.Select(e => new OsRule(
            Regex(e), literals, e.Get("os_replacement"), e.Get("os_v1_replacement"), e.Get("os_v2_replacement"),
            e.Get("os_v3_replacement"), e.Get("os_v4_replacement")));
        var devices = Entries(root, "device_parsers").Select(e => new DeviceRule(
            Regex(e), e.Get("regex_flag") == "i", literals, e.Get("device_replacement"), e.Get("brand_replacement"),
            e.Get("model_replacement")));

        var ruleSet = new UapRuleSet(
            new UapRuleList<BrowserInfo>([.. browsers]),
            new UapRuleList<OsInfo>([.. systems]),
            new UapRuleList<DeviceInfo>([.. devices]),
            literals,
            new KnownFamilies(browserEntries.SelectMany(e => FamilyNames.Of(e.Get("family_replacement"), Regex(e)))),
            new KnownFamilies(systemEntries.SelectMany(e => FamilyNames.Of(e.Get("os_replacement"), Regex(e)))));
        literals.Seal();
        return ruleSet;
    }

    private static string Regex(Entry entry) =>
        entry.Get("regex") ?? throw new FormatException($"A {entry.Section} entry has no regex.");

    private static IEnumerable<Entry> Entries(YamlMappingNode root, string section)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode(section), out var list))
            return [];
        if (list is not YamlSequenceNode sequence)
            throw new FormatException($"{section} must be a list.");
        return sequence.Children.Select(node => node is YamlMappingNode mapping
            ? new Entry(section, mapping)
            : throw new FormatException($"Every {section} entry must be a mapping."));
    }

    private readonly record struct Entry(string Section, YamlMappingNode Mapping)
    {
        public string? Get(string key) =>
            Mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar
                ? scalar.Value
                : null;
    }
}

internal sealed record UapRuleSet(
    UapRuleList<BrowserInfo> Browsers,
    UapRuleList<OsInfo> OperatingSystems,
    UapRuleList<DeviceInfo> Devices,
    LiteralTable Literals,
    KnownFamilies BrowserFamilies,
    KnownFamilies OsFamilies);
