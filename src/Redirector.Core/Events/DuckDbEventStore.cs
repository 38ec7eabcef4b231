using System.Data.Common;
using System.Runtime.CompilerServices;
using DuckDB.NET.Data;
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
/// Reads run on their own connections (DuckDB.NET shares one database instance among the
/// connections to a file in a process), so a stats query never waits for an append, nor an append for a query.
/// </summary>
public sealed class DuckDbEventStore(string connectionString) : EventStore
{
    private DuckDBConnection? _writer;
    // Each table column's place among EventColumns: an older table has columns added since at its end.
    private int[] _tableOrder = [];
    // Per node, the highest batch sequence stored.
    private readonly Dictionary<string, long> _applied = new(StringComparer.Ordinal);

    public override async Task InitializeAsync(CancellationToken ct)
    {
        var writer = new DuckDBConnection(connectionString);
        await writer.OpenAsync(ct);
        _writer = writer;
        var columns = string.Join(", ", EventColumns.Dimensions.Select(c => $"{c.Column} VARCHAR"));
        await ExecuteAsync($"""
            CREATE TABLE IF NOT EXISTS events (time TIMESTAMP NOT NULL, node VARCHAR NOT NULL, sequence BIGINT NOT NULL,
                idx INTEGER NOT NULL, event VARCHAR NOT NULL, is_bot BOOLEAN NOT NULL, visitor UBIGINT, {columns});
            """, ct);
        await using (var marks = writer.CreateCommand())
        {
            marks.CommandText = "SELECT node, max(sequence) FROM events GROUP BY node";
            await using var reader = await marks.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                _applied[reader.GetString(0)] = reader.GetInt64(1);
        }
        var existing = await TableColumnsAsync(ct);
        foreach (var (_, column) in EventColumns.Dimensions.Where(c => !existing.Contains(c.Column)))
            await ExecuteAsync($"ALTER TABLE events ADD COLUMN {column} VARCHAR", ct);
        var order = await TableColumnsAsync(ct);
        var all = EventColumns.Fixed.Concat(EventColumns.Dimensions.Select(c => c.Column)).ToList();
        // A column of a dimension removed since stays in the table (-1 here) and is appended as null.
        _tableOrder = [.. order.Select(c => all.IndexOf(c))];
    }

    public override Task AppendAsync(IReadOnlyList<ClickBatch> batches, CancellationToken ct)
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
            return Task.CompletedTask;
        // Nothing below may throw midway on purpose: disposing the appender flushes what it holds.
        using (var appender = writer.CreateAppender("events"))
        {
            foreach (var batch in fresh)
                AppendRows(appender, batch);
        }
        foreach (var (node, sequence) in highest)
            _applied[node] = sequence;
        return Task.CompletedTask;
    }

    private void AppendRows(DuckDBAppender appender, ClickBatch batch)
    {
        foreach (var row in EventRow.Of(batch))
        {
            var line = appender.CreateRow();
            foreach (var column in _tableOrder)
            {
                line = column switch
                {
                    0 => line.AppendValue(row.Time),
                    1 => line.AppendValue(row.Node),
                    2 => line.AppendValue(row.Sequence),
                    3 => line.AppendValue(row.Index),
                    4 => line.AppendValue(row.Event),
                    5 => line.AppendValue(row.IsBot),
                    6 => line.AppendValue(row.Visitor),
                    >= 7 => line.AppendValue(row.Values[column - 7]),
                    _ => line.AppendNullValue(),
                };
            }
            line.EndRow();
        }
    }

    public override async Task DeleteBeforeAsync(DateTime before, CancellationToken ct)
    {
        await using var connection = Reader();
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM events WHERE time < $1";
        command.Parameters.Add(new DuckDBParameter(before));
        await command.ExecuteNonQueryAsync(ct);
    }

    public override async Task<long> CountAsync(CancellationToken ct)
    {
        await using var connection = Reader();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM events";
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
        var count = EventColumns.Dimensions.Count;
        while (await reader.ReadAsync(ct))
        {
            var values = new string?[count];
            for (var i = 0; i < count; i++)
                values[i] = reader.IsDBNull(7 + i) ? null : reader.GetString(7 + i);
            yield return new EventRow(DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc), reader.GetString(1), reader.GetInt64(2),
                reader.GetInt32(3), reader.GetString(4), reader.GetBoolean(5), reader.IsDBNull(6) ? null : reader.GetFieldValue<ulong>(6), values);
        }
    }

    protected override Statement NewStatement() => new Parameters(null);

    protected override string Compose(string where, IReadOnlyList<Part> parts) =>
        // Filtered once into a materialized set that every grouping then reads: one scan of the table.
        $"WITH f AS MATERIALIZED (SELECT * FROM events WHERE {where})\n" +
        string.Join("\nUNION ALL ", parts.Select(p => $"SELECT '{p.Code}' AS d, {p.Key} AS k, {p.Aggregate} AS n FROM f WHERE {p.Condition} GROUP BY ALL"));

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

    protected override string Day(string time) => $"strftime({time}, '%Y%m%d')";

    protected override string Hour(string time) => $"CAST(hour({time}) AS VARCHAR)";

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

    private async Task<List<string>> TableColumnsAsync(CancellationToken ct)
    {
        await using var command = _writer!.CreateCommand();
        command.CommandText = "SELECT name FROM pragma_table_info('events') ORDER BY cid";
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
