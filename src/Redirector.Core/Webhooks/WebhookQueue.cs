using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Redirector.Clicks;

namespace Redirector.Webhooks;

/// <summary>An event queued for one endpoint.</summary>
/// <param name="Payload">The Standard Webhooks object without its id: {"type","timestamp","data"}.</param>
public sealed record QueuedEvent(long Endpoint, string EventId, string Type, string Payload);

/// <summary>A request the spool consumer sent and that was answered with a 2xx: whose, of what type, how many events, the answer.</summary>
public sealed record SentRequest(long Endpoint, string Type, int Events, WebhookAttempt Attempt);

/// <summary>
/// A delivery of an endpoint, as the admin and the API list it: an event of its queue (which the worker sends), or a
/// request the spool consumer sent itself, recorded once answered.
/// </summary>
/// <param name="EventId">The event's id; for a request sent from the spool, the request's webhook-id (<see cref="WebhookSender.RequestId"/>).</param>
/// <param name="Events">1 for a queued event; the events a request sent from the spool carried.</param>
/// <param name="NextAttemptAt">When the worker sends it (again); null once it is delivered.</param>
/// <param name="Status">The last answer's HTTP status; null before the first attempt or when none came (timeout, refused).</param>
/// <param name="Link">
/// The link a queued event is about, as its <c>data.link</c> names it; null for a request sent from the spool (its clicks
/// may be of several links) and for a click of no catalogue link.
/// </param>
public sealed record WebhookDelivery(
    long Id, string EventId, string Type, int Events, DateTime QueuedAt, int Attempts, DateTime? NextAttemptAt, DateTime? LastAttemptAt,
    int? Status, string? LastError, DateTime? DeliveredAt, WebhookDeliveryLink? Link)
{
    internal string Payload { get; init; } = "";
}

/// <summary>A delivery's link: its slug and its short domain's host (<see cref="LinkSnapshot.Domain"/>: null for the default domain without BaseUrl).</summary>
public sealed record WebhookDeliveryLink(string Slug, string? Domain);

/// <summary>
/// This node's durable queue of webhook events, one row per (endpoint, event) in a SQLite file beside the spool
/// (data/webhooks.db), and its record of recent deliveries. The spool consumer sends a healthy endpoint's clicks
/// itself and records one delivered row per request; it queues the clicks of an endpoint that failed or has events
/// waiting, so a slow or failing receiver never holds the spool, whose cap all its consumers share; the per-endpoint
/// workers send from the queue at their own pace. Inserting an (endpoint, event id) already there does nothing, which
/// makes a batch replayed after a crash harmless. Each node queues and delivers its own clicks (they are in its own
/// spool) and the link events it claimed.
/// </summary>
public sealed class WebhookQueue
{
    private readonly string _connectionString;
    private readonly TimeProvider _time;
    private readonly WebhookOptions _options;
    private volatile TaskCompletionSource _enqueued = NewSignal();
    // This process is the file's only writer. Its writers (the consumer queueing, the workers recording attempts,
    // pruning) take turns here: waiting in SQLite's busy handler instead sleeps in growing steps and, with the
    // consumer writing a batch every few milliseconds under load, held a worker's every request back by them.
    private readonly Lock _writes = new();

