using Redirector.UserAgents;
using Xunit.Abstractions;

namespace Redirector.Tests.UserAgents;

/// <summary>
/// Runs every case of uap-core's official conformance files against the regexes.yaml they were written
/// for, so a failure here is a bug in the parser, not a difference between rule releases. Both forms of the rules run
/// them: interpreted, as a node starts, and compiled, as <see cref="UserAgentParser.CompileRules"/> leaves them.
/// </summary>
public sealed class ConformanceTests(ITestOutputHelper output)
{
    private static readonly Lazy<UserAgentParser> ReleaseParser = new(() => UserAgentParser.FromFile(UapConformanceData.RegexesPath));

    private static readonly Lazy<UserAgentParser> CompiledReleaseParser = new(() =>
    {
        var parser = UserAgentParser.FromFile(UapConformanceData.RegexesPath);
        parser.CompileRules();
        return parser;
    });

    public static TheoryData<string, bool> Files
    {
        get
        {
            var files = new TheoryData<string, bool>();
            foreach (var (file, _) in UapConformanceData.Files)
            {
                files.Add(file, false);
                files.Add(file, true);
            }
            return files;
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_case_agrees_with_the_reference(string file, bool compiled)
    {
        var parser = compiled ? CompiledReleaseParser.Value : ReleaseParser.Value;
        Assert.Equal(compiled ? parser.RuleCount : 0, parser.CompiledRuleCount);
        Assert.True(UapConformanceData.IsAvailable, UapConformanceData.MissingMessage);
        var field = UapConformanceData.Files.Single(f => f.File == file).Field;
        var cases = UapConformanceData.Load(file);

        var failures = cases
            .Select(c => (Case: c, Differences: c.Differences(field, parser.Parse(c.UserAgent)).ToList()))
            .Where(r => r.Differences.Count > 0)
            .ToList();

        foreach (var (testCase, differences) in failures.Take(30))
            output.WriteLine($"{testCase.UserAgent}\n    {string.Join("; ", differences)}");
        Assert.NotEmpty(cases);
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} cases in {file} disagree (see output).");
    }
}
