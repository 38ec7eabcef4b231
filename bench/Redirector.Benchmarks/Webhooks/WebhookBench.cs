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
/// webhooks N [batch-size]: the webhook path of one subscribed endpoint, with a receiver on loopback (Kestrel, in this
/// process, answering 204 or, while told to fail, 503), N clicks at a time in batches of 500 as the pipeline makes them
/// (one link). Process user+sys time is the sender's and the receiver's together. Four figures: the "webhooks" spool
/// consumer delivering straight to a healthy receiver (CPU per click, clicks/s, nothing queued); the same clicks while
/// the receiver fails (the first request fails, the rest go to the SQLite queue: CPU per click to queue); the real
/// <see cref="WebhookDispatcher"/>'s worker delivering that backlog once the receiver is back (events/s, CPU per
/// event); and the consumer sending 20,000 clicks/s as under load once the endpoint counts as healthy again (when
/// the last event arrives).
/// </summary>
public static class WebhookBench
{
    private const int BatchSize = 500;
    private const int WarmUpBatches = 40;
    private static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan QueueAfterFailure = TimeSpan.FromSeconds(1);

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
            ["Webhooks:QueueAfterFailure"] = QueueAfterFailure.ToString(),
        });
        // Errors only: the failing phase's one failed request is meant.
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Error);
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
        // What the dispatcher's first poll would load; the dispatcher (the queue's worker) does not run until the backlog phase.
        host.Services.GetRequiredService<WebhookSubscriptions>().Replace([WebhookSubscription.Of(endpoint, catalog.KeyOf(endpoint))]);
        var consumer = host.Services.GetRequiredService<WebhookClickConsumer>();
        var queue = host.Services.GetRequiredService<WebhookQueue>();

        var end = DateTime.UtcNow;
        var start = end.AddMinutes(-1);
        var random = new Random(42);
        var batches = total / BatchSize;
        // Warm-up (link cache, HTTP connections, SQLite statements, and the JIT's tiering, which otherwise took a third
        // of the process's CPU while the measured batches ran) on batches of a node of their own.
        var warmUpClicks = 0;
        for (var w = 0; w < WarmUpBatches; w++)
        {
            var warm = EventStoreBench.MakeBatch(w, WarmUpBatches, start, end, 1, random);
            warmUpClicks += Clicks(warm);
            await consumer.DeliverAsync(new ClickBatch("warm-up", w + 1, warm.Groups, warm.PageViews), CancellationToken.None);
        }
        await Task.Delay(TimeSpan.FromSeconds(2));
        var made = Enumerable.Range(0, batches).Select(b => EventStoreBench.MakeBatch(b, batches, start, end, 1, random)).ToList();
        var clicks = made.Sum(Clicks);

        // 1. Straight from the spool to a healthy receiver.
        receiver.Reset(clicks);
        var (seconds, cpu, allocated) = await TimeAsync(async () =>
        {
            foreach (var batch in made)
                await consumer.DeliverAsync(batch, CancellationToken.None);
        });
        Console.WriteLine($"direct delivery ({perRequest} event(s) per request): {receiver.Distinct:N0} distinct events received for {clicks:N0} clicks in " +
            $"{receiver.Requests:N0} requests, {seconds:F2} s ({clicks / seconds:N0} clicks/s), {cpu.TotalMicroseconds / clicks:F2} us CPU and " +
            $"{allocated / clicks:N0} bytes allocated per click (sender and receiver together); {queue.Pending(endpoint.Id):N0} queued");
        if (receiver.Distinct != clicks || queue.Pending(endpoint.Id) != 0)
            return 1;

        // 2. The receiver fails: the first request fails, and the endpoint's clicks are queued.
        receiver.Reset(clicks, failing: true);
        (seconds, cpu, allocated) = await TimeAsync(async () =>
        {
            foreach (var batch in made)
                await consumer.DeliverAsync(new ClickBatch("failing", batch.Sequence, batch.Groups, batch.PageViews), CancellationToken.None);
        });
        var queued = (int)queue.Pending(endpoint.Id);
        Console.WriteLine($"queueing while the receiver fails: {queued:N0} events queued for {clicks:N0} clicks in {seconds:F2} s ({clicks / seconds:N0} clicks/s), " +
            $"{cpu.TotalMicroseconds / clicks:F2} us CPU and {allocated / clicks:N0} bytes allocated per click ({receiver.Requests:N0} failed request(s))");
        if (queued != clicks)
            return 1;

        // 3. The receiver is back; the dispatcher's worker sends the backlog.
        receiver.Reset(queued);
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        await host.StartAsync();
        var timeout = TimeSpan.FromSeconds(Math.Max(120, queued / 50.0));
        while (receiver.Distinct < queued && receiver.Elapsed < timeout)
            await Task.Delay(50);
        seconds = (receiver.LastAt ?? receiver.Elapsed).TotalSeconds;
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuStart;
        var delivered = receiver.Distinct;
        Console.WriteLine($"delivery of the queued backlog ({perRequest} event(s) per request): {delivered:N0} distinct events in {receiver.Requests:N0} requests, " +
            $"{seconds:F2} s from the dispatcher's start, {delivered / seconds:N0} events/s, {cpu.TotalMicroseconds / Math.Max(1, delivered):F2} us CPU per event" +
            (delivered < queued ? $"; INCOMPLETE after {timeout.TotalSeconds:F0} s" : ""));
        if (delivered < queued)
            return 1;

        // 4. As under load: a batch every BatchInterval (20,000 clicks/s), sent from the spool once the endpoint's
        // failure is older than QueueAfterFailure and its queue is empty.
        while (queue.Pending(endpoint.Id) > 0)
            await Task.Delay(20);
        await Task.Delay(QueueAfterFailure);
        receiver.Reset(clicks);
        var pacing = Stopwatch.StartNew();
        for (var b = 0; b < made.Count; b++)
        {
            if (BatchInterval * b - pacing.Elapsed is { Ticks: > 0 } ahead)
                await Task.Delay(ahead);
            var batch = made[b];
            await consumer.DeliverAsync(new ClickBatch("live", batch.Sequence, batch.Groups, batch.PageViews), CancellationToken.None);
        }
        var sentIn = pacing.Elapsed;
        while (receiver.Distinct < clicks && receiver.Elapsed < timeout)
            await Task.Delay(20);
        seconds = (receiver.LastAt ?? receiver.Elapsed).TotalSeconds;
        await host.StopAsync();
        delivered = receiver.Distinct;
        Console.WriteLine($"delivery of {BatchSize / BatchInterval.TotalSeconds:N0} clicks/s from the spool: {delivered:N0} events in {receiver.Requests:N0} requests, " +
            $"sent in {sentIn.TotalSeconds:F2} s (paced: {BatchInterval * made.Count:g}), all received after {seconds:F2} s" +
            (delivered < clicks ? $"; INCOMPLETE after {timeout.TotalSeconds:F0} s" : ""));
        return delivered < clicks ? 1 : 0;
    }

    // Refused visits are not clicks and make no event.
    private static int Clicks(ClickBatch batch) => batch.Groups.Where(g => !Dimensions.IsRefused(g.Shape)).Sum(g => g.Count);

    private static async Task<(double Seconds, TimeSpan Cpu, long Allocated)> TimeAsync(Func<Task> work)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes();
        var clock = Stopwatch.StartNew();
        await work();
        return (clock.Elapsed.TotalSeconds, Process.GetCurrentProcess().TotalProcessorTime - cpu, GC.GetTotalAllocatedBytes() - allocated);
    }

    /// <summary>
    /// A receiver on a free loopback port that counts distinct event ids (one event, or a JSON array of them), or,
    /// while failing, answers 503 and counts only requests.
    /// </summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
        private readonly Stopwatch _clock = new();
        private int _expected;
        private volatile bool _failing;
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

        public void Reset(int expected, bool failing = false)
        {
            lock (_ids)
            {
                _failing = failing;
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
                if (receiver._failing)
                {
                    Interlocked.Increment(ref receiver._requests);
                    return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
                }
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
