using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Redirector.Clicks;

/// <summary>
/// The base of every spool consumer but Redis (which the <see cref="ClickPipeline"/> applies on its own thread):
/// reads the <see cref="ClickSpool"/> through its own cursor on its own thread, sleeps until a batch is appended,
/// hands each batch to <see cref="ApplyAsync"/> in append order and acknowledges it once that returns. A batch that
/// fails is retried after <see cref="AnalyticsOptions.ReplayInterval"/>, doubling up to
/// <see cref="AnalyticsOptions.ConsumerRetryMax"/>, and never skipped: later batches wait behind it, in the spool,
/// which holds them against its cap. A consumer may see its last batch again after a crash (the cursor is saved
/// after the apply), so <see cref="ApplyAsync"/> must be idempotent per (node, sequence). A failing consumer never
/// touches redirects, the Redis counters or other consumers. While the consumer keeps up, within
/// <see cref="AnalyticsOptions.IdlePriorityLag"/>, its applies run on an <see cref="IdlePriorityScheduler"/> of its own.
/// Register one with <see cref="ClickServices.AddSpoolConsumer{TConsumer}"/>, which names it to the spool.
/// </summary>
public abstract partial class SpoolConsumer : BackgroundService
{
    private readonly SpoolCursor _cursor;
    private readonly AnalyticsOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _appliedBatches;
    private long _appliedClicks;
    private volatile string? _lastError;

    /// <param name="name">The consumer's name, as registered with AddSpoolConsumer; its cursor file is cursor.&lt;name&gt;.</param>
    protected SpoolConsumer(string name, ClickSpool spool, IOptions<AnalyticsOptions> options, TimeProvider time, ILogger logger)
    {
        Name = name;
        _cursor = spool.Cursor(name);
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    public string Name { get; }

    /// <summary>The clock the consumer waits by (a fake one in tests).</summary>
    protected TimeProvider Time => _time;

    /// <summary>The consumer's logger, for what its apply step tells on its own.</summary>
    protected ILogger Logger => _logger;

    /// <summary>Batches appended to the spool that this consumer has not applied yet: its lag.</summary>
    public int PendingBatches => _cursor.PendingBatches;

    /// <summary>True from a failed apply until the batch is applied.</summary>
    public bool Failing => _cursor.Failing;

    /// <summary>The last failure's type and message, while <see cref="Failing"/>.</summary>
    public string? LastError => Failing ? _lastError : null;

    /// <summary>Batches and clicks applied since start (replays after a crash included).</summary>
    public long AppliedBatches => Interlocked.Read(ref _appliedBatches);

    public long AppliedClicks => Interlocked.Read(ref _appliedClicks);

    /// <summary>
    /// Writes batches to the consumer's store, in spool order: one batch, or several when the consumer sets
    /// <see cref="EventsPerApply"/>. Throws to have them all retried later; must be idempotent per
    /// (<see cref="ClickBatch.Node"/>, <see cref="ClickBatch.Sequence"/>), as batches may come again after a crash.
    /// </summary>
    protected abstract Task ApplyAsync(IReadOnlyList<ClickBatch> batches, CancellationToken ct);

    /// <summary>
    /// Events (<see cref="ClickBatch.Events"/>) one <see cref="ApplyAsync"/> may take: batches are added while the
    /// sum stays below it, so the last one may pass it. 0 (the default): one batch at a time.
    /// </summary>
    protected virtual int EventsPerApply => 0;

    /// <summary>
    /// How long batches gather in the spool before an apply when the consumer has caught up (none while it is
    /// behind: then each apply takes <see cref="EventsPerApply"/>). For a store whose cost is per write rather than
    /// per row; zero (the default) applies each batch as it comes.
    /// </summary>
    protected virtual TimeSpan GatherTime => TimeSpan.Zero;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = _options.ReplayInterval;
        var behind = false;
        using var idle = _options.IdlePriorityLag > TimeSpan.Zero ? new IdlePriorityScheduler($"{Name} consumer") : null;
        long? trailingSince = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _cursor.WaitAsync(stoppingToken);
                trailingSince ??= _time.GetTimestamp();
                if (!behind && !_cursor.Failing && GatherTime > TimeSpan.Zero)
                    await Task.Delay(GatherTime, _time, stoppingToken);
                var batches = _cursor.Peek(EventsPerApply);
                if (batches.Count == 0)
                {
                    // Pending but unreadable yet (a segment changing hands): look again shortly.
                    await Task.Delay(_options.ReplayInterval, _time, stoppingToken);
                    continue;
                }
                try
                {
                    if (idle is not null && _time.GetElapsedTime(trailingSince.Value) < _options.IdlePriorityLag &&
                        _cursor.PendingBytes < _options.SpoolMaxBytes / 8)
                        // The cursor's lock, taken next, is shared with the pipeline's appends: RunAsync returns to the pool.
                        await idle.RunAsync(() => ApplyAsync(batches, stoppingToken), stoppingToken);
                    else
                        await ApplyAsync(batches, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    _lastError = $"{ex.GetType().Name}: {ex.Message}";
                    _cursor.Failing = true;
                    LogApplyFailed(_logger, Name, batches[0].Sequence, _lastError, delay.TotalSeconds);
                    await Task.Delay(delay, _time, stoppingToken);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ConsumerRetryMax.Ticks));
                    continue;
                }
                _cursor.Acknowledge();
                if (!_cursor.HasPending)
                    trailingSince = null;
                // A full apply leaves more waiting: take it at once.
                behind = batches.Sum(b => b.Events) >= EventsPerApply && _cursor.HasPending;
                Interlocked.Add(ref _appliedBatches, batches.Count);
                Interlocked.Add(ref _appliedClicks, batches.Sum(b => b.Clicks));
                if (_cursor.Failing)
                {
                    _cursor.Failing = false;
                    delay = _options.ReplayInterval;
                    LogRecovered(_logger, Name);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool consumer {Consumer} could not apply batch {Sequence} ({Error}); retrying in {Seconds} s")]
    private static partial void LogApplyFailed(ILogger logger, string consumer, long sequence, string error, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Spool consumer {Consumer} applies batches again")]
    private static partial void LogRecovered(ILogger logger, string consumer);
}
