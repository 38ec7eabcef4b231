using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Redirector.Catalog;
using Redirector.Clicks;
using Redirector.Times;

namespace Redirector.Webhooks;

/// <summary>
/// Runs queued webhook delivery on this node (the spool consumer sends healthy endpoints' clicks itself,
/// <see cref="WebhookClickConsumer"/>). Every <see cref="WebhookOptions.PollInterval"/> it re-reads the endpoints
/// (<see cref="WebhookSubscriptions"/>), moves link events from the catalogue's outbox into the queue (claiming rows
/// first, so each goes to one node), keeps one worker per enabled endpoint and prunes the queue. A worker sends its
/// endpoint's due events oldest first (up to its batch size per request). After a failed request the events wait
/// <see cref="WebhookOptions.RetryInitial"/>, doubling per attempt up to <see cref="WebhookOptions.RetryMax"/>, and
/// the worker pauses as long before its next request; once its oldest waiting event is
/// <see cref="WebhookOptions.DisableAfter"/> old and still fails, the endpoint is disabled with the reason. Workers
/// run apart, so a slow endpoint delays only itself, never another endpoint, the spool or a redirect.
/// </summary>
public sealed partial class WebhookDispatcher(
    IDbContextFactory<CatalogDb> catalogFactory, WebhookCatalog catalog, WebhookSubscriptions subscriptions, WebhookQueue queue,
    WebhookSender sender, NodeIdentity node, IOptions<WebhookOptions> options, TimeProvider time, ILogger<WebhookDispatcher> logger)
    : BackgroundService
{
    private const int OutboxBatch = 500;
    private readonly ConcurrentDictionary<long, Task> _workers = new();
    private readonly Dictionary<string, byte[]> _keys = new(StringComparer.Ordinal);
    private DateTime _lastPrune;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.PollInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stoppingToken);
                await MoveOutboxAsync(stoppingToken);
                foreach (var endpoint in subscriptions.All.Where(s => s.Enabled))
                {
                    if (!_workers.TryGetValue(endpoint.Id, out var worker) || worker.IsCompleted)
                        _workers[endpoint.Id] = Task.Run(() => WorkAsync(endpoint.Id, stoppingToken), stoppingToken);
                }
                if (time.GetUtcNow().UtcDateTime - _lastPrune > TimeSpan.FromMinutes(1))
                {
                    queue.Prune([.. subscriptions.All.Select(s => s.Id)]);
                    _lastPrune = time.GetUtcNow().UtcDateTime;
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogPollFailed(logger, ex.GetType().Name, ex.Message);
            }
            try
            {
                await Task.Delay(interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        await Task.WhenAll(_workers.Values).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task RefreshAsync(CancellationToken ct)
    {
        var endpoints = await catalog.ListAsync(ct);
        var list = new List<WebhookSubscription>(endpoints.Count);
        foreach (var e in endpoints)
        {
            if (!_keys.TryGetValue(e.ProtectedSecret, out var key))
                _keys[e.ProtectedSecret] = key = catalog.KeyOf(e);
            list.Add(WebhookSubscription.Of(e, key));
        }
        subscriptions.Replace(list);
    }

    /// <summary>
    /// Claims unclaimed outbox rows for this node, queues the events they hold and deletes them. Rows this node claimed
    /// before a crash are taken up again; queuing is idempotent per (endpoint, event id), so nothing doubles.
    /// </summary>
    private async Task MoveOutboxAsync(CancellationToken ct)
    {
        await using var db = await catalogFactory.CreateDbContextAsync(ct);
        var unclaimed = await db.WebhookOutbox.Where(e => e.ClaimedBy == null).OrderBy(e => e.Id).Select(e => e.Id).Take(OutboxBatch).ToListAsync(ct);
        if (unclaimed.Count > 0)
        {
            await db.WebhookOutbox.Where(e => unclaimed.Contains(e.Id) && e.ClaimedBy == null)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.ClaimedBy, node.Id), ct);
        }
        var mine = await db.WebhookOutbox.AsNoTracking().Where(e => e.ClaimedBy == node.Id).OrderBy(e => e.Id).Take(OutboxBatch).ToListAsync(ct);
        if (mine.Count == 0)
            return;
        var events = new List<QueuedEvent>();
        foreach (var row in mine)
        {
            var data = JsonSerializer.Deserialize<LinkEventData>(row.Data, LinkEvents.Json);
            var payload = $"{{\"type\":{JsonSerializer.Serialize(row.Type)},\"timestamp\":{JsonSerializer.Serialize(UtcTime.AsUtc(row.At))},\"data\":{row.Data}}}";
            foreach (var endpoint in subscriptions.All.Where(s => s.Wants(row.Type, data?.Link)))
                events.Add(new QueuedEvent(endpoint.Id, row.EventId, row.Type, payload));
        }
        queue.Enqueue(events);
        var done = mine.Select(e => e.Id).ToList();
        await db.WebhookOutbox.Where(e => done.Contains(e.Id)).ExecuteDeleteAsync(ct);
    }

    private async Task WorkAsync(long endpointId, CancellationToken ct)
    {
        var failures = 0;
        try
        {
            while (!ct.IsCancellationRequested && subscriptions.Find(endpointId) is { Enabled: true } endpoint)
            {
                var enqueued = queue.Enqueued;
                var due = queue.Due(endpointId, Math.Max(1, endpoint.BatchSize));
                if (due.Count == 0)
                {
                    var wait = queue.NextDue(endpointId) is { } next
                        ? next - time.GetUtcNow().UtcDateTime
                        : TimeSpan.FromSeconds(30);
                    wait = TimeSpan.FromTicks(Math.Clamp(wait.Ticks, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromSeconds(30).Ticks));
                    // The timer is cancelled when events wake the worker first, so frequent appends leave no timers behind.
                    using var wake = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    await Task.WhenAny(enqueued, Task.Delay(wait, time, wake.Token));
                    await wake.CancelAsync();
                    continue;
                }
                var attempt = await sender.SendAsync(endpoint, [.. due.Select(d => new QueuedEvent(endpointId, d.EventId, d.Type, d.Payload))], direct: false, ct);
                queue.RecordAttempt(due, attempt.Status, attempt.Error);
                if (attempt.Error is null)
                {
                    failures = 0;
                    continue;
                }
                failures++;
                LogAttemptFailed(logger, endpointId, due.Count, due.Max(d => d.Attempts) + 1, attempt.Error, queue.RetryDelay(failures).TotalSeconds);
                var oldest = due.Min(d => d.QueuedAt);
                if (time.GetUtcNow().UtcDateTime - oldest >= options.Value.DisableAfter)
                {
                    var reason = string.Create(CultureInfo.InvariantCulture,
                        $"Disabled {time.GetUtcNow().UtcDateTime:yyyy-MM-dd HH:mm} UTC: deliveries failed for {options.Value.DisableAfter.TotalHours:0.#} h; last error: {attempt.Error}");
                    await catalog.DisableAsync(endpointId, reason, ct);
                    LogDisabled(logger, endpointId, attempt.Error);
                    return;
                }
                await Task.Delay(queue.RetryDelay(failures), time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // The next poll starts a new worker; this keeps a broken queue file from spinning.
            LogWorkerFailed(logger, endpointId, ex.GetType().Name, ex.Message);
            await Task.Delay(options.Value.PollInterval, time, CancellationToken.None);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook poll failed ({Error}: {Message}); trying again")]
    private static partial void LogPollFailed(ILogger logger, string error, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery to endpoint {Endpoint} failed ({Events} event(s), attempt {Attempt}): {Error}; next try in {Seconds} s")]
    internal static partial void LogAttemptFailed(ILogger logger, long endpoint, int events, int attempt, string error, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook endpoint {Endpoint} disabled after failing too long: {Error}")]
    private static partial void LogDisabled(ILogger logger, long endpoint, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook worker of endpoint {Endpoint} stopped ({Error}: {Message}); restarting")]
    private static partial void LogWorkerFailed(ILogger logger, long endpoint, string error, string message);
}
