using System.Data.Common;
using System.Runtime.CompilerServices;
using DuckDB.NET.Data;
using DuckDB.NET.Native;
using Redirector.Clicks;

namespace Redirector.Events;

/// <summary>
/// The embedded event store: one DuckDB file (data/events.duckdb by default) opened by this process. Appends come
/// from one thread (the "events" spool consumer) through DuckDB's appender, whose flush of a batch's rows (fewer than
/// its automatic flush size) is one transaction of its own: a batch is stored whole or not at all. Each event carries
/// its batch's (node, sequence), and a node's batches come in sequence order (the spool is a first-in first-out log),
/// so a batch whose sequence is not above the highest stored for its node is skipped: a batch applied twice is
/// stored once. The highest sequence per node is read from the events at open and then kept in memory (this
/// process is the file's only writer), so an append runs no SQL statement: parsing, planning and committing
/// statements (a lookup, a mark, BEGIN and COMMIT) had cost more CPU than the rows themselves.
/// <para>
/// Every text of an event (node, event kind, each dimension) is stored as an INTEGER code, and each code's text once
/// in <c>event_values(code, value)</c>: DuckDB's appender spends several times more CPU on a VARCHAR value than on an
/// integer, and most values repeat from click to click. One code space serves every column, rather than a table per
/// dimension: a text met in several columns (a domain as destination and as referrer domain) is stored and held in
/// memory once, a dimension added later needs no table of its own, and reading a code back is the same lookup
/// whatever its column. The codes of new values are appended (their own transaction) before the events that use
/// them, so a crash in between leaves values no event uses yet, never an event whose code has no value.
/// </para>
/// <para>
/// Values are unbounded where they are URLs or free text, so neither the writer nor the queries hold every code: each
/// holds at most <c>Events:CachedValueCodes</c> recently used pairs (<see cref="ValueCodes"/>) and asks
/// <c>event_values</c> (indexed by value and by code) for the rest, one statement for all of an append's (or a
/// query's result's, or an export page's) missing ones. A new code is the highest in the file plus one, so codes stay
/// unique across restarts. A filter's values become codes (a value never stored matches nothing) and groupings group
/// codes, decoded in .NET.
/// </para>
/// <para>
/// A click's kind and dimension codes (its shape) are stored once per distinct shape, in <c>event_shapes(shape,
/// event, is_bot, one column per dimension)</c>, and each event is a narrow row of <c>event_rows(time, node,
/// sequence, idx, visitor, shape)</c>; the view <c>events</c> joins them back into one row per event with every
/// column, which is what the queries and anyone reading the file see. DuckDB's appender spends its CPU per value
/// (column statistics, validity masks, the WAL), so a click whose shape is already stored costs six values instead of
/// some thirty (bench/README.md, "Session 15": "Event shapes (DuckDB)"). A shape is the group of a spooled batch, so clicks of
/// one link from one kind of browser share it. The writer holds at most <see cref="MaxHeldShapes"/> shapes and their
/// numbers; a shape it no longer holds is stored again under a new number, which the join makes harmless (queries
/// select by the shape's columns, never by its number), so no lookup in the file is needed. Shapes are appended
/// (their own transaction) before the events that use them, as values are.
/// </para>
/// Reads run on their own connections (DuckDB.NET shares one database instance among the
/// connections to a file in a process), so a stats query never waits for an append, nor an append for a query.
/// </summary>
/// <param name="connectionString">DuckDB's, e.g. "Data Source=data/events.duckdb".</param>
/// <param name="cachedValueCodes">Most value codes held in memory by the writer, and again by the queries (<see cref="EventsOptions.CachedValueCodes"/>).</param>
public sealed class DuckDbEventStore(string connectionString, int cachedValueCodes = EventsOptions.DefaultCachedValueCodes) : EventStore
{
    // Up to this many values (or codes) are looked up as a list of constants, which DuckDB answers from the index on
    // the column (about 40 us of CPU a value); more are joined with the table in one scan (about 70-90 ms of CPU at
    // a million values, whatever their number): bench/README.md, "Bounded value codes, session 10".
    private const int IndexLookupsUpTo = 256;

    // A (per, value) grouping key is per's code times this plus the value's: codes are below 2^31.
    private const long PairShift = 1L << 32;

    /// <summary>Most shapes the writer holds with their numbers: at this many they are dropped, and stored again when met. Settable for tests.</summary>
    internal int MaxHeldShapes { get; set; } = 100_000;

    // The event_rows table, which the store makes and never alters: its columns and the types they are written as.
    private static readonly string[] RowColumns = ["time", "node", "sequence", "idx", "visitor", "shape"];
    private static readonly DuckDBType[] RowTypes =
        [DuckDBType.Timestamp, DuckDBType.Integer, DuckDBType.BigInt, DuckDBType.Integer, DuckDBType.UnsignedBigInt, DuckDBType.Integer];
    // The event_shapes table's fixed columns, then one per dimension.
    private static readonly string[] ShapeColumns = ["shape", "event", "is_bot"];

