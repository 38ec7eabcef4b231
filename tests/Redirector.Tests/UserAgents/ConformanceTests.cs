using Redirector.UserAgents;
using Xunit.Abstractions;

namespace Redirector.Tests.UserAgents;

/// <summary>
/// Runs every case of uap-core's official conformance files against the regexes.yaml they were written
/// for, so a failure here is a bug in the parser, not a difference between rule releases.
/// </summary>
public sealed class ConformanceTests(ITestOutputHelper output)
{
    private static readonly Lazy<UserAgentParser> ReleaseParser = new(() => UserAgentParser.FromFile(UapConformanceData.RegexesPath));

    public static TheoryData<string> Files => [.. UapConformanceData.Files.Select(f => f.File)];

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_case_agrees_with_the_reference(string file)
    {
        Assert.True(UapConformanceData.IsAvailable, UapConformanceData.MissingMessage);
        var field = UapConformanceData.Files.Single(f => f.File == file).Field;
        var cases = UapConformanceData.Load(file);

        var failures = cases
            .Select(c => (Case: c, Differences: c.Differences(field, ReleaseParser.Value.Parse(c.UserAgent)).ToList()))
            .Where(r => r.Differences.Count > 0)
            .ToList();

        foreach (var (testCase, differences) in failures.Take(30))
            output.WriteLine($"{testCase.UserAgent}\n    {string.Join("; ", differences)}");
        Assert.NotEmpty(cases);
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} cases in {file} disagree (see output).");
    }
}
