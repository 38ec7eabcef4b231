using System.Globalization;

namespace Redirector.Clicks;

/// <summary>
/// One consumer's position in the <see cref="ClickSpool"/>: it reads batches in the order they were appended,
/// <see cref="Peek"/> then <see cref="Acknowledge"/> once the batch is applied; the position is saved on every
/// acknowledgement, so a restarted consumer resumes where it was (or just before: it may see its last batch again).
/// </summary>
public sealed class SpoolCursor
{
    private readonly ClickSpool _spool;
    // Length of the record Peek returned, so Acknowledge need not read it again.
    private long _peekedLength;
    private bool _saved;

    internal SpoolCursor(ClickSpool spool, string consumer, long segment, long offset, bool saved)
    {
        _spool = spool;
        Consumer = consumer;
        Segment = segment;
        Offset = offset;
        _saved = saved;
    }

    public string Consumer { get; }

    public int PendingBatches { get; private set; }

    public long PendingBytes { get; private set; }

    public bool HasPending => PendingBatches > 0;

    internal long Segment { get; private set; }

    internal long Offset { get; private set; }

    /// <summary>The oldest batch this consumer has not acknowledged, or null.</summary>
    public ClickBatch? Peek()
    {
        while (HasPending)
        {
            if (_spool.Read(Segment, Offset, out _peekedLength) is { } batch)
                return batch;
            if (Segment >= _spool.WriteSegment)
                return null;
            Segment++;
            Offset = 0;
            Save();
            _spool.RemovePassedSegments();
        }
        return null;
    }

    /// <summary>Marks the batch returned by <see cref="Peek"/> as applied by this consumer.</summary>
    public void Acknowledge()
    {
        if (_peekedLength <= 0)
            throw new InvalidOperationException("Acknowledge without a batch from Peek");
        Offset += _peekedLength;
        PendingBytes -= _peekedLength;
        _peekedLength = 0;
        PendingBatches--;
        if (PendingBatches > 0)
            Save();
        else
            _spool.CaughtUp(this);
    }

    internal void Appended(long recordLength)
    {
        PendingBatches++;
        PendingBytes += recordLength;
    }

    /// <summary>Counts what is left to read from the saved position, at open.</summary>
    internal void Count(List<long> segments)
    {
        foreach (var segment in segments.Where(s => s >= Segment))
        {
            var from = segment == Segment ? Offset : 0;
            PendingBatches += _spool.RecordsFrom(segment, from);
            PendingBytes += Math.Max(0, _spool.LengthOf(segment) - from);
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
        PendingBatches = 0;
        PendingBytes = 0;
    }
}
