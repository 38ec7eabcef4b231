using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Redirector.Analytics;

namespace Redirector.Clicks;

/// <summary>
/// The one consumer of the <see cref="ClickQueue"/>: collects clicks into batches (a few ms or a few hundred
/// clicks), enriches and pre-aggregates them and applies each batch to Redis in one round trip. Batches that
/// cannot be applied in time go to the <see cref="ClickSpool"/>; while it holds anything, new batches queue
/// behind it so that every node's batches reach Redis in order, which is what makes them idempotent.
/// </summary>
public sealed partial class ClickPipeline(
    ClickQueue queue,
    ClickEnricher enricher,
    VisitorHasher visitors,
    StatsKeys keys,
    RedisClickWriter writer,
    ClickSpool spool,
    NodeIdentity node,
    IOptions<AnalyticsOptions> options,
    TimeProvider time,
    ILogger<ClickPipeline> logger) : BackgroundService
{
    private readonly AnalyticsOptions _options = options.Value;
    private long _lastSequence;
    private long _lastReplayAttempt;
    private long _droppedBySpool;
    private long _applied;

    /// <summary>Clicks lost because the queue or the spool was full.</summary>
    public long DroppedClicks => queue.Dropped + Interlocked.Read(ref _droppedBySpool);

    /// <summary>Clicks written to Redis (live or replayed) since start.</summary>
    public long AppliedClicks => Interlocked.Read(ref _applied);

    public long SpooledBytes => spool.PendingBytes;

    public int SpooledBatches => spool.PendingBatches;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = queue.Reader;
        var flushes = new List<TaskCompletionSource>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var waitFor = spool.HasPending ? _options.ReplayInterval : Timeout.InfiniteTimeSpan;
                if (await WaitForClickAsync(reader, waitFor, stoppingToken))
                    await CollectAndWriteAsync(flushes, stoppingToken);
                await ReplaySpoolAsync(force: flushes.Count > 0);
                CompleteFlushes(flushes);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await DrainAsync(flushes);
    }

    /// <summary>At shutdown the server has stopped taking requests: write out whatever is left.</summary>
    private async Task DrainAsync(List<TaskCompletionSource> flushes)
    {
        while (queue.Count > 0)
            await CollectAndWriteAsync(flushes, CancellationToken.None);
        await ReplaySpoolAsync(force: true);
        CompleteFlushes(flushes);
        LogStopped(logger, spool.PendingBatches);
    }

    private static async Task<bool> WaitForClickAsync(System.Threading.Channels.ChannelReader<RawClick> reader, TimeSpan timeout, CancellationToken ct)
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

    private async Task CollectAndWriteAsync(List<TaskCompletionSource> flushes, CancellationToken ct)
    {
        var builder = new ClickBatchBuilder(keys, _options);
        var deadline = Stopwatch.GetTimestamp() + (long)(_options.BatchWindow.TotalSeconds * Stopwatch.Frequency);
        var reader = queue.Reader;
        while (builder.Count < _options.BatchSize)
        {
            if (reader.TryRead(out var raw))
            {
                if (raw.FlushSignal is { } signal)
                {
                    flushes.Add(signal);
                    break;
                }
                await visitors.PrepareAsync(StatsKeys.DayOf(raw.Time), ct);
                builder.Add(enricher.Enrich(raw));
                continue;
            }
            var remaining = deadline - Stopwatch.GetTimestamp();
            if (remaining <= 0 || ct.IsCancellationRequested)
                break;
            await WaitForClickAsync(reader, TimeSpan.FromSeconds((double)remaining / Stopwatch.Frequency), ct);
        }
        if (builder.Count > 0)
            await WriteAsync(builder.Build(node.Id, NextSequence()));
    }

    private async Task WriteAsync(ClickBatch batch)
    {
        if (!spool.HasPending && await TryApplyAsync(batch))
        {
            Interlocked.Add(ref _applied, batch.Clicks);
            return;
        }
        if (!spool.TryAppend(batch))
        {
            Interlocked.Add(ref _droppedBySpool, batch.Clicks);
            LogSpoolFull(logger, batch.Clicks, spool.PendingBytes);
        }
    }

    private async Task ReplaySpoolAsync(bool force)
    {
        if (!spool.HasPending)
            return;
        var now = Stopwatch.GetTimestamp();
        if (!force && Stopwatch.GetElapsedTime(_lastReplayAttempt, now) < _options.ReplayInterval)
            return;
        _lastReplayAttempt = now;
        var replayed = 0;
        while (spool.Peek() is { } batch)
        {
            if (!await TryApplyAsync(batch))
                break;
            spool.Acknowledge();
            Interlocked.Add(ref _applied, batch.Clicks);
            replayed++;
        }
        if (replayed > 0)
            LogReplayed(logger, replayed, spool.PendingBatches);
    }

    private async Task<bool> TryApplyAsync(ClickBatch batch)
    {
        try
        {
            // A paused or slow server would hold the call up to the client's timeout; ours is shorter. If the
            // call completes later anyway, the spooled copy is skipped by its sequence number.
            var apply = writer.ApplyAsync(batch);
            var finished = await Task.WhenAny(apply, Task.Delay(_options.ApplyTimeout, time));
            if (finished != apply)
            {
                _ = apply.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis did not take a batch ({Error}: {Message}); spooling")]
    private static partial void LogApplyFailed(ILogger logger, string error, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool is full ({Bytes} bytes): dropped a batch of {Clicks} clicks")]
    private static partial void LogSpoolFull(ILogger logger, int clicks, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replayed {Count} spooled batches; {Left} left")]
    private static partial void LogReplayed(ILogger logger, int count, int left);

    [LoggerMessage(Level = LogLevel.Information, Message = "Click pipeline stopped; {Spooled} batches wait in the spool")]
    private static partial void LogStopped(ILogger logger, int spooled);
}
