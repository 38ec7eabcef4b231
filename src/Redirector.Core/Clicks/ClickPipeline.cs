using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Redirector.Clicks;

/// <summary>
/// The one consumer of the <see cref="ClickQueue"/>: collects clicks into batches (a few ms or a few hundred
/// clicks), enriches and groups them, writes each batch to the <see cref="ClickSpool"/> and then, through the
/// spool's "redis" cursor, applies the batches of each <see cref="AnalyticsOptions.ApplyWindow"/> to Redis in order,
/// merged into one range (one round trip); batches that must wait for a failing Redis are fsync'd.
/// A crash of the process therefore loses only the clicks not yet in a batch; a Redis outage only delays
/// counting. Batches of one node reach Redis in order, which is what makes their sequence numbers an
/// idempotency key.
/// </summary>
public sealed partial class ClickPipeline(
    ClickQueue queue,
    ClickEnricher enricher,
    VisitorHasher visitors,
    RedisClickWriter writer,
    ClickSpool spool,
    NodeIdentity node,
    IOptions<AnalyticsOptions> options,
    TimeProvider time,
    ILogger<ClickPipeline> logger) : BackgroundService
{
    /// <summary>The spool consumer that applies batches to the Redis counters.</summary>
    public const string RedisConsumer = "redis";

    private const int CollectSlices = 5;

    // The most clicks applied as one range: its calls' Redis time grows with it (tens of microseconds a click when
    // no two clicks share a link), and must stay well within ApplyTimeout.
    private const int MaxRangeClicks = 20_000;

    // Below this many clicks a second there is little to merge and Redis's work is small however it is sent: each
    // batch is applied at once, so that an open dashboard shows a click within the second.
    private const int WindowedClicksPerSecond = 1_000;

    private readonly AnalyticsOptions _options = options.Value;
    private readonly ClickBatchBuilder _builder = new();
    // Each click's values are read into this array; the builder copies them only for a click that starts a group.
    private readonly string?[] _values = new string?[Dimensions.Count];
    private readonly SpoolCursor _redis = spool.Cursor(RedisConsumer);
    private long _lastSequence;
    private long _lastFailure;
    private bool _redisFailing;
    private long _droppedBySpool;
    private long _applied;
    // When each batch Redis has not taken was spooled (Stopwatch timestamps), oldest first; 0 for those spooled before
    // this process started. The oldest is also kept where the health check reads it: -1 when none waits.
    private readonly Queue<long> _spooledAt = new();
    private long _oldestSpooledAt = -1;
    // Clicks spooled in the current and the previous whole second of the Stopwatch.
    private long _rateSecond;
    private int _clicksThisSecond;
    private int _clicksLastSecond;

    /// <summary>Clicks lost because the queue or the spool was full.</summary>
    public long DroppedClicks => queue.Dropped + Interlocked.Read(ref _droppedBySpool);

    /// <summary>Clicks written to Redis (live or replayed) since start.</summary>
    public long AppliedClicks => Interlocked.Read(ref _applied);

    /// <summary>
    /// Whether the last attempt to apply batches to Redis failed (no answer within <see cref="AnalyticsOptions.ApplyTimeout"/>
    /// or an error), connected or not: a paused or overloaded server keeps its connections open.
    /// </summary>
    public bool RedisFailing => Volatile.Read(ref _redisFailing);

    /// <summary>Bytes spooled that Redis has not taken yet (other consumers report their own lag).</summary>
    public long SpooledBytes => _redis.PendingBytes;

    /// <summary>Batches spooled that Redis has not taken yet.</summary>
    public int SpooledBatches => _redis.PendingBatches;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = queue.Reader;
        var flushes = new List<TaskCompletionSource>();
        try
        {
            for (var i = 0; i < _redis.PendingBatches; i++)
                _spooledAt.Enqueue(0);
            UpdateOldest();
            await WarmUpAsync(stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                var waitFor = !_redis.HasPending ? Timeout.InfiniteTimeSpan
                    : _redisFailing ? _options.ReplayInterval
                    : UntilWindowEnds();
                if (await WaitForClickAsync(reader, waitFor, stoppingToken))
                {
                    await CollectAndSpoolAsync(flushes, stoppingToken);
                    // Clicks coming faster than Redis takes them go to the spool, bounded by bytes on disk, rather than
                    // waiting in the queue, bounded by clicks, whose overflow is lost; Redis takes them from the spool.
                    while (flushes.Count == 0 && FullBatchWaiting && !stoppingToken.IsCancellationRequested)
                        await CollectAndSpoolAsync(flushes, stoppingToken);
                }
                await ApplySpoolAsync(now: flushes.Count > 0, yieldToQueue: flushes.Count == 0);
                CompleteFlushes(flushes);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await DrainAsync(flushes);
    }

    /// <summary>
    /// Loads the user-agent rules and today's visitor salt before the first click needs them, so a burst right
    /// after start does not wait behind a cold first batch.
    /// </summary>
    private async Task WarmUpAsync(CancellationToken ct)
    {
        await Task.Run(enricher.WarmUp, ct);
        await visitors.PrepareAsync(StatsKeys.DayOf(time.GetUtcNow().UtcDateTime), ct);
    }

    /// <summary>At shutdown the server has stopped taking requests: spool whatever is left and try Redis once more.</summary>
    private async Task DrainAsync(List<TaskCompletionSource> flushes)
    {
        while (queue.Count > 0)
            await CollectAndSpoolAsync(flushes, CancellationToken.None);
        _redisFailing = false;
        await ApplySpoolAsync(now: true);
        spool.Sync();
        CompleteFlushes(flushes);
        LogStopped(logger, spool.PendingBatches);
    }

    private static async Task<bool> WaitForClickAsync(System.Threading.Channels.ChannelReader<QueuedEvent> reader, TimeSpan timeout, CancellationToken ct)
    {
        if (reader.Count > 0)
            return true;
        if (timeout == Timeout.InfiniteTimeSpan)
            return await reader.WaitToReadAsync(ct);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            return await reader.WaitToReadAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task CollectAndSpoolAsync(List<TaskCompletionSource> flushes, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(_options.BatchWindow.TotalSeconds * Stopwatch.Frequency);
        var reader = queue.Reader;
        while (_builder.Count < _options.BatchSize)
        {
            if (reader.TryRead(out var queued))
            {
                if (queued is RawClick click)
                {
                    // Clicks already taken from the queue must reach the spool even when shutdown begins now.
                    await visitors.PrepareAsync(StatsKeys.DayOf(click.Time), CancellationToken.None);
                    _builder.Add(enricher.Enrich(click, _values));
                }
                else if (queued is PageView view)
                {
                    if (enricher.Enrich(view) is { } viewed)
                        _builder.Add(viewed);
                }
                else if (queued is FlushMarker flush)
                {
                    flushes.Add(flush.Done);
                    break;
                }
                continue;
            }
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (remaining <= TimeSpan.Zero || ct.IsCancellationRequested)
                break;
            // Sleep in slices of the window instead of waking for every click (a thread-pool dispatch per click)
            // or once per window (one long burst of enrichment that Kestrel then waited behind: a worse p99).
            try
            {
                await Task.Delay(TimeSpan.FromTicks(Math.Min(remaining.Ticks, _options.BatchWindow.Ticks / CollectSlices)), time, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        if (_builder.Count == 0)
            return;
        var batch = _builder.Build(node.Id, NextSequence());
        if (!spool.TryAppend(batch))
        {
            Interlocked.Add(ref _droppedBySpool, batch.Clicks);
            LogSpoolFull(logger, batch.Clicks, spool.PendingBytes);
        }
        else
        {
            var spooledAt = Stopwatch.GetTimestamp();
            _spooledAt.Enqueue(spooledAt);
            UpdateOldest();
            CountRate(spooledAt, batch.Clicks);
            if (_redisFailing || spool.ConsumerFailing)
                spool.Sync();
        }
    }

    private void UpdateOldest() => Volatile.Write(ref _oldestSpooledAt, _spooledAt.TryPeek(out var oldest) ? oldest : -1);

    /// <summary>
    /// Whether clicks wait for Redis longer than a counting window and a second (<see cref="AnalyticsOptions.ApplyWindow"/>),
    /// or since before this process started: Redis is away or behind, rather than the window gathering.
    /// </summary>
    public bool CountingBehind => Volatile.Read(ref _oldestSpooledAt) switch
    {
        -1 => false,
        0 => true,
        var oldest => Stopwatch.GetElapsedTime(oldest) > _options.ApplyWindow + TimeSpan.FromSeconds(1),
    };

    private void CountRate(long timestamp, int clicks)
    {
        var second = timestamp / Stopwatch.Frequency;
        if (second != _rateSecond)
        {
            _clicksLastSecond = second == _rateSecond + 1 ? _clicksThisSecond : 0;
            _clicksThisSecond = 0;
            _rateSecond = second;
        }
        _clicksThisSecond += clicks;
    }

    /// <summary>
    /// Zero when the spooled batches are due for Redis: the oldest has waited <see cref="AnalyticsOptions.ApplyWindow"/>,
    /// fewer than <see cref="WindowedClicksPerSecond"/> clicks a second come, a full range waits, or their age is not
    /// known (spooled before a restart).
    /// </summary>
    private TimeSpan UntilWindowEnds()
    {
        if (!_spooledAt.TryPeek(out var oldest) || oldest == 0 || Math.Max(_clicksThisSecond, _clicksLastSecond) < WindowedClicksPerSecond ||
            (long)_redis.PendingBatches * _options.BatchSize >= MaxRangeClicks)
            return TimeSpan.Zero;
        var left = _options.ApplyWindow - Stopwatch.GetElapsedTime(oldest);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    /// <summary>
    /// Once the spooled batches are due (see <see cref="UntilWindowEnds"/>), or <paramref name="now"/>, applies them
    /// oldest first in ranges of up to <see cref="MaxRangeClicks"/> clicks until the spool is empty or Redis fails,
    /// or, with <paramref name="yieldToQueue"/>, until a full batch waits in the queue (the caller spools it, then
    /// comes back). After a failure, Redis is left alone for <see cref="AnalyticsOptions.ReplayInterval"/> and then
    /// probed cheaply before replaying, so a paused server costs one short probe per interval instead of a timeout
    /// per range.
    /// </summary>
    private async Task ApplySpoolAsync(bool now = false, bool yieldToQueue = false)
    {
        if (!_redis.HasPending || (!now && !_redisFailing && UntilWindowEnds() > TimeSpan.Zero))
            return;
        if (_redisFailing)
        {
            if (Stopwatch.GetElapsedTime(_lastFailure) < _options.ReplayInterval)
                return;
            if (!await writer.ProbeAsync(ProbeTimeout))
            {
                _lastFailure = Stopwatch.GetTimestamp();
                return;
            }
        }
        while (_redis.Peek(_options.ApplyWindow > TimeSpan.Zero ? MaxRangeClicks : 0) is { Count: > 0 } batches)
        {
            if (!await TryApplyAsync(batches))
            {
                spool.Sync();
                _redisFailing = true;
                _lastFailure = Stopwatch.GetTimestamp();
                break;
            }
            _redis.Acknowledge();
            Interlocked.Add(ref _applied, batches.Sum(b => b.Clicks));
            if (_redisFailing)
            {
                _redisFailing = false;
                LogRecovered(logger, _redis.PendingBatches);
            }
            for (var i = 0; i < batches.Count && _spooledAt.Count > 0; i++)
                _spooledAt.Dequeue();
            UpdateOldest();
            if (!_redis.HasPending)
                break;
            if (yieldToQueue && FullBatchWaiting)
                break;
            if (!now && UntilWindowEnds() > TimeSpan.Zero)
                break;
        }
    }

    private bool FullBatchWaiting => queue.Count >= _options.BatchSize;

    private TimeSpan ProbeTimeout => TimeSpan.FromTicks(Math.Min(_options.ApplyTimeout.Ticks, TimeSpan.FromMilliseconds(250).Ticks));

    private async Task<bool> TryApplyAsync(IReadOnlyList<ClickBatch> batches)
    {
        try
        {
            // A paused or slow server would hold the call up to the client's timeout; ours is shorter. If the
            // call completes later anyway, the copy still in the spool is skipped by its sequence number.
            var apply = writer.ApplyAsync(batches);
            var finished = await Task.WhenAny(apply, Task.Delay(_options.ApplyTimeout, time));
            if (finished != apply)
            {
                _ = apply.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
                LogApplyFailed(logger, "Timeout", $"no answer within {_options.ApplyTimeout.TotalMilliseconds} ms");
                return false;
            }
            await apply;
            return true;
        }
        catch (Exception ex)
        {
            LogApplyFailed(logger, ex.GetType().Name, ex.Message);
            return false;
        }
    }

    /// <summary>Increasing across restarts of this node too: microseconds of wall time, bumped on collisions.</summary>
    private long NextSequence()
    {
        var candidate = time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        _lastSequence = Math.Max(_lastSequence + 1, candidate);
        return _lastSequence;
    }

    private static void CompleteFlushes(List<TaskCompletionSource> flushes)
    {
        foreach (var flush in flushes)
            flush.TrySetResult();
        flushes.Clear();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis did not take a batch ({Error}: {Message}); it stays in the spool")]
    private static partial void LogApplyFailed(ILogger logger, string error, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool is full ({Bytes} bytes): dropped a batch of {Clicks} clicks")]
    private static partial void LogSpoolFull(ILogger logger, int clicks, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis takes clicks again; {Count} spooled batches left to replay")]
    private static partial void LogRecovered(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Click pipeline stopped; {Spooled} batches are kept in the spool and applied at the next start")]
    private static partial void LogStopped(ILogger logger, int spooled);
}
