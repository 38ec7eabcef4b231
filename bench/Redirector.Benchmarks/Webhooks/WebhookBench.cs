using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Redirector.Benchmarks.Events;
using Redirector.Benchmarks.Growth;
using Redirector.Catalog;
using Redirector.Clicks;
using Redirector.Webhooks;

namespace Redirector.Benchmarks.Webhooks;

/// <summary>
/// webhooks N [batch-size]: the webhook path of one subscribed endpoint, in two steps. First the CPU the "webhooks"
/// spool consumer spends queueing N clicks (batches of 500 as the pipeline makes them, one link) into the SQLite
/// queue: process user+sys time over clicks, nothing else running. Then the real <see cref="WebhookDispatcher"/> and
/// its worker deliver them through the "webhooks" HttpClient to a receiver on loopback (Kestrel, in this process,
/// answering 204): events per second from its start to the last distinct event received, and CPU per event. Last the
/// same clicks again, queued at 20,000 clicks/s while the worker delivers (the two share the queue file, as under load):
/// how long after the first batch the last event arrives.
/// </summary>
public static class WebhookBench
{
    private const int BatchSize = 500;
    private const int WarmUpBatches = 40;
    private static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(25);

    public static int Run(string[] args)
    {
        if (args.Length < 1 || !int.TryParse(args[0], CultureInfo.InvariantCulture, out var total) || total < BatchSize)
        {
            Console.Error.WriteLine("usage: webhooks N [batch-size]   (N >= 500; batch size: events per request, 1 by default)");
            return 1;
        }
        var perRequest = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        var directory = Directory.CreateTempSubdirectory("webhooks-bench-").FullName;
        try
        {
            return RunAsync(total, perRequest, directory).GetAwaiter().GetResult();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<int> RunAsync(int total, int perRequest, string directory)
    {
        await using var receiver = await Receiver.StartAsync(Directory.CreateDirectory(Path.Combine(directory, "receiver")).FullName);
        var catalogue = Path.Combine(directory, "catalogue.db");
        await SeedLinks.Seed(catalogue, 1, "w");

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Catalog"] = $"Data Source={catalogue}",
            ["Analytics:DataDirectory"] = directory,
            ["Webhooks:AllowPrivateAddresses"] = "true",
        });
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
        builder.AddCatalog();
        builder.Services.AddDataProtection();
        builder.Services.AddOptions<AnalyticsOptions>().BindConfiguration("Analytics");
        builder.Services.AddSingleton(new ClickSpool(Path.Combine(directory, "spool"), 1L << 30, [WebhookClickConsumer.ConsumerName]));
        builder.Services.AddSingleton<NodeIdentity>();
        builder.AddWebhooks();
        using var host = builder.Build();

        var catalog = host.Services.GetRequiredService<WebhookCatalog>();
        var created = await catalog.CreateAsync(new CreateWebhookRequest(receiver.Url, [WebhookEventTypes.LinkClicked], BatchSize: perRequest), CancellationToken.None);
        if (created.Endpoint is not { } endpoint)
        {
            Console.Error.WriteLine("webhooks: the endpoint was refused: " + string.Join("; ", created.Errors?.SelectMany(e => e.Value) ?? []));
            return 1;
        }
        // What the dispatcher's first poll would load; the dispatcher is not running yet, so queueing is timed alone.
        host.Services.GetRequiredService<WebhookSubscriptions>().Replace([WebhookSubscription.Of(endpoint, catalog.KeyOf(endpoint))]);
        var consumer = host.Services.GetRequiredService<WebhookClickConsumer>();

        var end = DateTime.UtcNow;
        var start = end.AddMinutes(-1);
        var random = new Random(42);
        var batches = total / BatchSize;
        // Warm-up (link cache, SQLite statements, and the JIT's tiering, which otherwise took a third of the
        // process's CPU while the measured batches ran) on batches of a node of their own; they are delivered below too.
        for (var w = 0; w < WarmUpBatches; w++)
        {
            var warm = EventStoreBench.MakeBatch(w, WarmUpBatches, start, end, 1, random);
            await consumer.QueueAsync(new ClickBatch("warm-up", w + 1, warm.Groups, warm.PageViews), CancellationToken.None);
        }
        await Task.Delay(TimeSpan.FromSeconds(2));
        var made = Enumerable.Range(0, batches).Select(b => EventStoreBench.MakeBatch(b, batches, start, end, 1, random)).ToList();
        var queue = host.Services.GetRequiredService<WebhookQueue>();
        var pendingBefore = queue.Pending(endpoint.Id);

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes();
        var clock = Stopwatch.StartNew();
        foreach (var batch in made)
            await consumer.QueueAsync(batch, CancellationToken.None);
        var seconds = clock.Elapsed.TotalSeconds;
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        allocated = GC.GetTotalAllocatedBytes() - allocated;
        var queued = (int)(queue.Pending(endpoint.Id) - pendingBefore);
        Console.WriteLine($"queueing: {queued:N0} link.clicked events for 1 endpoint in {seconds:F2} s ({queued / seconds:N0}/s), " +
            $"{cpu.TotalMicroseconds / queued:F2} us CPU and {allocated / queued:N0} bytes allocated per click");

        // The warm-up's events are delivered too: every event queued is expected.
        var expected = (int)queue.Pending(endpoint.Id);
        cpu = Process.GetCurrentProcess().TotalProcessorTime;
        receiver.Reset(expected);
        await host.StartAsync();
        var timeout = TimeSpan.FromSeconds(Math.Max(120, expected / 50.0));
        while (receiver.Distinct < expected && receiver.Elapsed < timeout)
            await Task.Delay(50);
        seconds = (receiver.LastAt ?? receiver.Elapsed).TotalSeconds;
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var delivered = receiver.Distinct;
        Console.WriteLine($"delivery of a backlog ({perRequest} event(s) per request): {delivered:N0} distinct events in {receiver.Requests:N0} requests, " +
            $"{seconds:F2} s from the dispatcher's start, {delivered / seconds:N0} events/s, {cpu.TotalMicroseconds / Math.Max(1, delivered):F2} us CPU per event " +
            "(sender and receiver together)" + (delivered < expected ? $"; INCOMPLETE after {timeout.TotalSeconds:F0} s" : ""));
        if (delivered < expected)
            return 1;

        // As under load: the consumer queues a batch every BatchInterval (20,000 clicks/s) while the worker sends, both
        // writing the same queue file.
        receiver.Reset(queued);
        var pacing = Stopwatch.StartNew();
        for (var b = 0; b < made.Count; b++)
        {
            if (BatchInterval * b - pacing.Elapsed is { Ticks: > 0 } ahead)
                await Task.Delay(ahead);
            var batch = made[b];
            await consumer.QueueAsync(new ClickBatch("live", batch.Sequence, batch.Groups, batch.PageViews), CancellationToken.None);
        }
        var queuedIn = pacing.Elapsed;
        while (receiver.Distinct < queued && receiver.Elapsed < timeout)
            await Task.Delay(20);
        seconds = (receiver.LastAt ?? receiver.Elapsed).TotalSeconds;
        await host.StopAsync();
        delivered = receiver.Distinct;
        Console.WriteLine($"delivery while queueing {BatchSize / BatchInterval.TotalSeconds:N0} clicks/s: {delivered:N0} events in {receiver.Requests:N0} requests, " +
            $"queued in {queuedIn.TotalSeconds:F2} s, all received after {seconds:F2} s ({delivered / seconds:N0} events/s)" +
            (delivered < queued ? $"; INCOMPLETE after {timeout.TotalSeconds:F0} s" : ""));
        return delivered < queued ? 1 : 0;
    }

