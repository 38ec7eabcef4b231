using System.Diagnostics;

namespace Redirector.Tests.Scale;

/// <summary>No Docker engine runs here: the compose file is validated by docker-compose and checked as text.</summary>
public sealed class DockerComposeTests
{
    private static readonly string Root = FindRoot();

    [Fact]
    public void The_compose_file_is_valid_and_describes_the_multi_node_setup()
    {
        var config = Run("docker-compose", "-f", Path.Combine(Root, "docker-compose.yml"), "config");
        Assert.Contains("appendfsync", config);
        Assert.Contains("everysec", config);
        Assert.Contains("redis-data", config);
        Assert.Contains("replicas: 2", config);
        Assert.Contains("Catalog__Provider: PostgreSQL", config);
        Assert.Contains("Admin__Enabled: \"false\"", config);
        Assert.Contains("pg_isready", config);
        Assert.Contains("redis-cli", config);
        // Every node writes its events to one current ClickHouse, whose data survives the container.
        Assert.Contains("clickhouse/clickhouse-server", config);
        Assert.Contains("clickhouse-data", config);
        Assert.Contains("Events__Provider: ClickHouse", config);
        Assert.True(File.Exists(Path.Combine(Root, "deploy", "nginx.conf")));
        Assert.Contains("npm", File.ReadAllText(Path.Combine(Root, "Dockerfile")));
    }

    private static string Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException("docker-compose was not found: install it with `sudo apt-get install -y docker-compose` (or run scripts/deps.sh).");
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"docker-compose config failed: {error}");
            return output.Result;
        }
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Redirector.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Redirector.sln not found above the test binaries");
    }
}
