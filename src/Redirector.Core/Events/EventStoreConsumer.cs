using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Redirector.Clicks;

namespace Redirector.Events;

/// <summary>
/// The spool consumer "events": writes the spool's batches to the <see cref="EventStore"/>, on its own thread and at
/// its own pace, so a slow or stopped store never touches redirects, Redis counting or other consumers; while it is
/// away batches wait in the spool and are written when it is back. A write costs the store per transaction as much
/// as per row, so batches gather for <see cref="EventsOptions.GatherTime"/> and go in together, up to
/// <see cref="EventsOptions.EventsPerAppend"/> events an append (a backlog goes in appends of that size without
/// waiting). Also deletes events older than <see cref="EventsOptions.RetentionDays"/> once an hour.
/// </summary>
public sealed class EventStoreConsumer(
    EventStore store,
    ClickSpool spool,
    IOptions<AnalyticsOptions> analytics,
    IOptions<EventsOptions> options,
    TimeProvider time,
    ILogger<EventStoreConsumer> logger) : SpoolConsumer(ConsumerName, spool, analytics, time, logger)
{
    /// <summary>Its name to the spool (cursor file cursor.events).</summary>
    public const string ConsumerName = "events";

    private DateTime _retainedAt;

    protected override int EventsPerApply => options.Value.EventsPerAppend;

    protected override TimeSpan GatherTime => options.Value.GatherTime;

    protected override async Task ApplyAsync(IReadOnlyList<ClickBatch> batches, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Value.Timeout);
        await store.OpenAsync(timeout.Token);
        await store.AppendAsync(batches, timeout.Token);
        if (options.Value.RetentionDays > 0 && Time.GetUtcNow().UtcDateTime - _retainedAt > TimeSpan.FromHours(1))
        {
            _retainedAt = Time.GetUtcNow().UtcDateTime;
            await store.DeleteBeforeAsync(_retainedAt.Date.AddDays(-options.Value.RetentionDays), timeout.Token);
        }
    }
}