    public WebhookQueue(IOptions<AnalyticsOptions> analytics, IOptions<WebhookOptions> options, TimeProvider time)
    {
        Directory.CreateDirectory(analytics.Value.DataDirectory);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(analytics.Value.DataDirectory, "webhooks.db"), Pooling = true }.ToString();
        _time = time;
        _options = options.Value;
        using var connection = Open();
        Execute(connection, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS deliveries(
                id INTEGER PRIMARY KEY,
                endpoint INTEGER NOT NULL,
                event_id TEXT NOT NULL,
                type TEXT NOT NULL,
                payload TEXT NOT NULL,
                queued_at INTEGER NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt INTEGER NOT NULL,
                last_attempt INTEGER,
                status INTEGER,
                last_error TEXT,
                delivered_at INTEGER,
                events INTEGER NOT NULL DEFAULT 1,
                UNIQUE(endpoint, event_id));
            CREATE INDEX IF NOT EXISTS pending ON deliveries(endpoint, id) WHERE delivered_at IS NULL;
            CREATE INDEX IF NOT EXISTS delivered ON deliveries(delivered_at) WHERE delivered_at IS NOT NULL;
            """);
        // A queue file of a release before requests were sent from the spool has no events column: each of its rows
        // is one event, the column's default.
        using var columns = connection.CreateCommand();
        columns.CommandText = "SELECT COUNT(*) FROM pragma_table_info('deliveries') WHERE name = 'events'";
        if ((long)columns.ExecuteScalar()! == 0)
            Execute(connection, "ALTER TABLE deliveries ADD COLUMN events INTEGER NOT NULL DEFAULT 1");
    }

    /// <summary>Completes when events are next queued: the workers wait on it rather than polling.</summary>
    public Task Enqueued => _enqueued.Task;

    /// <summary>
    /// Queues events in one transaction; ones already queued for their endpoint are left as they are. With
    /// <paramref name="failed"/>, the events were just sent and failed: they carry that as their first attempt and wait
    /// its retry delay. One prepared single-row INSERT is executed per event: a multi-row statement binds its
    /// parameters by name, and SQLite finds each name by a linear scan of the statement's names, so 100 rows (401
    /// names) spent more CPU binding than writing.
    /// </summary>
    public void Enqueue(IReadOnlyList<QueuedEvent> events, WebhookAttempt? failed = null)
    {
        if (events.Count == 0)
            return;
        lock (_writes)
        using (var connection = Open())
        using (var transaction = connection.BeginTransaction())
        using (var insert = connection.CreateCommand())
        {
            insert.CommandText = """
                INSERT OR IGNORE INTO deliveries(endpoint, event_id, type, payload, queued_at, attempts, next_attempt, last_attempt, status, last_error)
                VALUES ($e, $i, $t, $p, $now, $attempts, $next, $last, $status, $error)
                """;
            var endpoint = insert.Parameters.Add("$e", SqliteType.Integer);
            var id = insert.Parameters.Add("$i", SqliteType.Text);
            var type = insert.Parameters.Add("$t", SqliteType.Text);
            var payload = insert.Parameters.Add("$p", SqliteType.Text);
            var now = _time.GetUtcNow().UtcDateTime;
            insert.Parameters.AddWithValue("$now", Ms(now));
            insert.Parameters.AddWithValue("$attempts", failed is null ? 0 : 1);
            insert.Parameters.AddWithValue("$next", Ms(failed is null ? now : now + RetryDelay(1)));
            insert.Parameters.AddWithValue("$last", failed is null ? DBNull.Value : Ms(now));
            insert.Parameters.AddWithValue("$status", (object?)failed?.Status ?? DBNull.Value);
            insert.Parameters.AddWithValue("$error", (object?)failed?.Error ?? DBNull.Value);
            foreach (var e in events)
            {
                endpoint.Value = e.Endpoint;
                id.Value = e.EventId;
                type.Value = e.Type;
                payload.Value = e.Payload;
                insert.ExecuteNonQuery();
            }
            transaction.Commit();
        }
        Interlocked.Exchange(ref _enqueued, NewSignal()).TrySetResult();
    }

    /// <summary>
    /// Records requests the spool consumer sent and that were answered with a 2xx, one delivered row each (its
    /// webhook-id, how many events it carried), in one transaction. A request sent again after a crash (the same
    /// events, so the same webhook-id) keeps its first row.
    /// </summary>
    public void RecordSent(IReadOnlyList<SentRequest> requests)
    {
        if (requests.Count == 0)
            return;
        var now = Ms(_time.GetUtcNow().UtcDateTime);
        lock (_writes)
        using (var connection = Open())
        using (var transaction = connection.BeginTransaction())
        using (var insert = connection.CreateCommand())
        {
            insert.CommandText = """
                INSERT OR IGNORE INTO deliveries(endpoint, event_id, type, payload, queued_at, attempts, next_attempt, last_attempt, status, delivered_at, events)
                VALUES ($e, $i, $t, '', $now, 1, $now, $now, $status, $now, $n)
                """;
            var endpoint = insert.Parameters.Add("$e", SqliteType.Integer);
            var id = insert.Parameters.Add("$i", SqliteType.Text);
            var type = insert.Parameters.Add("$t", SqliteType.Text);
            var status = insert.Parameters.Add("$status", SqliteType.Integer);
            var events = insert.Parameters.Add("$n", SqliteType.Integer);
            insert.Parameters.AddWithValue("$now", now);
            foreach (var request in requests)
            {
                endpoint.Value = request.Endpoint;
                id.Value = request.Attempt.RequestId;
                type.Value = request.Type;
                status.Value = (object?)request.Attempt.Status ?? DBNull.Value;
                events.Value = request.Events;
                insert.ExecuteNonQuery();
            }
            transaction.Commit();
        }
    }

    /// <summary>Whether any event of the endpoint waits in the queue (then its new clicks queue behind it, in order).</summary>
    public bool HasPending(long endpoint)
    {
        using var connection = Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT EXISTS(SELECT 1 FROM deliveries WHERE endpoint = $endpoint AND delivered_at IS NULL)";
        select.Parameters.AddWithValue("$endpoint", endpoint);
        return (long)select.ExecuteScalar()! != 0;
    }

    /// <summary>Up to <paramref name="max"/> undelivered events of an endpoint whose next attempt is due, oldest first.</summary>
    public List<WebhookDelivery> Due(long endpoint, int max)
    {
        using var connection = Open();
        using var select = connection.CreateCommand();
        select.CommandText = $"""
            SELECT {Columns}, payload FROM deliveries
            WHERE endpoint = $endpoint AND delivered_at IS NULL AND next_attempt <= $now ORDER BY id LIMIT $max
            """;
        select.Parameters.AddWithValue("$endpoint", endpoint);
        select.Parameters.AddWithValue("$now", Ms(_time.GetUtcNow().UtcDateTime));
        select.Parameters.AddWithValue("$max", max);
        return Read(select, withPayload: true);
    }

    /// <summary>When the endpoint's next undelivered event is due; null when none waits.</summary>
    public DateTime? NextDue(long endpoint)
    {
        using var connection = Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT min(next_attempt) FROM deliveries WHERE endpoint = $endpoint AND delivered_at IS NULL";
        select.Parameters.AddWithValue("$endpoint", endpoint);
        return select.ExecuteScalar() is long ms ? FromMs(ms) : null;
    }

    /// <summary>The endpoint's latest deliveries, newest first: queued events, delivered or not, and requests sent from the spool.</summary>
    public List<WebhookDelivery> Recent(long endpoint, int max)
    {
        using var connection = Open();
        using var select = connection.CreateCommand();
        select.CommandText = $"SELECT {Columns} FROM deliveries WHERE endpoint = $endpoint ORDER BY id DESC LIMIT $max";
        select.Parameters.AddWithValue("$endpoint", endpoint);
        select.Parameters.AddWithValue("$max", max);
        return Read(select, withPayload: false);
    }

    /// <summary>Events of the endpoint not delivered yet.</summary>
    public long Pending(long endpoint)
    {
        using var connection = Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT count(*) FROM deliveries WHERE endpoint = $endpoint AND delivered_at IS NULL";
        select.Parameters.AddWithValue("$endpoint", endpoint);
        return (long)select.ExecuteScalar()!;
    }

    /// <summary>
    /// Records an attempt of these events: delivered (<paramref name="error"/> null) or failed, each failure doubling its
    /// event's wait. One UPDATE per number of earlier attempts (all the events of a request, as a rule), not one per event.
    /// </summary>
    public void RecordAttempt(IReadOnlyList<WebhookDelivery> deliveries, int? status, string? error)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        lock (_writes)
        {
            RecordAttempt(deliveries, status, error, now);
        }
    }

    private void RecordAttempt(IReadOnlyList<WebhookDelivery> deliveries, int? status, string? error, DateTime now)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        foreach (var group in deliveries.GroupBy(d => d.Attempts))
        {
            using var update = connection.CreateCommand();
            update.CommandText = $"""
                UPDATE deliveries SET attempts = attempts + 1, last_attempt = $now, status = $status, last_error = $error,
                    next_attempt = $next, delivered_at = $delivered
                WHERE id IN ({string.Join(", ", group.Select(d => d.Id.ToString(CultureInfo.InvariantCulture)))})
                """;
            update.Parameters.AddWithValue("$now", Ms(now));
            update.Parameters.AddWithValue("$status", (object?)status ?? DBNull.Value);
            update.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
            update.Parameters.AddWithValue("$delivered", error is null ? Ms(now) : DBNull.Value);
            update.Parameters.AddWithValue("$next", Ms(now + RetryDelay(group.Key + 1)));
            update.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <summary>The wait after an event's <paramref name="attempts"/>-th failed attempt: <see cref="WebhookOptions.RetryInitial"/> doubling up to <see cref="WebhookOptions.RetryMax"/>.</summary>
    public TimeSpan RetryDelay(int attempts)
    {
        var ticks = _options.RetryInitial.Ticks * Math.Pow(2, Math.Min(attempts - 1, 40));
        return TimeSpan.FromTicks((long)Math.Min(ticks, _options.RetryMax.Ticks));
    }

    /// <summary>Drops delivered events older than <see cref="WebhookOptions.KeepDelivered"/> and every event of endpoints no longer in the catalogue.</summary>
    public void Prune(IReadOnlyCollection<long> endpoints)
    {
        lock (_writes)
        {
            Prune(endpoints, _time.GetUtcNow().UtcDateTime);
        }
    }

    private void Prune(IReadOnlyCollection<long> endpoints, DateTime now)
    {
        using var connection = Open();
        using var delete = connection.CreateCommand();
        delete.CommandText = $"""
            DELETE FROM deliveries WHERE delivered_at < $before;
            DELETE FROM deliveries WHERE endpoint NOT IN ({string.Join(',', endpoints.Select(e => e.ToString(System.Globalization.CultureInfo.InvariantCulture)))});
            """;
        delete.Parameters.AddWithValue("$before", Ms(now - _options.KeepDelivered));
        delete.ExecuteNonQuery();
    }

    // A request sent from the spool has an empty payload, which is no JSON to read a link from.
    private const string Columns = """
        id, event_id, type, queued_at, attempts, next_attempt, last_attempt, status, last_error, delivered_at, events,
        CASE WHEN json_valid(payload) THEN json_extract(payload, '$.data.link.slug') END,
        CASE WHEN json_valid(payload) THEN json_extract(payload, '$.data.link.domain') END
        """;

    private static List<WebhookDelivery> Read(SqliteCommand select, bool withPayload)
    {
        var rows = new List<WebhookDelivery>();
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            rows.Add(new WebhookDelivery(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(10), FromMs(reader.GetInt64(3)), reader.GetInt32(4),
                reader.IsDBNull(9) ? FromMs(reader.GetInt64(5)) : null, reader.IsDBNull(6) ? null : FromMs(reader.GetInt64(6)), reader.IsDBNull(7) ? null : reader.GetInt32(7),
                reader.IsDBNull(8) ? null : reader.GetString(8), reader.IsDBNull(9) ? null : FromMs(reader.GetInt64(9)),
                reader.IsDBNull(11) ? null : new WebhookDeliveryLink(reader.GetString(11), reader.IsDBNull(12) ? null : reader.GetString(12)))
            {
                Payload = withPayload ? reader.GetString(13) : "",
            });
        }
        return rows;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // NORMAL keeps every committed row through a crash of the process (WAL); as with the spool, a power cut may cost the last moment.
        Execute(connection, "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;");
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static long Ms(DateTime utc) => new DateTimeOffset(utc, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static DateTime FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime;
}
