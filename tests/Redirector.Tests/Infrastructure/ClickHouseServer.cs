using System.Diagnostics;

namespace Redirector.Tests.Infrastructure;

/// <summary>
/// A real clickhouse-server (Debian's 18.16, installed by scripts/deps.sh) on a free loopback port, with its data
/// in a directory of its own, owned by one test. It starts in well under a second from a small config file.
/// </summary>
public sealed class ClickHouseServer : IDisposable
{
    public const string Executable = "/usr/sbin/clickhouse-server";

    private readonly Process _process;
    private readonly string _directory = Directory.CreateTempSubdirectory("clickhouse-test-").FullName;

    /// <param name="port">The HTTP port; a free one when not given (a test that starts the server late picks it first).</param>
    public ClickHouseServer(int? port = null)
    {
        Port = port ?? RedisServer.FreePort();
        var tcpPort = RedisServer.FreePort();
        File.WriteAllText(Path.Combine(_directory, "config.xml"), $"""
            <?xml version="1.0"?>
            <yandex>
                <logger><level>error</level><console>1</console></logger>
                <listen_host>127.0.0.1</listen_host>
                <http_port>{Port}</http_port>
                <tcp_port>{tcpPort}</tcp_port>
                <path>{_directory}/data/</path>
                <tmp_path>{_directory}/tmp/</tmp_path>
                <user_files_path>{_directory}/user_files/</user_files_path>
                <format_schema_path>{_directory}/format_schemas/</format_schema_path>
                <users_config>users.xml</users_config>
                <default_profile>default</default_profile>
                <default_database>default</default_database>
                <timezone>UTC</timezone>
                <mark_cache_size>16777216</mark_cache_size>
            </yandex>
            """);
        File.WriteAllText(Path.Combine(_directory, "users.xml"), """
            <?xml version="1.0"?>
            <yandex>
                <profiles><default></default></profiles>
                <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
                <quotas><default></default></quotas>
            </yandex>
            """);
        var info = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory,
        };
        info.ArgumentList.Add("--config-file=" + Path.Combine(_directory, "config.xml"));
        _process = Process.Start(info) ?? throw new InvalidOperationException("clickhouse-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                if (http.GetStringAsync(Address + "ping").GetAwaiter().GetResult().StartsWith("Ok", StringComparison.Ordinal))
                    break;
            }
            // A server still starting may accept the connection and answer after the client's timeout on a busy machine.
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }
            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                // The constructor throws, so nothing disposes the server: it must not outlive the test.
                Kill();
                throw new InvalidOperationException($"clickhouse-server did not answer on port {Port}");
            }
            Thread.Sleep(20);
        }
    }

    public int Port { get; }

    /// <summary>The HTTP interface: what ConnectionStrings:Events takes.</summary>
    public string Address => $"http://127.0.0.1:{Port}/";

    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
