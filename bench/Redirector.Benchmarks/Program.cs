using BenchmarkDotNet.Running;
using Redirector.Benchmarks.UserAgents;

// Quick subcommands time themselves in seconds; "bdn" hands the remaining arguments to BenchmarkDotNet.
var commands = new Dictionary<string, (string Help, Func<string[], int> Run)>(StringComparer.OrdinalIgnoreCase)
{
    ["ua"] = ("user-agent parsing: startup, uncached and cached parses per second, rule agreement", UserAgentQuickBenchmark.Run),
    ["bdn"] = ("BenchmarkDotNet switcher, e.g. bdn --filter *UserAgent*", rest =>
    {
        BenchmarkSwitcher.FromAssembly(typeof(UserAgentQuickBenchmark).Assembly).Run(rest);
        return 0;
    }),
};

if (args.Length > 0 && commands.TryGetValue(args[0], out var command))
    return command.Run(args[1..]);

Console.Error.WriteLine("usage: dotnet run -c Release --project bench/Redirector.Benchmarks -- <command> [args]");
foreach (var (name, (help, _)) in commands)
    Console.Error.WriteLine($"  {name,-6} {help}");
return 1;
