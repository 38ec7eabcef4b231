using BenchmarkDotNet.Attributes;
using Redirector.UserAgents;

namespace Redirector.Benchmarks.UserAgents;

[MemoryDiagnoser]
public class UserAgentParserBenchmarks
{
    // An evenly spread sample keeps one BenchmarkDotNet operation short while covering the corpus' mix.
    private const int SampleSize = 1000;

    private string[] _agents = [];
    private UserAgentParser _parser = null!;
    private CachedUserAgentParser _cached = null!;

    [GlobalSetup]
    public void Setup()
    {
        var corpus = UserAgentCorpus.Load();
        _agents = [.. Enumerable.Range(0, SampleSize).Select(i => corpus[i * corpus.Length / SampleSize])];
        _parser = UserAgentParser.Default;
        _parser.CompileRules();
        _cached = new CachedUserAgentParser(_parser, capacity: SampleSize * 2);
        foreach (var agent in _agents)
            _cached.Parse(agent);
    }

    [Benchmark(OperationsPerInvoke = SampleSize)]
    public void Uncached()
    {
        foreach (var agent in _agents)
            _parser.Parse(agent);
    }

    [Benchmark(OperationsPerInvoke = SampleSize)]
    public void Cached()
    {
        foreach (var agent in _agents)
            _cached.Parse(agent);
    }

    [Benchmark]
    public UserAgentParser LoadRules() => UserAgentParser.LoadEmbedded();
}
