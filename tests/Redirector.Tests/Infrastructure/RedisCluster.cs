using System.Diagnostics;

namespace Redirector.Tests.Infrastructure;

/// <summary>A Redis Cluster of three masters, each a local redis-server on its own loopback port.</summary>
public sealed class RedisCluster : IDisposable
{
    private readonly List<Process> _processes = [];
    private readonly string _directory = Directory.CreateTempSubdirectory("redis-cluster-").FullName;

    public RedisCluster(int masters = 3)
    {
        Ports = Enumerable.Range(0, masters).Select(_ => RedisServer.FreePort()).ToList();
        foreach (var port in Ports)
        {
            var info = new ProcessStartInfo(RedisServer.Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[]
            {
                "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no",
                "--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(_directory, $"nodes-{port}.conf"), "--dir", _directory,
            })
                info.ArgumentList.Add(arg);
            var process = Process.Start(info)!;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _processes.Add(process);
        }
        foreach (var port in Ports)
            WaitFor(() => Cli(port, "PING") == "PONG", "node start");

        var create = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        create.ArgumentList.Add("--cluster");
        create.ArgumentList.Add("create");
        foreach (var port in Ports)
            create.ArgumentList.Add($"127.0.0.1:{port}");
        foreach (var arg in new[] { "--cluster-replicas", "0", "--cluster-yes" })
            create.ArgumentList.Add(arg);
        using (var cli = Process.Start(create)!)
        {
            var output = cli.StandardOutput.ReadToEndAsync();
            var error = cli.StandardError.ReadToEnd();
            cli.WaitForExit();
            if (cli.ExitCode != 0)
                throw new InvalidOperationException($"redis-cli --cluster create failed: {error}{output.Result}");
        }
        foreach (var port in Ports)
            WaitFor(() => Cli(port, "CLUSTER", "INFO").Contains("cluster_state:ok"), "cluster state ok");
    }

    public IReadOnlyList<int> Ports { get; }

    public string ConnectionString => string.Join(',', Ports.Select(p => $"127.0.0.1:{p}"));

    /// <summary>The number of keys held by one master.</summary>
    public static long KeyCount(int port) => long.Parse(Cli(port, "DBSIZE"), System.Globalization.CultureInfo.InvariantCulture);

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
                process.Kill();
            process.WaitForExit();
            process.Dispose();
        }
        Directory.Delete(_directory, recursive: true);
    }

    private static string Cli(int port, params string[] command)
    {
        var info = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true };
        foreach (var arg in new[] { "-p", port.ToString() }.Concat(command))
            info.ArgumentList.Add(arg);
        using var cli = Process.Start(info)!;
        var output = cli.StandardOutput.ReadToEnd();
        cli.WaitForExit();
        return output.Trim();
    }

    private static void WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Redis cluster: timed out waiting for {what}");
            Thread.Sleep(50);
        }
    }
}
