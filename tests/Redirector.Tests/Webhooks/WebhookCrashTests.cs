using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Redirector.Tests.Core;
using Redirector.Tests.Infrastructure;
using Redirector.Webhooks;

namespace Redirector.Tests.Webhooks;

/// <summary>
/// The node runs as its own process (the built Redirector.dll) and is killed with SIGKILL in the middle of traffic,
/// then started again on the same data directory: every click it counted reaches the receiver, and an event that
/// arrives twice arrives with the same id and the same body.
/// </summary>
public sealed class WebhookCrashTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("redirector-crash-").FullName;
    private readonly RedisServer _redis = new();
    private readonly int _port = RedisServer.FreePort();
    private readonly System.Text.StringBuilder _log = new();
    private Process? _node;

    private void Log(string? line)
    {
        if (line is null)
            return;
        lock (_log)
            _log.AppendLine(line);
    }

    [Fact]
    public async Task A_node_killed_mid_run_and_restarted_loses_no_counted_click_and_repeats_only_same_ids()
    {
        await using var receiver = new WebhookReceiver();
        using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}") };
        api.DefaultRequestHeaders.Add("X-Api-Key", RedirectorApplication.ApiKey);
        await StartNodeAsync(api);
        await WebhookReceiver.CreateEndpointAsync(api, receiver, new { events = new[] { WebhookEventTypes.LinkClicked } });
        using (var link = await api.PostAsJsonAsync("/api/links", new { url = "https://shop.example.com/", slug = "crash" }))
            link.EnsureSuccessStatusCode();
        await Task.Delay(300);

        using var visitors = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = api.BaseAddress };
        using var stop = new CancellationTokenSource();
        var answered = 0;
        var traffic = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await CountingTests.ClickAsync(visitors, "/crash", Agents.ChromeWindows, null);
                    if (response.StatusCode == HttpStatusCode.Found)
                        Interlocked.Increment(ref answered);
                }
                catch (Exception ex) when (ex is HttpRequestException or System.Net.Sockets.SocketException)
                {
                    // The node is gone: a click without an answer is no click. A connection opened as the process dies
                    // can fail inside the handler's own set-up, which throws the socket's error unwrapped.
                }
            }
        });
        await receiver.WaitForAsync(r => r.DistinctIds.Count >= 200, TimeSpan.FromSeconds(30), "clicks before the kill");
        _node!.Kill();
        await _node.WaitForExitAsync();
        stop.Cancel();
        await traffic;

        await StartNodeAsync(api);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        long counted;
        while (true)
        {
            var stats = await api.GetFromJsonAsync<Redirector.Stats.StatsResponse>("/api/links/crash/stats");
            counted = stats!.Clicks;
            // The restarted node replays its spool to Redis and to the webhooks each at its own pace: wait until both
            // have caught up, not only the one that was behind at the first look.
            if (counted > 0 && receiver.DistinctIds.Count == counted)
                break;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{receiver.DistinctIds.Count} events for {counted} counted clicks");
            await Task.Delay(200);
        }
        await Task.Delay(1000);

        counted = (await api.GetFromJsonAsync<Redirector.Stats.StatsResponse>("/api/links/crash/stats"))!.Clicks;
        Assert.Equal(counted, receiver.DistinctIds.Count);
        Assert.True(counted >= 200, $"{counted} counted of {answered} answered");
        Assert.All(receiver.Events, e => Assert.True(e.Verified));
        foreach (var same in receiver.Events.GroupBy(e => e.Id).Where(g => g.Count() > 1))
            Assert.Single(same.Select(e => e.Raw).Distinct());
    }

    private async Task StartNodeAsync(HttpClient api)
    {
        var info = NodeProcess.StartInfo(_directory, _redis, _port, WebhookDeliveryTests.FastSettings());
        _node = Process.Start(info)!;
        _node.OutputDataReceived += (_, e) => Log(e.Data);
        _node.ErrorDataReceived += (_, e) => Log(e.Data);
        _node.BeginOutputReadLine();
        _node.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            try
            {
                using var health = await api.GetAsync("/healthz");
                if (health.IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            if (_node.HasExited || DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"The node did not start: {_log}");
            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        if (_node is { HasExited: false })
            _node.Kill();
        _node?.Dispose();
        _redis.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
