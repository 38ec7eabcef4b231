using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Redirector.Clicks;

namespace Redirector.Events;

/// <summary>
/// The event store for several nodes: a ClickHouse server spoken to over its plain HTTP interface with HttpClient
/// (<c>INSERT ... FORMAT JSONEachRow</c>, <c>SELECT ... FORMAT JSONCompact</c> or <c>JSONEachRow</c>, values inlined
/// as escaped literals). That interface is the one that works alike on Debian's clickhouse-server 18.16 and on
/// current servers: the official ClickHouse.Driver fails against 18.16 for typed reads, compression, server-side
/// parameters and schema lookup. The table is a ReplacingMergeTree ordered by (time, node, sequence, idx): a batch
/// applied twice leaves rows with equal keys, which merges collapse and every query reads with FINAL, so each event
/// counts once (18.16 has no insert_deduplication_token). Partitions are months, and retention drops whole ones.
/// </summary>
public sealed class ClickHouseEventStore : EventStore
{
    private readonly HttpClient _http;
    private readonly string _table;
    private readonly string _database;
    private readonly string _credentials;

    /// <param name="address">The HTTP interface, e.g. http://127.0.0.1:8123; a user and password in it are sent as the interface's parameters.</param>
    public ClickHouseEventStore(Uri address, EventsOptions options)
    {
        _database = options.ClickHouseDatabase;
        _table = $"{_database}.events";
        _credentials = "";
        if (address.UserInfo is { Length: > 0 } userInfo)
        {
            var parts = userInfo.Split(':', 2);
            _credentials = "&user=" + parts[0] + (parts.Length > 1 ? "&password=" + parts[1] : "");
        }
        _http = new HttpClient { BaseAddress = new UriBuilder(address) { UserName = "", Password = "", Path = "/" }.Uri, Timeout = options.Timeout };
    }

