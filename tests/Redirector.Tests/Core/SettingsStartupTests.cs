using System.Diagnostics;
using Redirector.Hosting;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Core;

/// <summary>
/// A bad setting stops the real process (the built Redirector.dll, as an operator starts it) with one line per bad
/// value on its output, naming the setting, the value and what it expects, the EX_CONFIG exit code and no stack trace,
/// whether the value is unparsable or out of range, and whether it is read while services are registered, when a
/// service is resolved or by ValidateOnStart. Settings are read once, at start: the process watches no file (with the
/// host's reloading on, it watched its content root and every folder under it, and where data/ lies there, the Docker
/// image's /app/data, each spool write woke the watcher thread; bench/README.md, "Settings read once").
/// </summary>
public sealed class SettingsStartupTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("redirector-settings-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("Catalog:Cache:WarmDelay", "abc", "Catalog:Cache:WarmDelay: 'abc' is not a time span (hh:mm:ss, e.g. 00:00:05)")]
    [InlineData("Catalog:Cache:Capacity", "lots", "Catalog:Cache:Capacity: 'lots' is not a whole number")]
    [InlineData("Analytics:LinkBreakdowns", "Foo", "Analytics:LinkBreakdowns: 'Foo' is not one of Counters, Events")]
    [InlineData("Events:Enabled", "maybe", "Events:Enabled: 'maybe' is not true or false")]
    [InlineData("Catalog:BusyTimeout", "soon", "Catalog:BusyTimeout: 'soon' is not a time span (hh:mm:ss, e.g. 00:00:05)")]
    [InlineData("Webhooks:Timeout", "10s", "Webhooks:Timeout: '10s' is not a time span (hh:mm:ss, e.g. 00:00:05)")]
    [InlineData("UserAgents:CacheCapacity", "1e4", "UserAgents:CacheCapacity: '1e4' is not a whole number")]
    [InlineData("Proxy:KnownProxies:0", "10.0.0.x", "Proxy:KnownProxies:0: '10.0.0.x' is not an IP address (e.g. 10.0.0.5)")]
    [InlineData("Proxy:KnownProxies", "10.0.0.5,10.0.0.x", "Proxy:KnownProxies: '10.0.0.x' is not an IP address (e.g. 10.0.0.5)")]
    [InlineData("Proxy:KnownNetworks", "garbage/99", "Proxy:KnownNetworks: 'garbage/99' is not a network in CIDR form (e.g. 10.0.0.0/8)")]
    public async Task An_unparsable_setting_stops_start_up_with_one_line_naming_the_setting_and_the_value(string key, string value, string expected)
    {
        var (exitCode, output) = await StartAsync(new() { [key] = value });

        Assert.Equal([expected], output);
        Assert.Equal(SettingsFailures.ExitCode, exitCode);
    }

    [Fact]
    public async Task Every_bad_setting_is_reported_at_once()
    {
        var (exitCode, output) = await StartAsync(new()
        {
            ["Catalog:Cache:WarmDelay"] = "abc",
            // Out of range, beside an unparsable value of its own section.
            ["Catalog:Cache:Capacity"] = "5",
            ["Analytics:LinkBreakdowns"] = "Foo",
            ["Webhooks:Timeout"] = "10s",
            // Read while services are registered, yet reported with the rest at start.
            ["Proxy:KnownProxies:0"] = "nope",
            ["Analytics:BatchSize"] = "0",
        });

        Assert.Equal(
            [
                "Analytics:BatchSize: '0': The field BatchSize must be between 1 and 10000.",
                "Analytics:LinkBreakdowns: 'Foo' is not one of Counters, Events",
                "Catalog:Cache:Capacity: '5': The field Capacity must be between 10 and 500000000.",
                "Catalog:Cache:WarmDelay: 'abc' is not a time span (hh:mm:ss, e.g. 00:00:05)",
                "Proxy:KnownProxies:0: 'nope' is not an IP address (e.g. 10.0.0.5)",
                "Webhooks:Timeout: '10s' is not a time span (hh:mm:ss, e.g. 00:00:05)",
            ],
            output.Order(StringComparer.Ordinal));
        Assert.Equal(SettingsFailures.ExitCode, exitCode);
    }

    [Fact]
    public async Task An_out_of_range_setting_stops_start_up_the_same_way()
    {
        var (exitCode, output) = await StartAsync(new() { ["Catalog:Cache:Capacity"] = "5" });

        Assert.Equal(["Catalog:Cache:Capacity: '5': The field Capacity must be between 10 and 500000000."], output);
        Assert.Equal(SettingsFailures.ExitCode, exitCode);
    }

    [Fact]
    public async Task A_key_that_breaks_a_rule_is_named_without_its_value()
    {
        var (exitCode, output) = await StartAsync(new() { ["Api:InitialKey"] = "too-short" });

        Assert.Equal(["Api:InitialKey: The field InitialKey must be a string or array type with a minimum length of '16'."], output);
        Assert.Equal(SettingsFailures.ExitCode, exitCode);
    }

    [Fact]
    public async Task An_address_another_process_listens_on_stops_start_up_with_a_line_naming_it()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;

        var (exitCode, output) = await StartAsync([], port);

        Assert.Contains($"Urls: Failed to bind to address http://127.0.0.1:{port}: address already in use. Stop what listens there, " +
            "or give this node another address (--urls or ASPNETCORE_URLS).", output);
        Assert.Equal(SettingsFailures.ExitCode, exitCode);
    }

    /// <summary>
    /// Starts the node with <paramref name="settings"/> on <paramref name="port"/> (a free one when null) and returns
    /// its exit code and non-empty output lines (standard output and error).
    /// </summary>
    private async Task<(int ExitCode, List<string> Output)> StartAsync(Dictionary<string, string?> settings, int? port = null)
    {
        using var redis = new RedisServer();
        var info = NodeProcess.StartInfo(_directory, redis, port ?? RedisServer.FreePort(), settings);
        using var node = Process.Start(info)!;
        var output = new List<string>();
        void Collect(object sender, DataReceivedEventArgs e)
        {
            if (!string.IsNullOrWhiteSpace(e.Data))
                lock (output)
                    output.Add(e.Data);
        }
        node.OutputDataReceived += Collect;
        node.ErrorDataReceived += Collect;
        node.BeginOutputReadLine();
        node.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"The node started instead of stopping: {string.Join('\n', output)}");
        }
        // WaitForExitAsync also waits for the redirected streams to reach their end.
        lock (output)
            return (node.ExitCode, [.. output]);
    }

    [Fact]
    public async Task A_node_whose_data_lies_under_its_content_root_watches_no_file()
    {
        using var redis = new RedisServer();
        var port = RedisServer.FreePort();
        var info = NodeProcess.StartInfo(_directory, redis, port, []);
        // The content root is the working directory, which holds data/ as /app holds /app/data in the image.
        info.WorkingDirectory = _directory;
        using var node = Process.Start(info)!;
        node.OutputDataReceived += (_, _) => { };
        node.ErrorDataReceived += (_, _) => { };
        node.BeginOutputReadLine();
        node.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (!await AnswersAsync(http, "/healthz"))
            {
                Assert.False(node.HasExited, "the node stopped");
                Assert.True(DateTime.UtcNow < deadline, "the node did not start");
                await Task.Delay(100);
            }
            Assert.True(Directory.Exists(Path.Combine(_directory, "data")));

            Assert.Equal(0, InotifyWatches(node.Id));
        }
        finally
        {
            node.Kill(entireProcessTree: true);
            await node.WaitForExitAsync();
        }
    }

    private static async Task<bool> AnswersAsync(HttpClient http, string path)
    {
        try
        {
            using var response = await http.GetAsync(path);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>The watches of every inotify instance the process holds: one "inotify wd:" line each in its fdinfo (proc(5)).</summary>
    private static int InotifyWatches(int pid) =>
        Directory.GetFiles($"/proc/{pid}/fd")
            .Where(fd => new FileInfo(fd).LinkTarget == "anon_inode:inotify")
            .Sum(fd => File.ReadLines($"/proc/{pid}/fdinfo/{Path.GetFileName(fd)}").Count(line => line.StartsWith("inotify wd:", StringComparison.Ordinal)));
}
