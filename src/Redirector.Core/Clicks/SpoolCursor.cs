using System.Globalization;
using System.IO.Hashing;
using System.Text.Unicode;
using Microsoft.Win32.SafeHandles;

namespace Redirector.Clicks;

/// <summary>
/// One consumer's position in the <see cref="ClickSpool"/>: it reads batches in the order they were appended,
/// <see cref="Peek"/> then <see cref="Acknowledge"/> once the batch is applied; the position is saved on every
/// acknowledgement, so a restarted consumer resumes where it was (or just before: it may see its last batch again).
/// One consumer uses a cursor, on one thread at a time; the spool's appends and other cursors may run meanwhile.
/// </summary>
/// <remarks>
/// The position file ("cursor.&lt;consumer&gt;") is one line, "segment offset check" padded to
/// <see cref="PositionBytes"/>, rewritten in place through a handle kept open: a write of a few bytes at offset 0
/// instead of a file created and renamed over the old one on every acknowledgement (several a millisecond under
/// load). The check (XxHash3 of the two numbers) makes a line torn by a power cut unreadable rather than a wrong
/// position; an unreadable or missing line reads the whole spool again, which consumers skip as already applied.
/// </remarks>
public sealed class SpoolCursor : IDisposable
{
    /// <summary>Bytes of a saved position: three decimal numbers, spaces and a newline always fit.</summary>
    internal const int PositionBytes = 64;
    private readonly SafeFileHandle _file;
    private readonly ClickSpool _spool;
    // Length and number of the records Peek returned, so Acknowledge need not read them again.
    private long _peekedLength;
    private int _peekedBatches;
    // Completed by the next append; replaced once used (see WaitAsync).
    private TaskCompletionSource _appended = NewSignal();
    private int _pendingBatches;
    private long _pendingBytes;
    private volatile bool _failing;

    internal SpoolCursor(ClickSpool spool, string consumer, SafeFileHandle file, long segment, long offset)
    {
        _spool = spool;
        Consumer = consumer;
        _file = file;
        Segment = segment;
        Offset = offset;
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
        Span<byte> line = stackalloc byte[PositionBytes];
        line.Fill((byte)' ');
        line[^1] = (byte)'\n';
        Utf8.TryWrite(line, CultureInfo.InvariantCulture, $"{Segment} {Offset} {Check(Segment, Offset)}", out _);
        RandomAccess.Write(_file, line, 0);
    }

    /// <summary>The position saved in <paramref name="file"/>, or null when it holds none or a damaged one.</summary>
    internal static (long Segment, long Offset)? Load(SafeFileHandle file)
    {
        Span<byte> line = stackalloc byte[PositionBytes];
        var read = RandomAccess.Read(file, line, 0);
        Span<char> text = stackalloc char[PositionBytes];
        if (Utf8.ToUtf16(line[..read], text, out _, out var chars) != System.Buffers.OperationStatus.Done)
            return null;
        var parts = text[..chars].Trim();
        Span<Range> ranges = stackalloc Range[4];
        if (parts.Split(ranges, ' ', StringSplitOptions.RemoveEmptyEntries) != 3 ||
            !long.TryParse(parts[ranges[0]], NumberStyles.None, CultureInfo.InvariantCulture, out var segment) ||
            !long.TryParse(parts[ranges[1]], NumberStyles.None, CultureInfo.InvariantCulture, out var offset) ||
            !ulong.TryParse(parts[ranges[2]], NumberStyles.None, CultureInfo.InvariantCulture, out var check) ||
            check != Check(segment, offset))
            return null;
        return (segment, offset);
    }

    private static ulong Check(long segment, long offset)
    {
        Span<long> numbers = [segment, offset];
        return XxHash3.HashToUInt64(System.Runtime.InteropServices.MemoryMarshal.AsBytes(numbers));
    }

    internal void Reset(long segment)
    {
        Segment = segment;
        Offset = 0;
        _pendingBatches = 0;
        _pendingBytes = 0;
    }

    public void Dispose() => _file.Dispose();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
