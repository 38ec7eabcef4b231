using System.Buffers;
using Redirector.Bots;

namespace Redirector.UserAgents;

/// <summary>
/// A port of the ua-parser specification (uap-core docs/specification.md) over a regexes.yaml rule file,
/// plus Redirector's device type and bot kind on top of its result.
/// </summary>
public sealed class UserAgentParser
{
    internal const string OtherFamily = "Other";

    /// <summary>uap-core's device family for crawlers and other self-declared robots.</summary>
    private const string SpiderFamily = "Spider";

    private const string EmbeddedRegexes = "Redirector.UserAgents.regexes.yaml";

    // Past this many distinct pre-filter literals the per-parse flags move from the stack to a pooled array.
    private const int StackLiteralLimit = 4096;

    private static readonly Lazy<UserAgentParser> EmbeddedDefault = new(LoadEmbedded, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly UapRuleSet _rules;

    private UserAgentParser(UapRuleSet rules) => _rules = rules;

    /// <summary>The rules embedded at build time (uap-core pinned in UserAgents/package-lock.json).</summary>
    public static UserAgentParser Default => EmbeddedDefault.Value;

    /// <summary>The operating system families the rules can name (iOS, Android, Windows, Mac OS X...); see <see cref="KnownFamilies"/>.</summary>
    public KnownFamilies OsFamilies => _rules.OsFamilies;

    /// <summary>The browser families the rules can name (Chrome, Mobile Safari, Firefox...); see <see cref="KnownFamilies"/>.</summary>
    public KnownFamilies BrowserFamilies => _rules.BrowserFamilies;

    internal int RuleCount => _rules.Browsers.Count + _rules.OperatingSystems.Count + _rules.Devices.Count;

    internal int CompiledRuleCount =>
        _rules.Browsers.CompiledCount + _rules.OperatingSystems.CompiledCount + _rules.Devices.CompiledCount;

    public static UserAgentParser FromYaml(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        using var reader = new StringReader(yaml);
        return FromYaml(reader);
    }

    public static UserAgentParser FromYaml(TextReader yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        return new UserAgentParser(UapRulesLoader.Load(yaml));
    }

    public static UserAgentParser FromFile(string path)
    {
        using var reader = File.OpenText(path);
        return FromYaml(reader);
    }

    /// <summary>
    /// Swaps every rule's interpreted regex for a compiled one, browsers first: about twice as fast a parse, for some
    /// hundreds of milliseconds of CPU here and a JIT of each regex at its first match. Parses may run meanwhile.
    /// Hosts call it once they serve (<see cref="UserAgentRulesCompiler"/>).
    /// </summary>
    public void CompileRules(CancellationToken ct = default)
    {
        _rules.Browsers.Compile(ct);
        _rules.OperatingSystems.Compile(ct);
        _rules.Devices.Compile(ct);
    }

    public UserAgentInfo Parse(string? userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent))
            return UserAgentInfo.Missing;

        var literalCount = _rules.Literals.Count;
        bool[]? rented = null;
        var present = literalCount <= StackLiteralLimit
            ? stackalloc bool[literalCount]
            : (rented = ArrayPool<bool>.Shared.Rent(literalCount)).AsSpan(0, literalCount);
        try
        {
            _rules.Literals.MarkPresent(userAgent, present);
            var scan = new LiteralScan(userAgent, present);
            var browser = _rules.Browsers.FirstMatch(in scan) ?? BrowserInfo.Unknown;
            var os = _rules.OperatingSystems.FirstMatch(in scan) ?? OsInfo.Unknown;
            var device = _rules.Devices.FirstMatch(in scan) ?? DeviceInfo.Unknown;
            var botKind = BotSignatures.KindOf(userAgent) ?? (device.Family == SpiderFamily ? BotKind.Crawler : null);
            var type = botKind is null ? DeviceClassifier.Classify(userAgent, browser, os, device) : DeviceType.Bot;
            return new UserAgentInfo(browser, os, device, type, botKind);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<bool>.Shared.Return(rented);
        }
    }

    internal static UserAgentParser LoadEmbedded()
    {
        using var stream = typeof(UserAgentParser).Assembly.GetManifestResourceStream(EmbeddedRegexes)
            ?? throw new InvalidOperationException($"The embedded resource {EmbeddedRegexes} is missing.");
        using var reader = new StreamReader(stream);
        return FromYaml(reader);
    }
}
