using System.Diagnostics;
using Redirector.Tests.UserAgents;
using Redirector.UserAgents;

namespace Redirector.Benchmarks.UserAgents;

/// <summary>The `ua` subcommand: figures for the issue note in a few seconds, without BenchmarkDotNet's long runs.</summary>
internal static class UserAgentQuickBenchmark
{
    private const int UncachedPasses = 3;
    private static readonly TimeSpan CachedDuration = TimeSpan.FromSeconds(1);

    public static int Run(string[] args)
    {
        var started = Stopwatch.GetTimestamp();
        var parser = UserAgentParser.Default;
        var coldLoad = Stopwatch.GetElapsedTime(started);
        var agents = UserAgentCorpus.Load();

        started = Stopwatch.GetTimestamp();
        parser.Parse(agents[0]);
        var firstParse = Stopwatch.GetElapsedTime(started);

        started = Stopwatch.GetTimestamp();
        _ = UserAgentParser.LoadEmbedded();
        var warmLoad = Stopwatch.GetElapsedTime(started);

        Console.WriteLine($"rules: {parser.RuleCount} regexes; agents: {agents.Length} distinct strings from {UapConformanceData.Directory}");
        Console.WriteLine($"startup: cold load {coldLoad.TotalMilliseconds:F0} ms, first parse {firstParse.TotalMilliseconds:F1} ms, warm reload {warmLoad.TotalMilliseconds:F0} ms (interpreted)");

        ReportUncached(parser, agents, "interpreted");
        started = Stopwatch.GetTimestamp();
        parser.CompileRules();
        Console.WriteLine($"compiling the rules (a node does it once it serves): {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms");
        ReportUncached(parser, agents, "compiled");
        ReportCached(parser, agents);
        ReportAgreement(parser);
        return 0;
    }

    private static void ReportUncached(UserAgentParser parser, string[] agents, string form)
    {
        var perAgent = new double[agents.Length];
        var best = TimeSpan.MaxValue;
        for (var pass = 0; pass < UncachedPasses; pass++)
        {
            var passStart = Stopwatch.GetTimestamp();
            for (var i = 0; i < agents.Length; i++)
            {
                var start = Stopwatch.GetTimestamp();
                parser.Parse(agents[i]);
                perAgent[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }

            var elapsed = Stopwatch.GetElapsedTime(passStart);
            best = elapsed < best ? elapsed : best;
        }

        Array.Sort(perAgent);
        var mean = best.TotalMicroseconds / agents.Length;
        Console.WriteLine(
            $"uncached, {form}: {agents.Length / best.TotalSeconds:N0} parses/s, mean {mean:F1} us/parse (best of {UncachedPasses} passes); " +
            $"last pass p50 {Percentile(perAgent, 0.50):F1} us, p99 {Percentile(perAgent, 0.99):F1} us, max {perAgent[^1]:F0} us");
    }

    private static void ReportCached(UserAgentParser parser, string[] agents)
    {
        var cached = new CachedUserAgentParser(parser, capacity: agents.Length * 2);
        foreach (var agent in agents)
            cached.Parse(agent);

        long parses = 0;
        var start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start) < CachedDuration)
        {
            foreach (var agent in agents)
                cached.Parse(agent);
            parses += agents.Length;
        }

        var elapsed = Stopwatch.GetElapsedTime(start);
        Console.WriteLine($"cached: {parses / elapsed.TotalSeconds:N0} parses/s, {elapsed.TotalNanoseconds / parses:F0} ns/parse");
    }

    /// <summary>How far the embedded rules agree with the conformance files (written for their own rules release).</summary>
    private static void ReportAgreement(UserAgentParser parser)
    {
        foreach (var field in Enum.GetValues<UapField>())
        {
            var cases = UapConformanceData.Files.Where(f => f.Field == field).SelectMany(f => UapConformanceData.Load(f.File)).ToList();
            var agreeing = cases.Count(c => !c.Differences(field, parser.Parse(c.UserAgent)).Any());
            Console.WriteLine($"agreement of embedded rules, {field}: {agreeing}/{cases.Count} = {100.0 * agreeing / cases.Count:F2}%");
        }
    }

    private static double Percentile(double[] sorted, double fraction) => sorted[(int)Math.Min(sorted.Length - 1, fraction * sorted.Length)];
}
