using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Redirector.Tests.Infrastructure;

/// <summary>
/// A real redis-server on a free loopback port, owned by one test. It can be killed, paused, resumed and
/// restarted on the same port, which is how the fault tests take Redis away mid-traffic.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private Process? _process;
    private readonly string? _directory;

    /// <param name="start">Start now, or later with <see cref="Start"/> (to test a service that starts without Redis).</param>
    /// <param name="persistent">Keep data across a kill (AOF, fsync on every write), like a production server.</param>
    public RedisServer(bool start = true, bool persistent = false)
    {
        Port = FreePort();
        if (persistent)
            _directory = Directory.CreateTempSubdirectory("redis-test-").FullName;
        if (start)
            Start();
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static string Executable { get; } = Find();

    public void Start()
    {
        var info = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] persistence = _directory is null
            ? ["--appendonly", "no"]
            : ["--appendonly", "yes", "--appendfsync", "always", "--dir", _directory];
        foreach (var arg in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--protected-mode", "no" }.Concat(persistence))
            info.ArgumentList.Add(arg);
        _process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Command("PING") != "+PONG")
        {
            if (DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"redis-server did not answer on port {Port}");
            Thread.Sleep(20);
        }
    }

    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process = null;
    }

    /// <summary>SIGSTOP: the server keeps its connections but answers nothing, like a hung or swapped-out server.</summary>
    public void Pause() => Signal("STOP");

    public void Resume() => Signal("CONT");

    public void Restart()
    {
        Kill();
        Start();
    }

    /// <summary>Sends one command over a raw socket and returns the first reply line.</summary>
    public string? Command(params string[] args)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            client.ReceiveTimeout = 2000;
            using var stream = client.GetStream();
            var request = $"*{args.Length}\r\n" + string.Concat(args.Select(a => $"${System.Text.Encoding.UTF8.GetByteCount(a)}\r\n{a}\r\n"));
            var bytes = System.Text.Encoding.UTF8.GetBytes(request);
            stream.Write(bytes);
            using var reader = new StreamReader(stream);
            return reader.ReadLine();
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        if (_process is { HasExited: false })
            Signal("CONT");
        Kill();
        if (_directory is not null)
            Directory.Delete(_directory, recursive: true);
    }

    private void Signal(string signal)
    {
        if (_process is null)
            return;
        using var kill = Process.Start("kill", $"-{signal} {_process.Id}");
        kill.WaitForExit();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Find()
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin").Append("/usr/local/bin"))
        {
            var candidate = Path.Combine(directory, "redis-server");
            if (File.Exists(candidate))
                return candidate;
        }
        throw new InvalidOperationException(
            "redis-server was not found. The tests start their own Redis: install it with `sudo apt-get install -y redis-server` " +
            "(or run scripts/deps.sh), then run the tests again.");
    }
}
