using Redirector.UserAgents;
using YamlDotNet.RepresentationModel;

namespace Redirector.Tests.UserAgents;

public enum UapField { Browser, Os, Device }

/// <summary>One expected result from the official ua-parser conformance files.</summary>
public sealed record UapTestCase(string File, string UserAgent, IReadOnlyDictionary<string, string?> Expected)
{
    /// <summary>
    /// The parsed values under the conformance files' key names, limited to the fields uap-core's own test
    /// runner checks: the browser files also carry patch_minor, but unchecked and in places stale.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> Actual(UapField field, UserAgentInfo info) => field switch
    {
        UapField.Browser => new Dictionary<string, string?>
        {
            ["family"] = info.Browser.Family, ["major"] = info.Browser.Major,
            ["minor"] = info.Browser.Minor, ["patch"] = info.Browser.Patch,
        },
        UapField.Os => new Dictionary<string, string?>
        {
            ["family"] = info.Os.Family, ["major"] = info.Os.Major, ["minor"] = info.Os.Minor,
            ["patch"] = info.Os.Patch, ["patch_minor"] = info.Os.PatchMinor,
        },
        _ => new Dictionary<string, string?>
        {
            ["family"] = info.Device.Family, ["brand"] = info.Device.Brand, ["model"] = info.Device.Model,
        },
    };

    /// <summary>The fields that differ, as "key: expected != actual"; the files write "no value" as empty or null.</summary>
    public IEnumerable<string> Differences(UapField field, UserAgentInfo info)
    {
        foreach (var (key, value) in Actual(field, info))
        {
            var expected = Expected.GetValueOrDefault(key);
            if (!string.Equals(NullIfEmpty(expected), NullIfEmpty(value), StringComparison.Ordinal))
                yield return $"{key}: '{expected}' != '{value}'";
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

/// <summary>
/// Locates uap-core's conformance files. The npm package ships only regexes.yaml, so the data comes from
/// Debian's uap-core package (/usr/share/uap-core: the release's regexes.yaml with its tests) or from the
/// directory in UAP_CORE_DIR (e.g. a checkout of the uap-core repository).
/// </summary>
public static class UapConformanceData
{
    public const string DirectoryVariable = "UAP_CORE_DIR";
    private const string DebianDirectory = "/usr/share/uap-core";

    public static readonly IReadOnlyList<(string File, UapField Field)> Files =
    [
        ("tests/test_ua.yaml", UapField.Browser),
        ("test_resources/firefox_user_agent_strings.yaml", UapField.Browser),
        ("test_resources/opera_mini_user_agent_strings.yaml", UapField.Browser),
        ("test_resources/pgts_browser_list.yaml", UapField.Browser),
        ("test_resources/podcasting_user_agent_strings.yaml", UapField.Browser),
        ("tests/test_os.yaml", UapField.Os),
        ("test_resources/additional_os_tests.yaml", UapField.Os),
        ("tests/test_device.yaml", UapField.Device),
    ];

    public static string Directory =>
        Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } configured ? configured : DebianDirectory;

    public static bool IsAvailable => File.Exists(Path.Combine(Directory, "tests", "test_ua.yaml"));

    public static string MissingMessage =>
        $"uap-core conformance data not found in {Directory}: install Debian's package (apt-get install uap-core) " +
        $"or point {DirectoryVariable} at a uap-core checkout.";

    /// <summary>The regexes.yaml released together with the conformance files.</summary>
    public static string RegexesPath => Path.Combine(Directory, "regexes.yaml");

    public static IReadOnlyList<UapTestCase> Load(string relativePath)
    {
        var stream = new YamlStream();
        using (var reader = File.OpenText(Path.Combine(Directory, relativePath)))
            stream.Load(reader);
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var cases = (YamlSequenceNode)root.Children[new YamlScalarNode("test_cases")];
        return [.. cases.Children.Cast<YamlMappingNode>().Select(node => ToCase(relativePath, node))];
    }

    private static UapTestCase ToCase(string file, YamlMappingNode node)
    {
        var fields = node.Children
            .Where(pair => ((YamlScalarNode)pair.Key).Value != "user_agent_string" && ((YamlScalarNode)pair.Key).Value != "js_ua")
            .ToDictionary(pair => ((YamlScalarNode)pair.Key).Value!, pair => NullableScalar(pair.Value));
        var userAgent = ((YamlScalarNode)node.Children[new YamlScalarNode("user_agent_string")]).Value ?? "";
        return new UapTestCase(file, userAgent, fields);
    }

    // YAML writes "no value" as an empty scalar or a tilde; both mean null to ua-parser.
    private static string? NullableScalar(YamlNode node) =>
        node is YamlScalarNode { Value: { } value } scalar && !(scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && value is "" or "~")
            ? value
            : null;
}
