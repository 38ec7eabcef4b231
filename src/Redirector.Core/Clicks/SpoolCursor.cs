using System.Globalization;

namespace Redirector.Clicks;

/// <summary>
/// One consumer's position in the <see cref="ClickSpool"/>: it reads batches in the order they were appended,
/// <see cref="Peek"/> then <see cref="Acknowledge"/> once the batch is applied; the position is saved on every
/// acknowledgement, so a restarted consumer resumes where it was (or just before: it may see its last batch again).
/// One consumer uses a cursor, on one thread at a time; the spool's appends and other cursors may run meanwhile.
/// </summary>
public sealed class SpoolCursor
{
    private readonly ClickSpool _spool;
    // Length and number of the records Peek returned, so Acknowledge need not read them again.
    private long _peekedLength;
    private int _peekedBatches;
    private bool _saved;
    // Completed by the next append; replaced once used (see WaitAsync).
    private TaskCompletionSource _appended = NewSignal();
    private int _pendingBatches;
    private long _pendingBytes;
    private volatile bool _failing;

    internal SpoolCursor(ClickSpool spool, string consumer, long segment, long offset, bool saved)
    {
        _spool = spool;
        Consumer = consumer;
        Segment = segment;
        Offset = offset;
        _saved = saved;
    }

    public string Consumer { get; }

    public int PendingBatches => Volatile.Read(ref _pendingBatches);

    public long PendingBytes => Interlocked.Read(ref _pendingBytes);

    public bool HasPending => PendingBatches > 0;

    /// <summary>
    /// Set by the consumer while it cannot apply its oldest batch; the pipeline then fsyncs appends, since they may
    /// wait long for it (see docs/click-pipeline.md).
    /// </summary>
    public bool Failing
    {
        get => _failing;
        set => _failing = value;
    }

    internal long Segment { get; private set; }

    internal long Offset { get; private set; }

    /// <summary>The oldest batch this consumer has not acknowledged, or null.</summary>
    public ClickBatch? Peek() => Peek(0) is [var batch] ? batch : null;

    /// <summary>
    /// The oldest batches this consumer has not acknowledged, in order: the first one, then the ones after it in its
    /// segment while the events taken (<see cref="ClickBatch.Events"/>) stay below <paramref name="maxEvents"/> (so
    /// the last one taken may pass it). Empty when none is readable. <see cref="Acknowledge"/> passes them all.
    /// </summary>
    public IReadOnlyList<ClickBatch> Peek(int maxEvents)
    {
        lock (_spool.Gate)
        {
            _peekedLength = 0;
            _peekedBatches = 0;
            var batches = new List<ClickBatch>(1);
            while (HasPending)
            {
                if (_spool.Read(Segment, Offset, out var length) is { } first)
                {
                    batches.Add(first);
                    _peekedLength = length;
                    var events = first.Events;
                    while (events < maxEvents && batches.Count < _pendingBatches &&
                           _spool.Read(Segment, Offset + _peekedLength, out length) is { } next)
                    {
                        batches.Add(next);
                        _peekedLength += length;
                        events += next.Events;
                    }
                    _peekedBatches = batches.Count;
                    return batches;
                }
                if (Segment >= _spool.WriteSegment)
                    return batches;
                Segment++;
                Offset = 0;
                Save();
                _spool.RemovePassedSegments();
            }
            return batches;
        }
    }

    /// <summary>Marks the batches returned by <see cref="Peek(int)"/> as applied by this consumer.</summary>
    public void Acknowledge()
    {
        lock (_spool.Gate)
        {
            if (_peekedLength <= 0)
                throw new InvalidOperationException("Acknowledge without a batch from Peek");
            Offset += _peekedLength;
            _pendingBytes -= _peekedLength;
            _peekedLength = 0;
            _pendingBatches -= _peekedBatches;
            _peekedBatches = 0;
            if (_pendingBatches > 0)
                Save();
            else
                _spool.CaughtUp(this);
        }
    }

    /// <summary>
    /// Completes when this cursor has a batch to read (at once if it has one), so a consumer on its own thread
    /// sleeps between appends instead of polling.
    /// </summary>
    /// <exception cref="OperationCanceledException">When <paramref name="ct"/> is cancelled first.</exception>
    public Task WaitAsync(CancellationToken ct)
    {
        Task appended;
        lock (_spool.Gate)
        {
            if (HasPending)
                return Task.CompletedTask;
            if (_appended.Task.IsCompleted)
                _appended = NewSignal();
            appended = _appended.Task;
        }
        return appended.WaitAsync(ct);
    }

    internal void Signal() => _appended.TrySetResult();

    internal void Appended(long recordLength)
    {
        _pendingBatches++;
        _pendingBytes += recordLength;
    }

    /// <summary>Counts what is left to read from the saved position, at open.</summary>
    internal void Count(List<long> segments)
    {
        foreach (var segment in segments.Where(s => s >= Segment))
        {
            var from = segment == Segment ? Offset : 0;
            _pendingBatches += _spool.RecordsFrom(segment, from);
            _pendingBytes += Math.Max(0, _spool.LengthOf(segment) - from);
        }
    }

    internal void Save()
    {
        var path = _spool.CursorPath(Consumer);
        var temp = path + ".tmp";
        File.WriteAllText(temp, string.Create(CultureInfo.InvariantCulture, $"{Segment} {Offset}"));
        File.Move(temp, path, overwrite: true);
        _saved = true;
    }

    /// <summary>Deletes the saved position before the spool is emptied in place.</summary>
    internal void Forget()
    {
        if (!_saved)
            return;
        File.Delete(_spool.CursorPath(Consumer));
        _saved = false;
    }

    internal void Reset(long segment)
    {
        Segment = segment;
        Offset = 0;
        _pendingBatches = 0;
        _pendingBytes = 0;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