    private DuckDBConnection? _writer;
    // Each event_shapes column's place among ShapeColumns and then EventColumns.Dimensions (-1: a dimension removed
    // since, left null): an older table has columns added since at its end.
    private int[] _shapeOrder = [];
    private DuckDBType[] _shapeTypes = [];
    private readonly Dictionary<ShapeKey, int> _shapes = new(ShapeKey.Comparer);
    // Shapes of the append under way that were not held: stored before its events.
    private readonly List<(int Shape, ShapeKey Key)> _newShapes = [];
    // The number the next new shape gets: one above the highest in event_shapes.
    private int _nextShape = 1;
    // A failed insert of shapes may or may not have committed: the next append reads the highest number again first.
    private bool _shapesStale;
    // Per node, the highest batch sequence stored.
    private readonly Dictionary<string, long> _applied = new(StringComparer.Ordinal);
    // The writer's recently used values and their codes.
    private readonly ValueCodes _codes = new(cachedValueCodes, decodes: false);
    // The queries' recently used values and codes, both ways; shared by every query under its own lock.
    private readonly ValueCodes _decoded = new(cachedValueCodes, decodes: true);
    // Values of the append under way that the writer's map did not hold, in the order met: the event rows hold
    // -(place + 1) for them until their codes are known.
    private readonly Dictionary<string, int> _missing = new(StringComparer.Ordinal);
    // The code the next new value gets: one above the highest in event_values.
    private int _next = 1;
    // A failed insert of values may or may not have committed: the next append reads the highest code again first.
    private bool _codesStale;
    // Inserts of new values so far (they may have committed even when they failed), read by queries without a lock.
    private int _valueInserts;
    // Values queries named that event_values did not hold (an event kind not stored yet, a filter's typo), with
    // _valueInserts then: still absent while it is unchanged. Under _decoded's lock; cleared when it reaches the bound.
    private readonly Dictionary<string, int> _absent = new(StringComparer.Ordinal);
    private const int AbsentValuesHeld = 1024;

    /// <summary>Value codes held in memory by the writer and by the queries: for tests, each at most the capacity.</summary>
    internal (int Writer, int Queries) CodesInMemory
    {
        get
        {
            lock (_decoded)
                return (_codes.Count, _decoded.Count);
        }
    }

    public override async Task InitializeAsync(CancellationToken ct)
    {
        var writer = new DuckDBConnection(connectionString);
        await writer.OpenAsync(ct);
        _writer = writer;
        await using (var layout = writer.CreateCommand())
        {
            layout.CommandText = "SELECT table_type FROM information_schema.tables WHERE table_name = 'events'";
            if (await layout.ExecuteScalarAsync(ct) is "BASE TABLE")
                throw new InvalidOperationException(
                    $"The event store file ({connectionString}) holds events in one wide table, as builds before event shapes wrote them; " +
                    "this build does not read that layout. Move the file away (or set ConnectionStrings:Events " +
                    "to a new file) and restart: a new file is made.");
        }
        var columns = string.Join(", ", EventColumns.Dimensions.Select(c => $"{c.Column} INTEGER"));
        await ExecuteAsync($"""
            CREATE TABLE IF NOT EXISTS event_values (code INTEGER PRIMARY KEY, value VARCHAR NOT NULL);
            CREATE INDEX IF NOT EXISTS event_values_value ON event_values (value);
            CREATE TABLE IF NOT EXISTS event_shapes (shape INTEGER NOT NULL, event INTEGER NOT NULL, is_bot BOOLEAN NOT NULL, {columns});
            CREATE TABLE IF NOT EXISTS event_rows (time TIMESTAMP NOT NULL, node INTEGER NOT NULL, sequence BIGINT NOT NULL,
                idx INTEGER NOT NULL, visitor UBIGINT, shape INTEGER NOT NULL);
            """, ct);
        await ReadNextCodeAsync(ct);
        await ReadNextShapeAsync(ct);
        await using (var marks = writer.CreateCommand())
        {
            marks.CommandText = """
                SELECT v.value, m.sequence FROM (SELECT node, max(sequence) AS sequence FROM event_rows GROUP BY node) m
                JOIN event_values v ON v.code = m.node
                """;
            await using var reader = await marks.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                _applied[reader.GetString(0)] = reader.GetInt64(1);
        }
        var existing = await TableColumnsAsync("event_shapes", ct);
        foreach (var (_, column) in EventColumns.Dimensions.Where(c => !existing.Contains(c.Column)))
            await ExecuteAsync($"ALTER TABLE event_shapes ADD COLUMN {column} INTEGER", ct);
        var order = await TableColumnsAsync("event_shapes", ct);
        var all = ShapeColumns.Concat(EventColumns.Dimensions.Select(c => c.Column)).ToList();
        // A column of a dimension removed since stays in the table (-1 here) and is appended as null.
        _shapeOrder = [.. order.Select(c => all.IndexOf(c))];
        _shapeTypes = [.. _shapeOrder.Select(c => c == 2 ? DuckDBType.Boolean : DuckDBType.Integer)];
        var rowColumns = await TableColumnsAsync("event_rows", ct);
        if (!rowColumns.SequenceEqual(RowColumns))
            throw new InvalidOperationException($"The event store's event_rows table has the columns ({string.Join(", ", rowColumns)}) where the store writes ({string.Join(", ", RowColumns)})");
        var dimensions = string.Join(", ", EventColumns.Dimensions.Select(c => "s." + c.Column));
        await ExecuteAsync($"""
            CREATE OR REPLACE VIEW events AS
                SELECT r.time, r.node, r.sequence, r.idx, s.event, s.is_bot, r.visitor, {dimensions}
                FROM event_rows r JOIN event_shapes s ON s.shape = r.shape
            """, ct);
    }

