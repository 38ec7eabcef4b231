using System.Diagnostics;
using Npgsql;

namespace Redirector.Tests.Infrastructure;

/// <summary>
/// A real PostgreSQL server in a temporary directory on a free loopback port. Tests share one server per
/// class and each gets its own database, so they still share no state.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private readonly string _directory;
    private readonly string _bin;
    private readonly bool _asPostgresUser;

    public PostgresServer()
    {
        _bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending().FirstOrDefault() ?? ""
            : "";
        if (_bin.Length == 0)
            throw new InvalidOperationException("PostgreSQL was not found. Install it with `sudo apt-get install -y postgresql` (or run scripts/deps.sh).");
        // initdb refuses to run as root; the Debian package's postgres user owns the cluster then.
        _asPostgresUser = Environment.UserName == "root";
        Port = RedisServer.FreePort();
        _directory = Directory.CreateTempSubdirectory("pg-test-").FullName;
        if (_asPostgresUser)
            Run("chown", "-R", "postgres", _directory);
        RunAsOwner(Path.Combine(_bin, "initdb"), "-D", Path.Combine(_directory, "data"), "-A", "trust", "-U", "postgres", "--no-sync");
        RunAsOwner(Path.Combine(_bin, "pg_ctl"), "-D", Path.Combine(_directory, "data"), "-w", "-l", Path.Combine(_directory, "log"),
            "-o", $"-p {Port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "start");
    }

    public int Port { get; }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=50";

    /// <summary>A new empty database for one test.</summary>
    public string CreateDatabase()
    {
        var name = "t" + Guid.NewGuid().ToString("N")[..12];
        using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        connection.Open();
        using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        command.ExecuteNonQuery();
        return ConnectionString(name);
    }

    public void Dispose()
    {
        try
        {
            RunAsOwner(Path.Combine(_bin, "pg_ctl"), "-D", Path.Combine(_directory, "data"), "-m", "immediate", "stop");
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private void RunAsOwner(string program, params string[] args)
    {
        if (_asPostgresUser)
            Run("runuser", ["-u", "postgres", "--", program, .. args]);
        else
            Run(program, args);
    }

    private static void Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} failed ({process.ExitCode}): {error}{output.Result}");
    }
}
