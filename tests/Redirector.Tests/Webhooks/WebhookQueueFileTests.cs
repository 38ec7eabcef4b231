using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Redirector.Clicks;
using Redirector.Webhooks;

namespace Redirector.Tests.Webhooks;

/// <summary>A queue file written before requests were sent from the spool opens, keeps its events and takes new rows.</summary>
public sealed class WebhookQueueFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("webhook-queue-").FullName;

    [Fact]
    public void A_queue_file_without_the_events_column_keeps_its_waiting_events_and_records_sent_requests()
    {
        using (var old = new SqliteConnection($"Data Source={Path.Combine(_directory, "webhooks.db")};Pooling=false"))
        {
            old.Open();
            using var create = old.CreateCommand();
            create.CommandText = """
                CREATE TABLE deliveries(id INTEGER PRIMARY KEY, endpoint INTEGER NOT NULL, event_id TEXT NOT NULL, type TEXT NOT NULL,
                    payload TEXT NOT NULL, queued_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt INTEGER NOT NULL,
                    last_attempt INTEGER, status INTEGER, last_error TEXT, delivered_at INTEGER, UNIQUE(endpoint, event_id));
                INSERT INTO deliveries(endpoint, event_id, type, payload, queued_at, next_attempt) VALUES (7, 'clk_a_1_0', 'link.clicked', '{}', 0, 0);
                """;
            create.ExecuteNonQuery();
        }

        var queue = new WebhookQueue(Options.Create(new AnalyticsOptions { DataDirectory = _directory }), Options.Create(new WebhookOptions()), TimeProvider.System);
        Assert.Equal(1, queue.Pending(7));
        var waiting = Assert.Single(queue.Recent(7, 10));
        Assert.Equal(("clk_a_1_0", 1), (waiting.EventId, waiting.Events));
        queue.RecordSent([new SentRequest(7, WebhookEventTypes.LinkClicked, 25, new WebhookAttempt("batch_x", 204, null))]);
        Assert.Equal([25, 1], queue.Recent(7, 10).Select(d => d.Events).Order().Reverse());
        Assert.Equal(1, queue.Pending(7));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
