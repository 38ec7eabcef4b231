using System.Globalization;
using System.Text;
using Redirector.Analytics;

namespace Redirector.Clicks;

/// <summary>
/// A durable first-in first-out log of batches under data/spool: every batch is written here before it is
/// applied to Redis, and stays until Redis has taken it. Records are length-prefixed and replayed in order.
/// An append reaches the operating system at once, so a crash of the process loses nothing written; it reaches
/// the disk (fsync) when <see cref="Sync"/> is called, which the pipeline does while batches wait for Redis.
/// Fsyncing batches that Redis takes a millisecond later bought nothing (Redis's own AOF loses its last second
/// to a power cut) and cost 4% of redirect throughput in journal commits. A crash in the middle of an append leaves an
/// incomplete last record, which is cut off at open. The read position is saved after every replayed
/// record; replaying a record twice is harmless because batches are idempotent.
/// Used by the single pipeline thread only.
/// </summary>
public sealed class ClickSpool : IDisposable
{
    private const byte EndMarker = 0xA5;
    private const long SegmentBytes = 16 << 20;

    private readonly string _directory;
    private readonly long _maxBytes;
    // Reused for every record: batches carry a raw-log payload of tens of KB, and a fresh buffer per batch
    // landed on the large object heap and drove gen-2 collections under load.
    private readonly MemoryStream _record = new();
    private FileStream? _writer;
    // The record appended last, kept in memory: under load the batch Peek returns is nearly always the one just
    // appended, and reading it back from the file cost a file open, a large buffer and a deserialisation.
    private (long Segment, long Offset, long Length, ClickBatch Batch)? _tail;
    // Length of the record Peek returned, so Acknowledge need not read it again.
    private long _peekedLength;
    private long _writeSegment;
    private long _readSegment;
    private long _readOffset;
    // Whether a cursor file or older segments may exist: under steady load neither does, and checking the disk
    // for them after every applied batch cost more than the append itself.
    private bool _cursorSaved;
    private bool _olderSegments;
    private bool _unsynced;

    public ClickSpool(string directory, long maxBytes)
    {
        _directory = directory;
        _maxBytes = maxBytes;
        Directory.CreateDirectory(directory);
        (_readSegment, _readOffset) = LoadCursor();
        _cursorSaved = File.Exists(CursorPath);
        var segments = Segments();
        _olderSegments = segments.Count > 1;
        _writeSegment = segments.Count > 0 ? Math.Max(segments[^1], _readSegment) : _readSegment;
        if (segments.Count > 0)
            TruncateIncompleteTail(segments[^1]);
        PendingBytes = segments.Sum(s => new FileInfo(PathOf(s)).Length) - (segments.Contains(_readSegment) ? _readOffset : 0);
        PendingBatches = CountPending();
    }

    public long PendingBytes { get; private set; }

    public int PendingBatches { get; private set; }

    public bool HasPending => PendingBatches > 0;

    /// <summary>False when the spool is full: the caller counts the batch as dropped.</summary>
    public bool TryAppend(ClickBatch batch)
    {
        var payload = Serialize(batch);
        var recordLength = payload.Length + 5;
        if (PendingBytes + recordLength > _maxBytes)
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
        _tail = (_writeSegment, offset, recordLength, batch);
        PendingBytes += recordLength;
        PendingBatches++;
        if (writer.Length >= SegmentBytes)
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
        if (!_unsynced || _writer is null)
            return;
        _writer.Flush(flushToDisk: true);
        _unsynced = false;
    }

    /// <summary>The oldest batch not yet replayed, or null.</summary>
    public ClickBatch? Peek()
    {
        while (HasPending)
        {
            if (_tail is { } tail && tail.Segment == _readSegment && tail.Offset == _readOffset)
            {
                _peekedLength = tail.Length;
                return tail.Batch;
            }
            var path = PathOf(_readSegment);
            if (File.Exists(path))
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                if (_readOffset < stream.Length)
                {
                    stream.Position = _readOffset;
                    var payload = ReadRecord(stream, out _peekedLength);
                    return payload is null ? null : Deserialize(payload);
                }
            }
            if (_readSegment >= _writeSegment)
                return null;
            MoveToNextSegment();
        }
        return null;
    }

    /// <summary>Marks the batch returned by <see cref="Peek"/> as applied.</summary>
    public void Acknowledge()
    {
        if (_peekedLength <= 0)
            throw new InvalidOperationException("Acknowledge without a batch from Peek");
        _readOffset += _peekedLength;
        PendingBytes -= _peekedLength;
        _peekedLength = 0;
        PendingBatches--;
        if (PendingBatches > 0)
        {
            SaveCursor();
            return;
        }
        // Everything is applied: empty the log in place. The cursor goes first, so a crash in between
        // replays already-applied batches (harmless) rather than skipping new ones.
        if (_cursorSaved)
        {
            File.Delete(CursorPath);
            _cursorSaved = false;
        }
        if (_olderSegments)
        {
            foreach (var segment in Segments().Where(s => s != _writeSegment))
                File.Delete(PathOf(segment));
            _olderSegments = false;
        }
        Writer().SetLength(0);
        _tail = null;
        _readSegment = _writeSegment;
        _readOffset = 0;
        PendingBytes = 0;
    }

    public void Dispose()
    {
        Sync();
        _writer?.Dispose();
        _record.Dispose();
    }

    private void MoveToNextSegment()
    {
        File.Delete(PathOf(_readSegment));
        _readSegment++;
        _readOffset = 0;
        SaveCursor();
    }

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

    private int CountPending()
    {
        var count = 0;
        foreach (var segment in Segments().Where(s => s >= _readSegment))
        {
            using var stream = new FileStream(PathOf(segment), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Position = segment == _readSegment ? Math.Min(_readOffset, stream.Length) : 0;
            while (ReadRecord(stream, out _) is not null)
                count++;
        }
        return count;
    }

    private List<long> Segments() =>
        Directory.EnumerateFiles(_directory, "*.spool")
            .Select(f => long.TryParse(Path.GetFileNameWithoutExtension(f), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
            .Where(n => n >= 0).Order().ToList();

    private string PathOf(long segment) => Path.Combine(_directory, segment.ToString("D10", CultureInfo.InvariantCulture) + ".spool");

    private string CursorPath => Path.Combine(_directory, "cursor");

    private (long Segment, long Offset) LoadCursor()
    {
        if (File.Exists(CursorPath) && File.ReadAllText(CursorPath).Split(' ') is [var s, var o] &&
            long.TryParse(s, CultureInfo.InvariantCulture, out var segment) && long.TryParse(o, CultureInfo.InvariantCulture, out var offset))
            return (segment, offset);
        var segments = Segments();
        return (segments.Count > 0 ? segments[0] : 0, 0);
    }

    private void SaveCursor()
    {
        var temp = CursorPath + ".tmp";
        File.WriteAllText(temp, string.Create(CultureInfo.InvariantCulture, $"{_readSegment} {_readOffset}"));
        File.Move(temp, CursorPath, overwrite: true);
        _cursorSaved = true;
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
