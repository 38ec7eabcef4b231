using System.Globalization;
using System.Text;

namespace Redirector.Clicks;

/// <summary>
/// A durable first-in first-out log of <see cref="ClickBatch"/>es under data/spool, read by one or more consumers
/// (the Redis counters today), each through its own <see cref="SpoolCursor"/> whose position is saved in the
/// directory ("cursor.&lt;consumer&gt;"). Every batch is written here before any consumer applies it, and stays
/// until every consumer has passed it: a segment file is removed once all cursors are beyond it, and when all
/// have caught up the log is emptied in place. Records are length-prefixed (<see cref="ClickBatchRecord"/>) and
/// read in order. An append reaches the operating system at once, so a crash of the process loses nothing
/// written; it reaches the disk (fsync) when <see cref="Sync"/> is called, which the pipeline does while batches
/// wait for a consumer (see docs/click-pipeline.md for why not on every append). A crash in the middle of an
/// append leaves an incomplete last record, which is cut off at open. A cursor is saved after every record it
/// passes; a consumer may see a record again after a crash, so consumers are idempotent per (node, sequence).
/// Thread-safe: the pipeline appends (and reads the "redis" cursor) on its thread while every other consumer reads
/// its cursor on its own (<see cref="SpoolConsumer"/>). One lock covers appends, reads, acknowledgements, segment
/// removal and the emptying in place, all of them short file operations; a cursor's position is saved under it
/// too, so that an emptying never races a save that would point into the emptied log.
/// </summary>
public sealed class ClickSpool : IDisposable
{
    public const long DefaultSegmentBytes = 16 << 20;

    /// <summary>
    /// The most bytes of records (as encoded in the file) whose batches are also held in memory for the cursors; the
    /// batches' objects take more (strings in UTF-16, object headers). A counting window of clicks from many
    /// countries at 100,000 a second is about 7 MiB of records (bench/README.md, "Session 16").
    /// </summary>
    public const long HeldRecordBytes = 16 << 20;
    private const byte EndMarker = 0xA5;

    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly long _segmentBytes;
    // Reused for every record, so that large batches do not each allocate a buffer on the large object heap.
    private readonly MemoryStream _record = new();
    private readonly Dictionary<string, SpoolCursor> _cursors = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private FileStream? _writer;
    // The records appended last, kept in memory up to _maxHeldBytes of their encoding: under load a cursor reads
    // batches within a counting window of their append, and reading each back from the file would cost a file
    // open, a buffer and a decoding that allocates every value again. Oldest first; dropped once every cursor has
    // passed them or when over the cap (a cursor that far behind reads the file).
    private readonly Queue<(long Segment, long Offset)> _heldOrder = new();
    private readonly Dictionary<(long Segment, long Offset), (long Length, ClickBatch Batch)> _held = [];
    private long _heldBytes;
    private readonly long _maxHeldBytes;
    private long _writeSegment;
    // Whether older segments may exist: under steady load none do, and listing the directory after every
    // applied batch would cost more than the append itself.
    private bool _olderSegments;
    private bool _unsynced;