    public override async Task InitializeAsync(CancellationToken ct)
    {
        await ExecuteAsync($"CREATE DATABASE IF NOT EXISTS {_database}", ct);
        var columns = string.Join(", ", EventColumns.Dimensions.Select(c => $"{c.Column} Nullable(String)"));
        await ExecuteAsync($"""
            CREATE TABLE IF NOT EXISTS {_table} (time DateTime('UTC'), node String, sequence Int64, idx Int32, event String,
                is_bot UInt8, visitor Nullable(UInt64), {columns})
            ENGINE = ReplacingMergeTree PARTITION BY toYYYYMM(time) ORDER BY (time, node, sequence, idx)
            """, ct);
        var existing = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var line in LinesAsync($"SELECT name FROM system.columns WHERE database = {Literal(_database)} AND table = 'events' FORMAT JSONEachRow", ct))
        {
            using var row = JsonDocument.Parse(line);
            existing.Add(row.RootElement.GetProperty("name").GetString()!);
        }
        foreach (var (_, column) in EventColumns.Dimensions.Where(c => !existing.Contains(c.Column)))
            await ExecuteAsync($"ALTER TABLE {_table} ADD COLUMN {column} Nullable(String)", ct);
    }

    public override async Task AppendAsync(IReadOnlyList<ClickBatch> batches, CancellationToken ct)
    {
        var body = new MemoryStream();
        using (var json = new Utf8JsonWriter(body))
        {
            foreach (var row in batches.SelectMany(EventRow.Of))
            {
                json.WriteStartObject();
                json.WriteString("time", row.Time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
                json.WriteString("node", row.Node);
                json.WriteNumber("sequence", row.Sequence);
                json.WriteNumber("idx", row.Index);
                json.WriteString("event", row.Event);
                json.WriteNumber("is_bot", row.IsBot ? 1 : 0);
                if (row.Visitor is { } visitor)
                    json.WriteNumber("visitor", visitor);
                else
                    json.WriteNull("visitor");
                var columns = EventColumns.Dimensions;
                for (var i = 0; i < columns.Count; i++)
                    json.WriteString(columns[i].Column, row.Values[i]);
                json.WriteEndObject();
                json.Flush();
                // One object a line: the writer takes a single top-level value, so it starts afresh for each.
                json.Reset();
                body.WriteByte((byte)'\n');
            }
        }
        body.Position = 0;
        using var content = new StreamContent(body);
        using var response = await _http.PostAsync(QueryUri($"INSERT INTO {_table} FORMAT JSONEachRow"), content, ct);
        await EnsureSuccessAsync(response, ct);
    }

    public override async Task DeleteBeforeAsync(DateTime before, CancellationToken ct)
    {
        // Whole months only: dropping a partition is a file operation; deleting rows would rewrite parts.
        var month = before.Year * 100 + before.Month;
        var partitions = new List<string>();
        await foreach (var line in LinesAsync($"SELECT DISTINCT partition FROM system.parts WHERE database = {Literal(_database)} AND table = 'events' AND active FORMAT JSONEachRow", ct))
        {
            using var row = JsonDocument.Parse(line);
            partitions.Add(row.RootElement.GetProperty("partition").GetString()!);
        }
        foreach (var partition in partitions.Where(p => int.TryParse(p, CultureInfo.InvariantCulture, out var m) && m < month))
            await ExecuteAsync($"ALTER TABLE {_table} DROP PARTITION {partition}", ct);
    }

    public override async Task<long> CountAsync(CancellationToken ct)
    {
        await foreach (var line in LinesAsync($"SELECT count() AS n FROM {_table} FINAL FORMAT JSONEachRow", ct))
        {
            using var row = JsonDocument.Parse(line);
            return Number(row.RootElement.GetProperty("n"));
        }
        return 0;
    }

    public override async IAsyncEnumerable<EventRow> ReadEventsAsync(EventQuery query, [EnumeratorCancellation] CancellationToken ct)
    {
        var columns = string.Join(", ", EventColumns.Fixed.Concat(EventColumns.Dimensions.Select(c => c.Column)));
        var sql = $"SELECT {columns} FROM {_table} FINAL WHERE {Where(query, new Literals())} ORDER BY time, node, sequence, idx FORMAT JSONEachRow";
        var dimensions = EventColumns.Dimensions;
        await foreach (var line in LinesAsync(sql, ct))
        {
            using var document = JsonDocument.Parse(line);
            var row = document.RootElement;
            var values = new string?[dimensions.Count];
            for (var i = 0; i < values.Length; i++)
                values[i] = row.GetProperty(dimensions[i].Column) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;
            var time = DateTime.SpecifyKind(DateTime.ParseExact(row.GetProperty("time").GetString()!, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), DateTimeKind.Utc);
            var visitor = row.GetProperty("visitor");
            yield return new EventRow(time, row.GetProperty("node").GetString()!, Number(row.GetProperty("sequence")), (int)Number(row.GetProperty("idx")),
                row.GetProperty("event").GetString()!, Number(row.GetProperty("is_bot")) != 0,
                visitor.ValueKind == JsonValueKind.Null ? null : visitor.ValueKind == JsonValueKind.String ? ulong.Parse(visitor.GetString()!, CultureInfo.InvariantCulture) : visitor.GetUInt64(),
                values);
        }
    }

    protected override Statement NewStatement() => new Literals();

    protected override string Compose(string where, IReadOnlyList<Part> parts) =>
        string.Join("\nUNION ALL ", parts.Select(p =>
            $"SELECT '{p.Code}' AS d, {p.Key} AS k, {p.Aggregate} AS n FROM {_table} FINAL WHERE {where} AND {p.Condition} GROUP BY d, k"))
        + "\nFORMAT JSONCompact";

    protected override async Task<List<(string Code, string Key, long Count)>> QueryCountsAsync(Statement statement, string sql, CancellationToken ct)
    {
        using var response = await _http.PostAsync(QueryUri(null), new StringContent(sql, Encoding.UTF8), ct);
        await EnsureSuccessAsync(response, ct);
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var document = await JsonDocument.ParseAsync(stream, cancellationToken: ct);
        var rows = new List<(string, string, long)>();
        foreach (var row in document.RootElement.GetProperty("data").EnumerateArray())
            rows.Add((row[0].GetString()!, row[1].GetString()!, Number(row[2])));
        return rows;
    }

    protected override string Day(string time, string? zone) =>
        zone is null ? $"toString(toYYYYMMDD({time}))" : $"toString(toYYYYMMDD(toDate({time}, {Literal(zone)})))";

    protected override string Hour(string time, string? zone) =>
        zone is null ? $"toString(toHour({time}))" : $"toString(toHour({time}, {Literal(zone)}))";

    protected override string DistinctCount(string column) => $"uniqExact({column})";

    protected override string Count => "count()";

    protected override string Text(string column) => $"ifNull({column}, '')";

    protected override string Concat(params string[] parts) => $"concat({string.Join(", ", parts)})";

    public override ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A string as a ClickHouse literal: backslash escapes, which every version reads.</summary>
    internal static string Literal(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('\'');
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => text.Append(@"\\"),
                '\'' => text.Append(@"\'"),
                '\n' => text.Append(@"\n"),
                '\r' => text.Append(@"\r"),
                '\t' => text.Append(@"\t"),
                '\0' => text.Append(@"\0"),
                _ => text.Append(c),
            };
        }
        return text.Append('\'').ToString();
    }

    /// <summary>
    /// 64-bit integers come quoted in ClickHouse's JSON (output_format_json_quote_64bit_integers), smaller ones bare;
    /// an aggregate of a nullable column over only nulls (uniqExact of clicks without visitor hashes) is null: none.
    /// </summary>
    private static long Number(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => long.Parse(value.GetString()!, CultureInfo.InvariantCulture),
        JsonValueKind.Null => 0,
        _ => value.GetInt64(),
    };

    // Every statement names its tables with their database, so none is sent: a database not made yet must not fail CREATE DATABASE.
    private Uri QueryUri(string? query) =>
        new("?" + (query is null ? "" : "query=" + Uri.EscapeDataString(query)) + _credentials, UriKind.Relative);

    private async Task ExecuteAsync(string sql, CancellationToken ct)
    {
        using var response = await _http.PostAsync(QueryUri(null), new StringContent(sql, Encoding.UTF8), ct);
        await EnsureSuccessAsync(response, ct);
    }

    /// <summary>The answer's lines as they arrive: a large export never sits whole in memory.</summary>
    private async IAsyncEnumerable<string> LinesAsync(string sql, [EnumeratorCancellation] CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, QueryUri(null)) { Content = new StringContent(sql, Encoding.UTF8) };
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        await EnsureSuccessAsync(response, ct);
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length > 0)
                yield return line;
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
            return;
        var text = await response.Content.ReadAsStringAsync(ct);
        throw new HttpRequestException($"ClickHouse answered {(int)response.StatusCode}: {text[..Math.Min(text.Length, 500)]}", null, response.StatusCode);
    }

    /// <summary>Values inlined as literals: 18.16 has no server-side query parameters.</summary>
    private sealed class Literals : Statement
    {
        public override string Value(object value) => value switch
        {
            string text => Literal(text),
            DateTime time => string.Create(CultureInfo.InvariantCulture, $"toDateTime('{time:yyyy-MM-dd HH:mm:ss}', 'UTC')"),
            long number => number.ToString(CultureInfo.InvariantCulture),
            _ => throw new ArgumentException($"No ClickHouse literal for {value.GetType().Name}", nameof(value)),
        };
    }
}