    /// <summary>A receiver on a free loopback port that counts distinct event ids (one event, or a JSON array of them).</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
        private readonly Stopwatch _clock = new();
        private int _expected;
        private long _requests;

        private Receiver(WebApplication app) => _app = app;

        public string Url { get; private set; } = "";

        public int Distinct
        {
            get
            {
                lock (_ids)
                    return _ids.Count;
            }
        }

        public long Requests => Interlocked.Read(ref _requests);

        public TimeSpan Elapsed => _clock.Elapsed;

        /// <summary>Time since <see cref="Reset"/> when the expected count was reached.</summary>
        public TimeSpan? LastAt { get; private set; }

        public void Reset(int expected)
        {
            lock (_ids)
            {
                _ids.Clear();
                _requests = 0;
                _expected = expected;
                LastAt = null;
                _clock.Restart();
            }
        }

        public static async Task<Receiver> StartAsync(string contentRoot)
        {
            // An empty content root: the default (the working directory) is watched for appsettings changes, and a
            // build writing beside the bench kept the watcher's thread busy inside the measured CPU.
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = contentRoot });
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1));
            var app = builder.Build();
            var receiver = new Receiver(app);
            app.MapPost("/hook", async (HttpRequest request) =>
            {
                using var body = await JsonDocument.ParseAsync(request.Body);
                var ids = new List<string>();
                if (body.RootElement.ValueKind == JsonValueKind.Array)
                {
                    foreach (var e in body.RootElement.EnumerateArray())
                        ids.Add(e.GetProperty("id").GetString()!);
                }
                else
                {
                    ids.Add(request.Headers["webhook-id"].ToString());
                }
                receiver.Received(ids);
                return Results.NoContent();
            });
            await app.StartAsync();
            receiver.Url = app.Urls.First().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal) + "/hook";
            return receiver;
        }

        private void Received(List<string> ids)
        {
            Interlocked.Increment(ref _requests);
            lock (_ids)
            {
                foreach (var id in ids)
                    _ids.Add(id);
                if (_ids.Count >= _expected && LastAt is null)
                    LastAt = _clock.Elapsed;
            }
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