    /// <param name="consumers">Every consumer that reads the spool; a batch stays until each has passed it.</param>
    /// <param name="heldBytes">The most bytes of records whose batches are also held in memory (<see cref="HeldRecordBytes"/>).</param>
    public ClickSpool(string directory, long maxBytes, IReadOnlyCollection<string> consumers, long segmentBytes = DefaultSegmentBytes,
        long heldBytes = HeldRecordBytes)
    {
        if (consumers.Count == 0)
            throw new ArgumentException("A spool needs at least one consumer", nameof(consumers));
        _directory = directory;
        _maxBytes = maxBytes;
        _segmentBytes = segmentBytes;
        _maxHeldBytes = heldBytes;
        Directory.CreateDirectory(directory);
        var segments = Segments();
        if (segments.Count > 0)
            TruncateIncompleteTail(segments[^1]);
        _writeSegment = segments.Count > 0 ? segments[^1] : 0;
        foreach (var consumer in consumers)
        {
            if (consumer.Length == 0 || !consumer.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
                throw new ArgumentException($"Consumer name \"{consumer}\" is not lowercase letters, digits and dashes", nameof(consumers));
            var cursor = OpenCursor(consumer, segments);
            _cursors[consumer] = cursor;
            _writeSegment = Math.Max(_writeSegment, cursor.Segment);
        }
        _olderSegments = segments.Count > 1;
        foreach (var cursor in _cursors.Values)
            cursor.Count(segments);
        RemovePassedSegments();
    }

    /// <summary>The cursor of a consumer named when the spool was opened.</summary>
    /// <exception cref="InvalidOperationException">No consumer of that name was registered (see ClickServices.AddSpoolConsumer).</exception>
    public SpoolCursor Cursor(string consumer) =>
        _cursors.TryGetValue(consumer, out var cursor)
            ? cursor
            : throw new InvalidOperationException($"The spool was opened without a consumer named \"{consumer}\"; register it with AddSpoolConsumer");

    /// <summary>The names of the consumers the spool was opened with.</summary>
    public IReadOnlyCollection<string> Consumers => _cursors.Keys;

    /// <summary>Bytes the slowest consumer has yet to read: what counts against the spool's cap.</summary>
    public long PendingBytes
    {
        get
        {
            lock (_gate)
                return _cursors.Values.Max(c => c.PendingBytes);
        }
    }

    /// <summary>Batches the slowest consumer has yet to read.</summary>
    public int PendingBatches
    {
        get
        {
            lock (_gate)
                return _cursors.Values.Max(c => c.PendingBatches);
        }
    }

    /// <summary>Whether a consumer is failing to apply a batch: appends are then fsync'd, as they wait for it.</summary>
    public bool ConsumerFailing => _cursors.Values.Any(c => c.Failing);

    internal Lock Gate => _gate;

    /// <summary>False when the spool is full: the caller counts the batch as dropped.</summary>
    public bool TryAppend(ClickBatch batch)
    {
        lock (_gate)
        {
            if (!Append(batch))
                return false;
        }
        // Outside the lock: a woken consumer's first step is to take it.
        foreach (var cursor in _cursors.Values)
            cursor.Signal();
        return true;
    }

    private bool Append(ClickBatch batch)
    {
        var payload = Serialize(batch);
        var recordLength = payload.Length + 5;
        if (_cursors.Values.Max(c => c.PendingBytes) + recordLength > _maxBytes)
            return false;
        var writer = Writer();
        var offset = writer.Position;
        Span<byte> header = stackalloc byte[4];
        BitConverter.TryWriteBytes(header, payload.Length);
        writer.Write(header);
        writer.Write(payload);
        writer.WriteByte(EndMarker);
        writer.Flush();
        _unsynced = true;
        Hold(_writeSegment, offset, recordLength, batch);
        foreach (var cursor in _cursors.Values)
            cursor.Appended(recordLength);
        if (writer.Length >= _segmentBytes)
        {
            Sync();
            writer.Dispose();
            _writer = null;
            _writeSegment++;
            _olderSegments = true;
        }
        return true;
    }

    /// <summary>Makes everything appended so far survive a power cut.</summary>
    public void Sync()
    {
        lock (_gate)
        {
            if (!_unsynced || _writer is null)
                return;
            _writer.Flush(flushToDisk: true);
            _unsynced = false;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            Sync();
            _writer?.Dispose();
            _writer = null;
            _record.Dispose();
            foreach (var cursor in _cursors.Values)
                cursor.Dispose();
        }
    }

    // The members below are called by SpoolCursor while it holds Gate.

    internal long WriteSegment => _writeSegment;

    private void Hold(long segment, long offset, long recordLength, ClickBatch batch)
    {
        _held[(segment, offset)] = (recordLength, batch);
        _heldOrder.Enqueue((segment, offset));
        _heldBytes += recordLength;
        while (_heldOrder.TryPeek(out var oldest) && (_heldBytes > _maxHeldBytes || PassedByAll(oldest)))
        {
            _heldOrder.Dequeue();
            if (_held.Remove(oldest, out var dropped))
                _heldBytes -= dropped.Length;
        }
    }

    private bool PassedByAll((long Segment, long Offset) position)
    {
        foreach (var cursor in _cursors.Values)
        {
            if (cursor.Segment < position.Segment || (cursor.Segment == position.Segment && cursor.Offset <= position.Offset))
                return false;
        }
        return true;
    }

    /// <summary>The batch at a position, from memory when it was appended recently; null when none is complete there.</summary>
    internal ClickBatch? Read(long segment, long offset, out long recordLength)
    {
        if (_held.TryGetValue((segment, offset), out var held))
        {
            recordLength = held.Length;
            return held.Batch;
        }
        recordLength = 0;
        var path = PathOf(segment);
        if (!File.Exists(path))
            return null;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (offset >= stream.Length)
            return null;
        stream.Position = offset;
        var payload = ReadRecord(stream, out recordLength);
        return payload is null ? null : Deserialize(payload);
    }

    /// <summary>
    /// A cursor has read everything. Once all have, the log is emptied in place; the cursors are saved at its start
    /// first, so a crash in between makes consumers see applied batches again (which they skip) rather than skip new
    /// ones.
    /// </summary>
    internal void CaughtUp(SpoolCursor cursor)
    {
        if (_cursors.Values.Any(c => c.PendingBatches > 0))
        {
            cursor.Save();
            return;
        }
        foreach (var each in _cursors.Values)
        {
            each.Reset(_writeSegment);
            each.Save();
        }
        if (_olderSegments)
        {
            foreach (var segment in Segments().Where(s => s != _writeSegment))
                File.Delete(PathOf(segment));
            _olderSegments = false;
        }
        Writer().SetLength(0);
        _held.Clear();
        _heldOrder.Clear();
        _heldBytes = 0;
    }

    /// <summary>Removes the segments every cursor is beyond.</summary>
    internal void RemovePassedSegments()
    {
        if (!_olderSegments)
            return;
        var oldestRead = _cursors.Values.Min(c => c.Segment);
        foreach (var segment in Segments().Where(s => s < oldestRead))
            File.Delete(PathOf(segment));
        _olderSegments = oldestRead < _writeSegment;
    }

    internal long LengthOf(long segment) => File.Exists(PathOf(segment)) ? new FileInfo(PathOf(segment)).Length : 0;

    /// <summary>Complete records in a segment from an offset.</summary>
    internal int RecordsFrom(long segment, long offset)
    {
        var count = 0;
        using var stream = new FileStream(PathOf(segment), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Position = Math.Min(offset, stream.Length);
        while (ReadRecord(stream, out _) is not null)
            count++;
        return count;
    }

    internal string CursorPath(string consumer) => Path.Combine(_directory, "cursor." + consumer);

    private FileStream Writer()
    {
        if (_writer is null)
        {
            _writer = new FileStream(PathOf(_writeSegment), FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite);
            _writer.Seek(0, SeekOrigin.End);
        }
        return _writer;
    }

    private static byte[]? ReadRecord(Stream stream, out long recordLength)
    {
        recordLength = 0;
        Span<byte> header = stackalloc byte[4];
        if (stream.ReadAtLeast(header, 4, throwOnEndOfStream: false) < 4)
            return null;
        var length = BitConverter.ToInt32(header);
        if (length <= 0 || stream.Position + length + 1 > stream.Length)
            return null;
        var payload = new byte[length];
        stream.ReadExactly(payload);
        if (stream.ReadByte() != EndMarker)
            return null;
        recordLength = length + 5;
        return payload;
    }

    private void TruncateIncompleteTail(long segment)
    {
        var path = PathOf(segment);
        long valid = 0;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            while (ReadRecord(stream, out var length) is not null)
                valid += length;
        }
        if (new FileInfo(path).Length != valid)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
            stream.SetLength(valid);
        }
    }

    internal List<long> Segments() =>
        Directory.EnumerateFiles(_directory, "*.spool")
            .Select(f => long.TryParse(Path.GetFileNameWithoutExtension(f), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
            .Where(n => n >= 0).Order().ToList();

    private string PathOf(long segment) => Path.Combine(_directory, segment.ToString("D10", CultureInfo.InvariantCulture) + ".spool");

    private SpoolCursor OpenCursor(string consumer, List<long> segments)
    {
        var file = File.OpenHandle(CursorPath(consumer), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        // A consumer without a saved position reads everything still in the spool.
        var (segment, offset) = SpoolCursor.Load(file) ?? (segments.Count > 0 ? segments[0] : 0, 0);
        return new SpoolCursor(this, consumer, file, segment, offset);
    }

    private ReadOnlySpan<byte> Serialize(ClickBatch batch)
    {
        var buffer = _record;
        buffer.SetLength(0);
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
            ClickBatchRecord.Write(writer, batch);
        return buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
    }

    private static ClickBatch Deserialize(byte[] payload)
    {
        using var reader = new BinaryReader(new MemoryStream(payload), Encoding.UTF8);
        return ClickBatchRecord.Read(reader);
    }
}
