using DuckDB.NET.Data;
using Redirector.Clicks;
using Redirector.Events;

namespace Redirector.Tests.Events;

/// <summary>The embedded store on a real DuckDB file: one row per event, a batch stored once however often it comes.</summary>
public sealed class DuckDbEventStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("events-duckdb-").FullName;

    private string ConnectionString => $"Data Source={Path.Combine(_directory, "events.duckdb")}";

    internal static ClickBatch Batch(long sequence, int people = 3, int bots = 2, int views = 4)
    {
        var at = new DateTime(2026, 11, 22, 10, 0, 0, DateTimeKind.Utc);
        var person = new ClickGroup(Core.TestShapes.Make("20261122", 10, 7, isBot: false, (Dimensions.UtmSource, "facebook"), (Dimensions.DeviceType, "mobile")));
        for (var i = 0; i < people; i++)
            person.Add(at.AddSeconds(i), (ulong)(1000 + i));
        var bot = new ClickGroup(Core.TestShapes.Make("20261122", 10, 7, isBot: true, (Dimensions.DeviceType, "bot")));
        for (var i = 0; i < bots; i++)
            bot.Add(at.AddSeconds(i), null);
        return new ClickBatch("node-a", sequence, [person, bot], views > 0 ? [new PageViewCount("20261122", "https://blog.example.org/", views)] : []);
    }

    [Fact]
    public async Task Every_click_bot_and_view_is_one_row_and_a_batch_applied_twice_is_stored_once()
    {
        await using var store = new DuckDbEventStore(ConnectionString);
        await store.OpenAsync(CancellationToken.None);
        await store.AppendAsync(Batch(1), CancellationToken.None);
        // A crash between the insert and the cursor's save: the same batch comes again.
        await store.AppendAsync(Batch(1), CancellationToken.None);
        await store.AppendAsync(Batch(2), CancellationToken.None);
        Assert.Equal(2 * (3 + 2 + 4), await store.CountAsync(CancellationToken.None));

        var all = new EventQuery(new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc), null, EventFilter.None);
        var rows = new List<EventRow>();
        await foreach (var row in store.ReadEventsAsync(all, CancellationToken.None))
            rows.Add(row);
        Assert.Equal(18, rows.Count);
        Assert.Equal(18, rows.Select(r => (r.Node, r.Sequence, r.Index)).Distinct().Count());
        var people = rows.Where(r => r.Event == EventKinds.Click).ToList();
        Assert.Equal(6, people.Count);
        Assert.All(people, r => Assert.Equal("facebook", r.Values[EventColumns.Dimensions.ToList().FindIndex(c => c.Dimension == Dimensions.UtmSource)]));
        Assert.Equal(new ulong[] { 1000, 1001, 1002 }, people.Where(r => r.Sequence == 1).Select(r => r.Visitor!.Value).Order());
        Assert.All(rows.Where(r => r.Event == EventKinds.Bot), r => Assert.True(r.IsBot && r.Visitor is null));
        Assert.Equal(8, rows.Count(r => r.Event == EventKinds.View));

        var stats = await store.ReadStatsAsync(EventQuery.Days(new DateOnly(2026, 11, 22), new DateOnly(2026, 11, 22), 7, EventFilter.None), 100, CancellationToken.None);
        Assert.Equal(6, stats.Clicks);
        Assert.Equal(4, stats.Bots);
        Assert.Equal(3, stats.UniqueVisitors);
        // Bots are counted once, as bots: never a device type.
        Assert.Equal([("mobile", 6L)], stats[Dimensions.DeviceType].Select(k => (k.Key, k.Clicks)));
    }

    [Fact]
    public async Task A_table_made_before_a_dimension_was_added_gets_its_column_at_open_and_keeps_its_rows()
    {
        var language = EventColumns.Of(Dimensions.Language)!;
        await using (var store = new DuckDbEventStore(ConnectionString))
        {
            await store.OpenAsync(CancellationToken.None);
            await store.AppendAsync(Batch(1), CancellationToken.None);
        }
        using (var connection = new DuckDBConnection(ConnectionString))
        {
            connection.Open();
            using var drop = connection.CreateCommand();
            drop.CommandText = $"ALTER TABLE events DROP COLUMN {language}";
            drop.ExecuteNonQuery();
        }
        await using (var reopened = new DuckDbEventStore(ConnectionString))
        {
            await reopened.OpenAsync(CancellationToken.None);
            var batch = Batch(2, views: 0);
            batch.Groups[0].Shape.Values[Dimensions.Language.Index] = "de";
            await reopened.AppendAsync(batch, CancellationToken.None);
            var german = new EventFilter([new DimensionFilter(Dimensions.Language, ["de"], [])]);
            var stats = await reopened.ReadStatsAsync(EventQuery.Days(new DateOnly(2026, 11, 22), new DateOnly(2026, 11, 22), null, german), 100, CancellationToken.None);
            Assert.Equal(3, stats.Clicks);
            Assert.Equal(9 + 5, await reopened.CountAsync(CancellationToken.None));
        }
    }

    [Fact]
    public async Task After_a_restart_the_last_batch_and_older_ones_replayed_are_skipped_per_node_and_newer_ones_stored()
    {
        await using (var store = new DuckDbEventStore(ConnectionString))
        {
            await store.OpenAsync(CancellationToken.None);
            await store.AppendAsync(Batch(1), CancellationToken.None);
            await store.AppendAsync(Batch(2), CancellationToken.None);
        }
        // A crash between the append and the cursor's save: the new process is given batch 2 again (and, were the
        // cursor older, batch 1); another node's batch with a lower sequence is its own and is stored.
        await using var reopened = new DuckDbEventStore(ConnectionString);
        await reopened.OpenAsync(CancellationToken.None);
        await reopened.AppendAsync(Batch(2), CancellationToken.None);
        await reopened.AppendAsync(Batch(1), CancellationToken.None);
        Assert.Equal(2 * 9, await reopened.CountAsync(CancellationToken.None));
        var other = Batch(1);
        await reopened.AppendAsync(new ClickBatch("node-b", 1, other.Groups, other.PageViews), CancellationToken.None);
        await reopened.AppendAsync(Batch(3), CancellationToken.None);
        Assert.Equal(4 * 9, await reopened.CountAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Several_batches_in_one_append_are_stored_once_each_and_a_replayed_group_stores_only_its_new_batches()
    {
        static ClickBatch Of(string node, ClickBatch batch) => new(node, batch.Sequence, batch.Groups, batch.PageViews);
        await using (var store = new DuckDbEventStore(ConnectionString))
        {
            await store.OpenAsync(CancellationToken.None);
            await store.AppendAsync([Batch(1), Of("node-b", Batch(7)), Batch(2)], CancellationToken.None);
            Assert.Equal(3 * 9, await store.CountAsync(CancellationToken.None));
        }
        // A crash after the append and before the cursor's save: the restarted consumer reads the same batches
        // again, now with newer ones behind them in the same append.
        await using var reopened = new DuckDbEventStore(ConnectionString);
        await reopened.OpenAsync(CancellationToken.None);
        await reopened.AppendAsync([Batch(2), Of("node-b", Batch(7)), Batch(3), Of("node-b", Batch(8)), Batch(4)], CancellationToken.None);
        Assert.Equal(6 * 9, await reopened.CountAsync(CancellationToken.None));
        await reopened.AppendAsync([Batch(3), Batch(4)], CancellationToken.None);
        Assert.Equal(6 * 9, await reopened.CountAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Values_read_back_as_written_an_empty_one_empty_and_a_missing_one_null()
    {
        await using var store = new DuckDbEventStore(ConnectionString);
        await store.OpenAsync(CancellationToken.None);
        var batch = Batch(1, people: 2, bots: 0, views: 0);
        batch.Groups[0].Shape.Values[Dimensions.UtmTerm.Index] = "";
        batch.Groups[0].Shape.Values[Dimensions.UtmContent.Index] = "größe 😀";
        await store.AppendAsync(batch, CancellationToken.None);
        var query = EventQuery.Days(new DateOnly(2026, 11, 22), new DateOnly(2026, 11, 22), null, new EventFilter([]));
        var rows = new List<EventRow>();
        await foreach (var row in store.ReadEventsAsync(query, CancellationToken.None))
            rows.Add(row);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, row =>
        {
            Assert.Equal("", row.Values[Column(Dimensions.UtmTerm)]);
            Assert.Equal("größe 😀", row.Values[Column(Dimensions.UtmContent)]);
            Assert.Equal("facebook", row.Values[Column(Dimensions.UtmSource)]);
            Assert.Null(row.Values[Column(Dimensions.UtmCampaign)]);
            Assert.Equal(EventKinds.Click, row.Event);
            Assert.Equal("node-a", row.Node);
        });

        static int Column(Dimension dimension) => EventColumns.Dimensions.Select(c => c.Dimension).ToList().IndexOf(dimension);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
