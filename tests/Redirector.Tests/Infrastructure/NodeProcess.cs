using System.Diagnostics;

namespace Redirector.Tests.Infrastructure;

/// <summary>The built Redirector.dll as its own process, as an operator starts it, for tests of the process itself (crashes, exit codes, output).</summary>
public static class NodeProcess
{
    /// <summary>
    /// Starts a node on loopback <paramref name="port"/> with its catalogue and data under <paramref name="directory"/>,
    /// counting into <paramref name="redis"/>; <paramref name="settings"/> ("Section:Key" names) are passed as environment variables.
    /// Standard output and error are redirected.
    /// </summary>
    public static ProcessStartInfo StartInfo(string directory, RedisServer redis, int port, IEnumerable<KeyValuePair<string, string?>> settings)
    {
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Redirector.dll"), "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["ConnectionStrings__Catalog"] = $"Data Source={Path.Combine(directory, "catalog.db")}";
        info.Environment["ConnectionStrings__Redis"] = redis.ConnectionString;
        info.Environment["Analytics__DataDirectory"] = Path.Combine(directory, "data");
        info.Environment["Api__InitialKey"] = RedirectorApplication.ApiKey;
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        // As RedirectorApplication: consumers at normal priority, so tests' waits do not depend on idle cores.
        info.Environment["Analytics__IdlePriorityLag"] = "00:00:00";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        foreach (var (key, value) in settings)
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        return info;
    }
}