    /// <summary>Reads the highest shape number in the file: new shapes are numbered above it.</summary>
    private async Task ReadNextShapeAsync(CancellationToken ct)
    {
        await using var command = _writer!.CreateCommand();
        command.CommandText = "SELECT coalesce(max(shape), 0) + 1 FROM event_shapes";
        _nextShape = Convert.ToInt32(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        _shapesStale = false;
    }

    /// <summary>Reads the highest code in the file: new values are coded above it.</summary>
    private async Task ReadNextCodeAsync(CancellationToken ct)
    {
        await using var command = _writer!.CreateCommand();
        command.CommandText = "SELECT coalesce(max(code), 0) + 1 FROM event_values";
        _next = Convert.ToInt32(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        _codesStale = false;
    }

    public override async Task AppendAsync(IReadOnlyList<ClickBatch> batches, CancellationToken ct)
    {
        var writer = _writer ?? throw new InvalidOperationException("The event store is not open");
        ct.ThrowIfCancellationRequested();
        // Batches of a node come in sequence order, so the ones not above its highest stored one are replays.
        var fresh = new List<ClickBatch>(batches.Count);
        var highest = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var batch in batches)
        {
            var last = highest.TryGetValue(batch.Node, out var seen) ? seen : _applied.GetValueOrDefault(batch.Node, long.MinValue);
            if (batch.Sequence <= last)
                continue;
            fresh.Add(batch);
            highest[batch.Node] = batch.Sequence;
        }
        if (fresh.Count == 0)
            return;
        if (_codesStale)
            await ReadNextCodeAsync(ct);
        _missing.Clear();
        var count = Encode(fresh, out var used);
        if (_missing.Count > 0)
            ResolveMissing(await CodeMissingAsync(writer, ct), count, used);
        if (_shapesStale)
            await ReadNextShapeAsync(ct);
        AssignShapes(count);
        if (_newShapes.Count > 0)
            WriteShapes(writer);
        WriteEvents(writer, count);
        foreach (var (node, sequence) in highest)
            _applied[node] = sequence;
    }

    /// <summary>
    /// An event as its columns hold it: time in microseconds since 1970 (UTC), the codes of its node and kind, where
    /// its dimensions' codes start in <see cref="_valueCodes"/>, and the number of its shape (0 until
    /// <see cref="AssignShapes"/>). No references, so the garbage collector has nothing to trace in an append's rows.
    /// </summary>
    private record struct CodedRow(long Micros, long Sequence, int Index, int Node, int Event, bool IsBot, bool HasVisitor, ulong Visitor, int Values)
    {
        public int Shape { get; set; }
    }

    // The append under way, kept between appends so that an append allocates nothing per event: its events, and the
    // codes of their dimension values (0: none), one run of EventColumns.Dimensions.Count per click group.
    private CodedRow[] _rows = new CodedRow[1024];
    private int[] _valueCodes = new int[4096];

    /// <summary>
    /// Codes the events of the batches into <see cref="_rows"/>: values the writer's map does not hold go to
    /// <see cref="_missing"/> and stand as -(place + 1) until <see cref="ResolveMissing"/>. Returns the events' count
    /// and the codes used in <see cref="_valueCodes"/>.
    /// </summary>
    private int Encode(List<ClickBatch> batches, out int used)
    {
        var count = 0;
        used = 0;
        var width = EventColumns.Dimensions.Count;
        foreach (var batch in batches)
        {
            var node = Code(batch.Node);
            var index = 0;
            // The events of a run (a click group) share their values: coded once.
            foreach (var run in EventRun.Of(batch))
            {
                if (used + width > _valueCodes.Length)
                    Array.Resize(ref _valueCodes, Math.Max(_valueCodes.Length * 2, used + width));
                for (var c = 0; c < width; c++)
                    _valueCodes[used + c] = run.Value(c) is { } value ? Code(value) : 0;
                var kind = Code(run.Event);
                if (count + run.Count > _rows.Length)
                    Array.Resize(ref _rows, Math.Max(_rows.Length * 2, count + run.Count));
                for (var i = 0; i < run.Count; i++)
                {
                    var visitor = run.VisitorOf(i);
                    _rows[count++] = new CodedRow((run.TimeOf(i).Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond,
                        batch.Sequence, index++, node, kind, run.IsBot, visitor.HasValue, visitor.GetValueOrDefault(), used);
                }
                used += width;
            }
        }
        return count;
    }

    private int Code(string value)
    {
        if (_codes.TryGetCode(value, out var code))
            return code;
        if (!_missing.TryGetValue(value, out var place))
            _missing.Add(value, place = _missing.Count);
        return -(place + 1);
    }

    /// <summary>
    /// The codes of <see cref="_missing"/> in its order: those <c>event_values</c> holds, found by one statement, and
    /// new ones for the rest, whose rows are appended in one transaction before any event uses them. The writer's map
    /// takes a pair only once its row is known to be in the file.
    /// </summary>
    private async Task<int[]> CodeMissingAsync(DuckDBConnection writer, CancellationToken ct)
    {
        var codes = new int[_missing.Count];
        await using (var command = writer.CreateCommand())
        {
            command.CommandText = $"SELECT value, code FROM event_values WHERE value IN ({InList(command, [.. _missing.Keys])})";
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                codes[_missing[reader.GetString(0)]] = reader.GetInt32(1);
        }
        var added = new List<(string Value, int Code)>();
        foreach (var (value, place) in _missing)
        {
            if (codes[place] == 0)
                added.Add((value, codes[place] = _next++));
        }
        if (added.Count > 0)
        {
            try
            {
                using var values = writer.CreateAppender("event_values");
                foreach (var (value, code) in added)
                    values.CreateRow().AppendValue(code).AppendValue(value).EndRow();
            }
            catch
            {
                _codesStale = true;
                throw;
            }
            finally
            {
                Interlocked.Increment(ref _valueInserts);
            }
        }
        foreach (var (value, place) in _missing)
            _codes.Add(value, codes[place]);
        return codes;
    }

    /// <summary>Puts the codes of the values that stood as -(place + 1) into the append's rows.</summary>
    private void ResolveMissing(int[] codes, int count, int used)
    {
        var values = _valueCodes.AsSpan(0, used);
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] < 0)
                values[i] = codes[-values[i] - 1];
        }
        var rows = _rows.AsSpan(0, count);
        for (var i = 0; i < rows.Length; i++)
        {
            if (rows[i].Node < 0 || rows[i].Event < 0)
                rows[i] = rows[i] with { Node = rows[i].Node < 0 ? codes[-rows[i].Node - 1] : rows[i].Node, Event = rows[i].Event < 0 ? codes[-rows[i].Event - 1] : rows[i].Event };
        }
    }

    /// <summary>
    /// Gives every row of the append its shape's number: held ones from <see cref="_shapes"/>, the others new numbers,
    /// listed in <see cref="_newShapes"/>. The rows of a run share their shape, so it is looked up once per run.
    /// </summary>
    private void AssignShapes(int count)
    {
        _newShapes.Clear();
        if (_shapes.Count >= MaxHeldShapes)
            _shapes.Clear();
        var width = EventColumns.Dimensions.Count;
        var rows = _rows.AsSpan(0, count);
        var shape = 0;
        for (var i = 0; i < rows.Length; i++)
        {
            ref var row = ref rows[i];
            if (i == 0 || row.Values != rows[i - 1].Values)
            {
                var key = ShapeKey.Of(row.Event, row.IsBot, _valueCodes, row.Values, width);
                if (!_shapes.TryGetValue(key, out shape))
                {
                    // The key points into the append's codes, which the next append overwrites: the map keeps a copy.
                    key = key.Copy();
                    _shapes.Add(key, shape = _nextShape++);
                    _newShapes.Add((shape, key));
                }
            }
            row.Shape = shape;
        }
    }

    /// <summary>
    /// Appends <see cref="_newShapes"/> to <c>event_shapes</c>, one transaction before the events that use them. On a
    /// failure the writer forgets every held shape (some of the new ones may be stored, some not) and reads the highest
    /// number again before the next append.
    /// </summary>
    private void WriteShapes(DuckDBConnection writer)
    {
        try
        {
            AppendChunks(writer, "event_shapes", _shapeTypes, _newShapes.Count, FillShapeVector);
        }
        catch
        {
            _shapes.Clear();
            _shapesStale = true;
            throw;
        }
    }

    /// <summary>
    /// The SQL of a set of values (strings or codes) to compare a column with: a list of placeholders, which DuckDB
    /// answers from the column's index, or above <see cref="IndexLookupsUpTo"/> one parameter unnested, which it joins
    /// in one scan: codes as one comma-separated text (DuckDB.NET spends about 2 us on each element of a list
    /// parameter, half the cost of a page's decoding), values as a list (no separator is safe in any text).
    /// </summary>
    private static string InList<T>(DbCommand command, IReadOnlyList<T> values) where T : notnull
    {
        if (values.Count > IndexLookupsUpTo)
        {
            if (values is IReadOnlyList<int> codes)
            {
                command.Parameters.Add(new DuckDBParameter(string.Join(',', codes)));
                return "SELECT unnest(string_split($1, ','))::INTEGER";
            }
            command.Parameters.Add(new DuckDBParameter(values.ToList()));
            return "SELECT unnest($1::VARCHAR[])";
        }
        var places = new string[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            command.Parameters.Add(new DuckDBParameter(values[i]));
            places[i] = "$" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return string.Join(", ", places);
    }

    /// <summary>Writes the first <paramref name="count"/> of <see cref="_rows"/> into <c>event_rows</c> (see <see cref="AppendChunks"/>).</summary>
    private void WriteEvents(DuckDBConnection writer, int count) => AppendChunks(writer, "event_rows", RowTypes, count, FillRowVector);

    /// <summary>Fills a vector of a chunk with one column of the rows from <paramref name="start"/> on.</summary>
    private delegate void FillColumn(IntPtr vector, int column, int start, int count);

    /// <summary>
    /// Appends <paramref name="count"/> rows to <paramref name="table"/> as DuckDB data chunks filled column by column
    /// through DuckDB's C API, then flushes them: one transaction, all rows or none (on an error the appender is
    /// cleared before it is destroyed, since destroying flushes what it holds). Every column must have the type in
    /// <paramref name="types"/>, as the vectors are written as raw memory of that type: another is refused, never
    /// overrun. DuckDB.NET's row appender cost several times more CPU per event in .NET than DuckDB spent storing it
    /// (an object per row and a generic virtual dispatch per value; bench/README.md, "DuckDB ingest, session 9").
    /// </summary>
    private static unsafe void AppendChunks(DuckDBConnection writer, string table, DuckDBType[] types, int count, FillColumn fill)
    {
        if (NativeMethods.Appender.DuckDBAppenderCreate(writer.NativeConnection, null, table, out var appender) != DuckDBState.Success)
            throw AppenderError(appender, $"opening an appender on {table}");
        using (appender)
        {
            var columns = (int)NativeMethods.Appender.DuckDBAppenderColumnCount(appender);
            if (columns != types.Length)
                throw new InvalidOperationException($"The {table} table has {columns} columns where the store expects {types.Length}");
            var logical = new DuckDBLogicalType[columns];
            try
            {
                var handles = new IntPtr[columns];
                for (var c = 0; c < columns; c++)
                {
                    logical[c] = NativeMethods.Appender.DuckDBAppenderColumnType(appender, (ulong)c);
                    var type = NativeMethods.LogicalType.DuckDBGetTypeId(logical[c]);
                    if (type != types[c])
                        throw new InvalidOperationException($"The {table} table's column {c + 1} is {type} where the store writes {types[c]}");
                    handles[c] = logical[c].DangerousGetHandle();
                }
                using var chunk = NativeMethods.DataChunks.DuckDBCreateDataChunk(handles, (ulong)columns);
                var size = (int)NativeMethods.Helpers.DuckDBVectorSize();
                try
                {
                    for (var start = 0; start < count; start += size)
                    {
                        var rows = Math.Min(size, count - start);
                        for (var c = 0; c < columns; c++)
                            fill(NativeMethods.DataChunks.DuckDBDataChunkGetVector(chunk, c), c, start, rows);
                        NativeMethods.DataChunks.DuckDBDataChunkSetSize(chunk, (ulong)rows);
                        if (NativeMethods.Appender.DuckDBAppendDataChunk(appender, chunk) != DuckDBState.Success)
                            throw AppenderError(appender, $"appending to {table}");
                        NativeMethods.DataChunks.DuckDBDataChunkReset(chunk);
                    }
                    if (NativeMethods.Appender.DuckDBAppenderFlush(appender) != DuckDBState.Success)
                        throw AppenderError(appender, $"storing {table}");
                }
                catch
                {
                    NativeMethods.Appender.DuckDBAppenderClear(appender);
                    throw;
                }
            }
            finally
            {
                foreach (var type in logical)
                    type?.Dispose();
            }
        }
    }

    /// <summary>Writes one column of <c>event_rows</c> (its place in <see cref="RowColumns"/>) for rows start to start + count - 1 of <see cref="_rows"/>.</summary>
    private unsafe void FillRowVector(IntPtr vector, int column, int start, int count)
    {
        var data = NativeMethods.Vectors.DuckDBVectorGetData(vector);
        ulong* validity = null;
        var rows = _rows.AsSpan(start, count);
        switch (column)
        {
            case 0:
                for (var i = 0; i < rows.Length; i++)
                    ((long*)data)[i] = rows[i].Micros;
                break;
            case 1:
                for (var i = 0; i < rows.Length; i++)
                    ((int*)data)[i] = rows[i].Node;
                break;
            case 2:
                for (var i = 0; i < rows.Length; i++)
                    ((long*)data)[i] = rows[i].Sequence;
                break;
            case 3:
                for (var i = 0; i < rows.Length; i++)
                    ((int*)data)[i] = rows[i].Index;
                break;
            case 4:
                for (var i = 0; i < rows.Length; i++)
                {
                    if (rows[i].HasVisitor)
                        ((ulong*)data)[i] = rows[i].Visitor;
                    else
                        SetNull(vector, ref validity, i);
                }
                break;
            default:
                for (var i = 0; i < rows.Length; i++)
                    ((int*)data)[i] = rows[i].Shape;
                break;
        }
    }

    /// <summary>Writes one column of <c>event_shapes</c> (its place in the table) for new shapes start to start + count - 1 of <see cref="_newShapes"/>.</summary>
    private unsafe void FillShapeVector(IntPtr vector, int column, int start, int count)
    {
        var data = NativeMethods.Vectors.DuckDBVectorGetData(vector);
        ulong* validity = null;
        var shapes = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_newShapes).Slice(start, count);
        var field = _shapeOrder[column];
        for (var i = 0; i < shapes.Length; i++)
        {
            var (shape, key) = shapes[i];
            switch (field)
            {
                case 0:
                    ((int*)data)[i] = shape;
                    break;
                case 1:
                    ((int*)data)[i] = key.Event;
                    break;
                case 2:
                    ((byte*)data)[i] = key.IsBot ? (byte)1 : (byte)0;
                    break;
                case < 0:
                    SetNull(vector, ref validity, i);
                    break;
                default:
                    var code = key.Code(field - ShapeColumns.Length);
                    if (code != 0)
                        ((int*)data)[i] = code;
                    else
                        SetNull(vector, ref validity, i);
                    break;
            }
        }
    }

    /// <summary>Marks a row of a vector null: its bit in the validity mask (1 valid, 0 null; 64 rows a word), made writable at the first null.</summary>
    private static unsafe void SetNull(IntPtr vector, ref ulong* validity, int row)
    {
        if (validity == null)
        {
            NativeMethods.Vectors.DuckDBVectorEnsureValidityWritable(vector);
            validity = NativeMethods.Vectors.DuckDBVectorGetValidity(vector);
        }
        validity[row >> 6] &= ~(1UL << (row & 63));
    }

    private static InvalidOperationException AppenderError(DuckDB.NET.Native.DuckDBAppender appender, string what)
    {
        using var error = NativeMethods.Appender.DuckDBAppenderErrorData(appender);
        return new InvalidOperationException($"DuckDB event store, {what}: {error.Message}");
    }

    public override async Task DeleteBeforeAsync(DateTime before, CancellationToken ct)
    {
        await using var connection = Reader();
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM event_rows WHERE time < $1";
        command.Parameters.Add(new DuckDBParameter(before));
        await command.ExecuteNonQueryAsync(ct);
    }

    public override async Task<long> CountAsync(CancellationToken ct)
    {
        await using var connection = Reader();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM event_rows";
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    public override async IAsyncEnumerable<EventRow> ReadEventsAsync(EventQuery query, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var connection = Reader();
        await using var command = connection.CreateCommand();
        var statement = new Parameters(command);
        var columns = string.Join(", ", EventColumns.Fixed.Concat(EventColumns.Dimensions.Select(c => c.Column)));
        command.CommandText = $"SELECT {columns} FROM events WHERE {Where(query, statement)} ORDER BY time, node, sequence, idx";
        // Rows come chunk by chunk as the client reads them, rather than the whole result first.
        command.UseStreamingMode = true;
        await using var reader = await command.ExecuteReaderAsync(ct);
        // The streaming result holds its connection: codes are decoded on another.
        await using var lookup = Reader();
        var count = EventColumns.Dimensions.Count;
        var page = new List<ExportedEvent>(ExportPage);
        var codes = new HashSet<int>();
        while (true)
        {
            page.Clear();
            codes.Clear();
            while (page.Count < ExportPage && await reader.ReadAsync(ct))
            {
                var values = new int[count];
                for (var i = 0; i < count; i++)
                    codes.Add(values[i] = reader.IsDBNull(7 + i) ? 0 : reader.GetInt32(7 + i));
                var row = new ExportedEvent(DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc), reader.GetInt32(1), reader.GetInt64(2),
                    reader.GetInt32(3), reader.GetInt32(4), reader.GetBoolean(5), reader.IsDBNull(6) ? null : reader.GetFieldValue<ulong>(6), values);
                codes.Add(row.Node);
                codes.Add(row.Event);
                page.Add(row);
            }
            if (page.Count == 0)
                yield break;
            codes.Remove(0);
            var decoded = await DecodeAsync(lookup, codes, ct);
            foreach (var row in page)
            {
                var values = new string?[count];
                for (var i = 0; i < count; i++)
                    values[i] = row.Values[i] == 0 ? null : decoded[row.Values[i]];
                yield return new EventRow(row.Time, decoded[row.Node], row.Sequence, row.Index, decoded[row.Event], row.IsBot, row.Visitor, values);
            }
        }
    }

    // Events an export reads before it decodes their codes together: one statement on event_values a page.
    private const int ExportPage = 16_384;

    /// <summary>An exported event as the table holds it: codes, 0 where a dimension has none.</summary>
    private readonly record struct ExportedEvent(DateTime Time, int Node, long Sequence, int Index, int Event, bool IsBot, ulong? Visitor, int[] Values);

    /// <summary>
    /// The values of codes read from events (none 0): from the queries' map, and the codes it lacks from one statement
    /// on <c>event_values</c>. Throws when a code has no value (a file written otherwise).
    /// </summary>
    private async Task<Dictionary<int, string>> DecodeAsync(DuckDBConnection connection, IReadOnlyCollection<int> codes, CancellationToken ct)
    {
        var decoded = new Dictionary<int, string>(codes.Count);
        var missing = new List<int>();
        lock (_decoded)
        {
            foreach (var code in codes)
            {
                if (_decoded.TryGetValue(code, out var value))
                    decoded[code] = value;
                else
                    missing.Add(code);
            }
        }
        if (missing.Count == 0)
            return decoded;
        var found = new List<(string Value, int Code)>(missing.Count);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT value, code FROM event_values WHERE code IN ({InList(command, missing)})";
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                found.Add((reader.GetString(0), reader.GetInt32(1)));
        }
        lock (_decoded)
        {
            foreach (var (value, code) in found)
            {
                decoded[code] = value;
                _decoded.Add(value, code);
            }
        }
        foreach (var code in missing)
        {
            if (!decoded.ContainsKey(code))
                throw new InvalidOperationException($"The event store's code {code} has no row in event_values");
        }
        return decoded;
    }

    protected override Statement NewStatement() => new Parameters(null);

    protected override string Compose(string where, IReadOnlyList<Part> parts) =>
        // Filtered once into a materialized set that every grouping then reads: one scan of the table. Groupings
        // group the keys as they are (codes), and only their results become text.
        $"WITH f AS MATERIALIZED (SELECT * FROM events WHERE {where})\n" +
        string.Join("\nUNION ALL ", parts.Select(p =>
            $"SELECT '{p.Code}' AS d, CAST(k AS VARCHAR) AS k, n FROM (SELECT {p.Key} AS k, {p.Aggregate} AS n FROM f WHERE {p.Condition} GROUP BY ALL)"));

    protected override string ValueKey(string column) => column;

    protected override string ValueKey(string perColumn, string column) => $"CAST({perColumn} AS BIGINT) * {PairShift} + {column}";

    // Codes are numbers this store made: inlined, they let DuckDB skip row groups by their min/max as with constants.
    protected override string ValueOf(string value, Statement sql) => CodeOf(value);

    protected override string IsEvent(string kind) => $"event = {CodeOf(kind)}";

    private string CodeOf(string value) => CodeOrNone(value).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The code of a value a query names (a filter's, a link's, an event kind), or 0 (matches nothing) when it was
    /// never stored: from the queries' map, else from <c>event_values</c> by its index on value.
    /// </summary>
    private int CodeOrNone(string value)
    {
        // Read before the lookup: a value inserted after it changes the count, so its absence is not trusted then.
        var inserts = Volatile.Read(ref _valueInserts);
        lock (_decoded)
        {
            if (_decoded.TryGetCode(value, out var code))
                return code;
            if (_absent.TryGetValue(value, out var then) && then == inserts)
                return 0;
        }
        using var connection = Reader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT code FROM event_values WHERE value = $1";
        command.Parameters.Add(new DuckDBParameter(value));
        var found = command.ExecuteScalar() as int?;
        lock (_decoded)
        {
            if (found is { } stored)
            {
                _decoded.Add(value, stored);
                return stored;
            }
            if (_absent.Count >= AbsentValuesHeld)
                _absent.Clear();
            _absent[value] = inserts;
            return 0;
        }
    }

    /// <summary>
    /// Queries that match at most this many events (one link's month, a narrow filter) are counted here from one
    /// read of their rows instead of by the ~28 groupings of <see cref="Compose"/>: DuckDB spends a fixed ~1-2 ms of
    /// CPU on each grouping whatever its input, which made a one-link answer cost ~70 ms of CPU at any size (bench
    /// events, bench/README.md). Above it the groupings win. Settable for tests, which check both paths agree.
    /// </summary>
    internal int CountInProcessUpTo { get; set; } = 10_000;

    protected override async Task<List<(string Code, string Key, long Count)>> CountAsync(
        Statement statement, string where, IReadOnlyList<Part> parts, TimeZoneInfo? zone, CancellationToken ct)
    {
        var rows = CountInProcessUpTo > 0 && await ReadFewAsync((Parameters)statement, where, ct) is { } events
            ? CountInProcess(events, parts, zone)
            : await base.CountAsync(statement, where, parts, zone, ct);
        // Value parts' keys are a code or a pair of codes (ValueKey): their texts, decoded together.
        var codes = new HashSet<int>();
        foreach (var (code, key, _) in rows)
        {
            if (!IsValuePart(code))
                continue;
            var (per, value) = ParseKey(key);
            codes.Add(value);
            if (per != 0)
                codes.Add(per);
        }
        if (codes.Count == 0)
            return rows;
        await using var connection = Reader();
        var decoded = await DecodeAsync(connection, codes, ct);
        for (var i = 0; i < rows.Count; i++)
        {
            if (!IsValuePart(rows[i].Code))
                continue;
            var (per, value) = ParseKey(rows[i].Key);
            rows[i] = rows[i] with { Key = per == 0 ? decoded[value] : decoded[per] + "\n" + decoded[value] };
        }
        return rows;

        // As the base class tells them apart: the day, hour and visitor parts have keys of their own.
        static bool IsValuePart(string code) => code is not ("c" or "b" or "h" or "u");

        static (int Per, int Value) ParseKey(string key)
        {
            var codes = long.Parse(key, System.Globalization.CultureInfo.InvariantCulture);
            return ((int)(codes / PairShift), (int)(codes % PairShift));
        }
    }

    /// <summary>A matched event as codes: 0 where a dimension has no value (codes start at 1).</summary>
    private readonly record struct CodedEvent(DateTime Time, int Event, ulong? Visitor, int[] Values);

    /// <summary>The events of a query when they are at most <see cref="CountInProcessUpTo"/>; null when more.</summary>
    private async Task<List<CodedEvent>?> ReadFewAsync(Parameters statement, string where, CancellationToken ct)
    {
        await using var connection = Reader();
        await using var command = connection.CreateCommand();
        var columns = string.Join(", ", EventColumns.Dimensions.Select(c => c.Column));
        command.CommandText = $"SELECT time, event, visitor, {columns} FROM events WHERE {where} LIMIT {CountInProcessUpTo + 1}";
        foreach (var value in statement.Values)
            command.Parameters.Add(new DuckDBParameter(value));
        command.UseStreamingMode = true;
        await using var reader = await command.ExecuteReaderAsync(ct);
        var count = EventColumns.Dimensions.Count;
        var events = new List<CodedEvent>();
        while (await reader.ReadAsync(ct))
        {
            if (events.Count == CountInProcessUpTo)
                return null;
            var values = new int[count];
            for (var i = 0; i < count; i++)
                values[i] = reader.IsDBNull(3 + i) ? 0 : reader.GetInt32(3 + i);
            events.Add(new CodedEvent(DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc), reader.GetInt32(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<ulong>(2), values));
        }
        return events;
    }

    /// <summary>The rows <see cref="Compose"/>'s SQL would give for these events: same codes, same keys.</summary>
    private List<(string Code, string Key, long Count)> CountInProcess(List<CodedEvent> events, IReadOnlyList<Part> parts, TimeZoneInfo? zone)
    {
        var inZone = EventQuery.IsUtc(zone) ? null : zone;
        var rows = new List<(string, string, long)>();
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var visitors = new HashSet<ulong>();
        foreach (var part in parts)
        {
            var (by, kind, column, perColumn) = part.Grouping;
            var kindCode = CodeOrNone(kind);
            var matched = false;
            counts.Clear();
            visitors.Clear();
            foreach (var e in events)
            {
                if (e.Event != kindCode)
                    continue;
                string key;
                switch (by)
                {
                    case GroupedBy.Day:
                        key = Local(e.Time).ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
                        break;
                    case GroupedBy.Hour:
                        key = Local(e.Time).Hour.ToString(System.Globalization.CultureInfo.InvariantCulture);
                        break;
                    case GroupedBy.Visitors:
                        matched = true;
                        if (e.Visitor is { } visitor)
                            visitors.Add(visitor);
                        continue;
                    default:
                        var value = e.Values[column];
                        var of = perColumn < 0 ? 0 : e.Values[perColumn];
                        if (value == 0 || (perColumn >= 0 && of == 0))
                            continue;
                        key = (perColumn < 0 ? value : of * PairShift + value).ToString(System.Globalization.CultureInfo.InvariantCulture);
                        break;
                }
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
            if (by == GroupedBy.Visitors)
            {
                if (matched)
                    rows.Add((part.Code, "", visitors.Count));
                continue;
            }
            foreach (var (key, n) in counts)
                rows.Add((part.Code, key, n));
        }
        return rows;

        DateTime Local(DateTime utc) => inZone is null ? utc : TimeZoneInfo.ConvertTimeFromUtc(utc, inZone);
    }

    protected override async Task<List<(string Code, string Key, long Count)>> QueryCountsAsync(Statement statement, string sql, CancellationToken ct)
    {
        await using var connection = Reader();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var value in ((Parameters)statement).Values)
            command.Parameters.Add(new DuckDBParameter(value));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<(string, string, long)>();
        while (await reader.ReadAsync(ct))
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
        return rows;
    }

    protected override string Day(string time, string? zone) => $"strftime({InZone(time, zone)}, '%Y%m%d')";

    protected override string Hour(string time, string? zone) => $"CAST(hour({InZone(time, zone)}) AS VARCHAR)";

    // Times are stored as TIMESTAMP holding UTC: read as UTC (a TIMESTAMPTZ), then as the zone's wall clock (ICU).
    private static string InZone(string time, string? zone) => zone is null ? time : $"timezone('{zone}', timezone('UTC', {time}))";

    protected override string DistinctCount(string column) => $"count(DISTINCT {column})";

    public override async ValueTask DisposeAsync()
    {
        if (_writer is { } writer)
            await writer.DisposeAsync();
        _writer = null;
    }

    private DuckDBConnection Reader()
    {
        if (_writer is null)
            throw new InvalidOperationException("The event store is not open");
        var connection = new DuckDBConnection(connectionString);
        connection.Open();
        return connection;
    }

    private async Task ExecuteAsync(string sql, CancellationToken ct)
    {
        await using var command = _writer!.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task<List<string>> TableColumnsAsync(string table, CancellationToken ct)
    {
        await using var command = _writer!.CreateCommand();
        command.CommandText = $"SELECT name FROM pragma_table_info('{table}') ORDER BY cid";
        await using var reader = await command.ExecuteReaderAsync(ct);
        var names = new List<string>();
        while (await reader.ReadAsync(ct))
            names.Add(reader.GetString(0));
        return names;
    }

    /// <summary>DuckDB's positional parameters ($1, $2...), collected for the command.</summary>
    private sealed class Parameters(DbCommand? command) : Statement
    {
        public List<object> Values { get; } = [];

        public override string Value(object value)
        {
            Values.Add(value);
            command?.Parameters.Add(new DuckDBParameter(value));
            return "$" + Values.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}

/// <summary>
/// A shape of the DuckDB store's events as the dictionary of held shapes keys it: the kind and bot flag, and the
/// dimension codes at <c>Offset</c> in <c>Codes</c> (a lookup points into the append's codes; a held key owns a copy).
/// </summary>
internal readonly struct ShapeKey
{
    private readonly int[] _codes;
    private readonly int _offset;
    private readonly int _width;
    private readonly int _hash;

    private ShapeKey(int @event, bool isBot, int[] codes, int offset, int width, int hash)
    {
        Event = @event;
        IsBot = isBot;
        _codes = codes;
        _offset = offset;
        _width = width;
        _hash = hash;
    }

    public static IEqualityComparer<ShapeKey> Comparer { get; } = new KeyComparer();

    public int Event { get; }

    public bool IsBot { get; }

    /// <summary>The code of the dimension at this place in EventColumns.Dimensions; 0 for none.</summary>
    public int Code(int dimension) => _codes[_offset + dimension];

    public static ShapeKey Of(int @event, bool isBot, int[] codes, int offset, int width)
    {
        var hash = new HashCode();
        hash.Add(@event);
        hash.Add(isBot);
        foreach (var code in codes.AsSpan(offset, width))
            hash.Add(code);
        return new ShapeKey(@event, isBot, codes, offset, width, hash.ToHashCode());
    }

    public ShapeKey Copy() => new(Event, IsBot, _codes.AsSpan(_offset, _width).ToArray(), 0, _width, _hash);

    private ReadOnlySpan<int> Codes => _codes.AsSpan(_offset, _width);

    private sealed class KeyComparer : IEqualityComparer<ShapeKey>
    {
        public bool Equals(ShapeKey x, ShapeKey y) =>
            x._hash == y._hash && x.Event == y.Event && x.IsBot == y.IsBot && x.Codes.SequenceEqual(y.Codes);

        public int GetHashCode(ShapeKey key) => key._hash;
    }
}
