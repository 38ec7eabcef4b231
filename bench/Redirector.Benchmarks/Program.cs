using BenchmarkDotNet.Running;
using Redirector.Benchmarks.Events;
using Redirector.Benchmarks.Geo;
using Redirector.Benchmarks.Growth;
using Redirector.Benchmarks.HotPath;
using Redirector.Benchmarks.UserAgents;
using Redirector.Benchmarks.Webhooks;

// Quick subcommands time themselves in seconds; "bdn" hands the remaining arguments to BenchmarkDotNet.
var commands = new Dictionary<string, (string Help, Func<string[], int> Run)>(StringComparer.OrdinalIgnoreCase)
{
    ["ua"] = ("user-agent parsing: startup, uncached and cached parses per second, rule agreement", UserAgentQuickBenchmark.Run),
    ["geo"] = ("geo [N] [path.mmdb]: country and hosting-network lookups per second and bytes allocated per lookup (built-in data by default)", GeoQuickBenchmark.Run),
    ["seed-links"] = ("seed-links N catalogue.db [prefix]: bulk-insert N links into a (migrated) SQLite catalogue", SeedLinks.Run),
    ["cold-links"] = ("cold-links N catalogue.db [concurrency]: read-through of N links the cache does not hold, without HTTP: latency, CPU and bytes per lookup", ColdLinks.Run),
    ["cache-memory"] = ("cache-memory N: managed bytes per link held in LinkCache", CacheMemory.Run),
    ["pipeline"] = ("pipeline N host:port [links]: CPU per click of the click pipeline alone (enrichment to Redis)", PipelineCost.Run),
    ["events"] = ("events N [clickhouse-url]: event store ingest (events/s) and filtered 30-day stats p50/p99, one link and all links", EventStoreBench.Run),
    ["webhooks"] = ("webhooks N [batch-size]: CPU per click of queueing link.clicked events for one endpoint, then delivery events/s to a loopback receiver", WebhookBench.Run),
    ["seed-clicks"] = ("seed-clicks N host:port: N clicks over 90 days through the real pipeline into Redis; memory, stats p99", SeedClicks.Run),
    // --inProcess: the project BenchmarkDotNet would generate restores packages this project's registry does not serve.
    ["bdn"] = ("BenchmarkDotNet switcher, e.g. bdn --filter *HotPath* --job short --inProcess", rest =>
    {
        BenchmarkSwitcher.FromAssembly(typeof(UserAgentQuickBenchmark).Assembly).Run(rest);
        return 0;
    }),
};

if (args.Length > 0 && commands.TryGetValue(args[0], out var command))
    return command.Run(args[1..]);

Console.Error.WriteLine("usage: dotnet run -c Release --project bench/Redirector.Benchmarks -- <command> [args]");
foreach (var (name, (help, _)) in commands)
    Console.Error.WriteLine($"  {name,-12} {help}");
return 1;
