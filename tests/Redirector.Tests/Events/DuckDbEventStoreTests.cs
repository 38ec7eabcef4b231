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
            drop.CommandText = $"ALTER TABLE event_shapes DROP COLUMN {language}";
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
    }

    [Fact]
    public async Task An_append_larger_than_one_data_chunk_reads_back_event_by_event()
    {
        // 5,200 events: DuckDB takes them in data chunks of 2,048 rows, so values, nulls and visitors cross chunk borders.
        await using var store = new DuckDbEventStore(ConnectionString);
        await store.OpenAsync(CancellationToken.None);
        await store.AppendAsync([Batch(1, people: 3000, bots: 1500, views: 700)], CancellationToken.None);
        var rows = (await ReadAllAsync(store)).OrderBy(r => r.Index).ToList();
        Assert.Equal(Enumerable.Range(0, 5200), rows.Select(r => r.Index));
        var at = new DateTime(2026, 11, 22, 10, 0, 0, DateTimeKind.Utc);
        var device = EventColumns.Dimensions.ToList().FindIndex(c => c.Dimension == Dimensions.DeviceType);
        var page = EventColumns.Dimensions.ToList().FindIndex(c => c.Dimension == Dimensions.SourcePage);
        Assert.All(rows.Take(3000), r =>
        {
            Assert.Equal((EventKinds.Click, false, (ulong?)(1000UL + (ulong)r.Index), at.AddSeconds(r.Index)), (r.Event, r.IsBot, r.Visitor, r.Time));
            Assert.Equal(("facebook", "mobile", (string?)null), (Source(r), r.Values[device], r.Values[page]));
        });
        Assert.All(rows.Skip(3000).Take(1500), r =>
        {
            Assert.Equal((EventKinds.Bot, true, (ulong?)null, at.AddSeconds(r.Index - 3000)), (r.Event, r.IsBot, r.Visitor, r.Time));
            Assert.Equal(((string?)null, "bot"), (Source(r), r.Values[device]));
        });
        Assert.All(rows.Skip(4500), r =>
        {
            Assert.Equal((EventKinds.View, (ulong?)null, at.Date), (r.Event, r.Visitor, r.Time));
            Assert.Equal(((string?)null, (string?)null, "https://blog.example.org/"), (Source(r), r.Values[device], r.Values[page]));
        });
    }

    [Fact]
    public async Task A_column_of_a_dimension_removed_since_is_left_null_and_one_of_another_type_is_refused_without_storing_anything()
    {
        await using (var store = new DuckDbEventStore(ConnectionString))
        {
            await store.OpenAsync(CancellationToken.None);
            await store.AppendAsync(Batch(1), CancellationToken.None);
        }
        Execute("ALTER TABLE event_shapes ADD COLUMN removed_since INTEGER");
        await using (var reopened = new DuckDbEventStore(ConnectionString))
        {
            await reopened.OpenAsync(CancellationToken.None);
            await reopened.AppendAsync(Batch(2), CancellationToken.None);
        }
        Assert.Equal(18L, Scalar<long>("SELECT count(*) FROM events"));
        Assert.Equal(0L, Scalar<long>("SELECT count(removed_since) FROM event_shapes"));

        // The store writes each column's memory as the type it made it: another type is refused, never written.
        Execute("ALTER TABLE event_shapes ADD COLUMN wider BIGINT");
        await using (var reopened = new DuckDbEventStore(ConnectionString))
        {
            await reopened.OpenAsync(CancellationToken.None);
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => reopened.AppendAsync(Batch(3), CancellationToken.None));
            Assert.Contains("BigInt", error.Message);
            Assert.Equal(18L, await reopened.CountAsync(CancellationToken.None));
        }
    }

    private static readonly EventQuery November = new(new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc), null, EventFilter.None);

    private static readonly EventQuery Day22 = EventQuery.Days(new DateOnly(2026, 11, 22), new DateOnly(2026, 11, 22), null, EventFilter.None);

    private static ClickBatch WithSource(long sequence, string source)
    {
        var batch = Batch(sequence, bots: 0, views: 0);
        batch.Groups[0].Shape.Values[Dimensions.UtmSource.Index] = source;
        return batch;
    }

    private static async Task<List<EventRow>> ReadAllAsync(EventStore store)
    {
        var rows = new List<EventRow>();
        await foreach (var row in store.ReadEventsAsync(November, CancellationToken.None))
            rows.Add(row);
        return rows;
    }

    private static string? Source(EventRow row) => row.Values[EventColumns.Dimensions.ToList().FindIndex(c => c.Dimension == Dimensions.UtmSource)];

    private T Run<T>(string sql, Func<DuckDBCommand, T> run)
    {
        using var connection = new DuckDBConnection(ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return run(command);
    }

    private T Scalar<T>(string sql) => Run(sql, c => (T)Convert.ChangeType(c.ExecuteScalar()!, typeof(T), System.Globalization.CultureInfo.InvariantCulture));

    private void Execute(string sql) => Run(sql, c => c.ExecuteNonQuery());

    /// <summary>A process that stores one batch per UTM source (sequences 1, 2...) and stops.</summary>
    private async Task AppendThenCloseAsync(params string[] sources)
    {
        await using var store = new DuckDbEventStore(ConnectionString);
        await store.OpenAsync(CancellationToken.None);
        for (var i = 0; i < sources.Length; i++)
            await store.AppendAsync(WithSource(i + 1, sources[i]), CancellationToken.None);
    }

    [Fact]
    public async Task Values_are_stored_once_as_codes_and_one_first_seen_after_a_restart_gets_a_new_code()
    {
        await AppendThenCloseAsync("facebook", "facebook");
        var column = EventColumns.Of(Dimensions.UtmSource)!;
        Assert.Equal("INTEGER", Scalar<string>($"SELECT data_type FROM information_schema.columns WHERE table_name = 'events' AND column_name = '{column}'"));
        Assert.Equal(1, Scalar<long>("SELECT count(*) FROM event_values WHERE value = 'facebook'"));
        var before = Scalar<long>("SELECT max(code) FROM event_values");

        await using var reopened = new DuckDbEventStore(ConnectionString);
        await reopened.OpenAsync(CancellationToken.None);
        await reopened.AppendAsync(WithSource(3, "newsletter"), CancellationToken.None);
        await reopened.AppendAsync(WithSource(4, "facebook"), CancellationToken.None);
        Assert.True(Scalar<long>("SELECT code FROM event_values WHERE value = 'newsletter'") > before);
        Assert.Equal(0, Scalar<long>("SELECT count(*) - count(DISTINCT value) FROM event_values"));

        var rows = await ReadAllAsync(reopened);
        Assert.Equal([("facebook", 9), ("newsletter", 3)], rows.GroupBy(Source).Select(g => (g.Key, g.Count())).OrderBy(g => g.Key));
        Assert.All(rows, r => Assert.Equal(("node-a", EventKinds.Click), (r.Node, r.Event)));
        Assert.Equal([3L], rows.Where(r => Source(r) == "newsletter").Select(r => r.Sequence).Distinct());
        var stats = await reopened.ReadStatsAsync(Day22 with { Filter = new([new DimensionFilter(Dimensions.DeviceType, ["mobile"], [])]) }, 100, CancellationToken.None);
        Assert.Equal([("facebook", 9L), ("newsletter", 3L)], stats[Dimensions.UtmSource].Select(k => (k.Key, k.Clicks)));
    }

    [Fact]
    public async Task A_filter_on_a_value_never_stored_matches_nothing_and_excluding_it_keeps_everything()
    {
        await using var store = new DuckDbEventStore(ConnectionString);
        await store.OpenAsync(CancellationToken.None);
        await store.AppendAsync(WithSource(1, "facebook"), CancellationToken.None);
        var never = new DimensionFilter(Dimensions.UtmSource, ["never-seen"], []);
        Assert.Equal(0, (await store.ReadStatsAsync(Day22 with { Filter = new([never]) }, 100, CancellationToken.None)).Clicks);
        // An OR with a stored value keeps that value's clicks; an exclusion of the unknown one removes none.
        var either = new DimensionFilter(Dimensions.UtmSource, ["never-seen", "facebook"], []);
        Assert.Equal(3, (await store.ReadStatsAsync(Day22 with { Filter = new([either]) }, 100, CancellationToken.None)).Clicks);
        var notIt = new DimensionFilter(Dimensions.UtmSource, [], ["never-seen"]);
        Assert.Equal(3, (await store.ReadStatsAsync(Day22 with { Filter = new([notIt]) }, 100, CancellationToken.None)).Clicks);
        var rows = new List<EventRow>();
        await foreach (var row in store.ReadEventsAsync(Day22 with { Filter = new([never]) }, CancellationToken.None))
            rows.Add(row);
        Assert.Empty(rows);
        // A link never clicked, or a kind of event never stored (no bots yet), counts nothing either.
        var unclicked = await store.ReadStatsAsync(Day22 with { LinkId = 999_999 }, 100, CancellationToken.None);
        Assert.Equal((0L, 0L), (unclicked.Clicks, unclicked.Bots));
    }

    [Fact]
    public async Task Events_of_one_shape_store_it_once_and_a_shape_no_longer_held_is_stored_again_without_changing_any_count()
    {
        await using (var store = new DuckDbEventStore(ConnectionString))
        {
            await store.OpenAsync(CancellationToken.None);
            await store.AppendAsync(Batch(1), CancellationToken.None);
            await store.AppendAsync(Batch(2), CancellationToken.None);
            // People, bots and the page's views: three shapes for 18 events.
            Assert.Equal((18L, 3L), (Scalar<long>("SELECT count(*) FROM event_rows"), Scalar<long>("SELECT count(*) FROM event_shapes")));

            // Held no longer (a cap of one, as when 100,000 others came since): each is stored under a new number.
            store.MaxHeldShapes = 1;
            await store.AppendAsync(WithSource(3, "facebook"), CancellationToken.None);
            await store.AppendAsync(WithSource(4, "newsletter"), CancellationToken.None);
        }
        await using var reopened = new DuckDbEventStore(ConnectionString);
        await reopened.OpenAsync(CancellationToken.None);
        await reopened.AppendAsync(WithSource(5, "facebook"), CancellationToken.None);
        Assert.Equal(0L, Scalar<long>("SELECT count(*) - count(DISTINCT shape) FROM event_shapes"));
        Assert.Equal(6L, Scalar<long>("SELECT count(*) FROM event_shapes"));
        Assert.Equal(0L, Scalar<long>("SELECT count(*) FROM event_rows r WHERE NOT EXISTS (SELECT 1 FROM event_shapes s WHERE s.shape = r.shape)"));

        Assert.Equal(27L, await reopened.CountAsync(CancellationToken.None));
        var rows = await ReadAllAsync(reopened);
        Assert.Equal(27, rows.Count);
        Assert.Equal([("facebook", 12), ("newsletter", 3)], rows.Where(r => r.Event == EventKinds.Click).GroupBy(Source).Select(g => (g.Key, g.Count())).OrderBy(g => g.Key));
        var stats = await reopened.ReadStatsAsync(Day22 with { Filter = new([new DimensionFilter(Dimensions.UtmSource, ["facebook"], [])]) }, 100, CancellationToken.None);
        Assert.Equal((12L, 0L), (stats.Clicks, stats.Bots));
        Assert.Equal([("mobile", 12L)], stats[Dimensions.DeviceType].Select(k => (k.Key, k.Clicks)));
    }

    [Fact]
    public async Task Values_stored_by_an_append_whose_events_were_lost_are_reused_when_the_batch_comes_again()
    {
        await AppendThenCloseAsync("facebook", "newsletter");
        // The state a crash leaves between the two transactions of an append: the new value's row, no events of it.
        Execute("DELETE FROM event_rows WHERE sequence = 2");
        await using var reopened = new DuckDbEventStore(ConnectionString);
        await reopened.OpenAsync(CancellationToken.None);
        Assert.Equal(3, await reopened.CountAsync(CancellationToken.None));
        await reopened.AppendAsync(WithSource(2, "newsletter"), CancellationToken.None);
        await reopened.AppendAsync(WithSource(3, "google"), CancellationToken.None);
        Assert.Equal(0, Scalar<long>("SELECT count(*) - count(DISTINCT value) FROM event_values"));
        Assert.Equal(0, Scalar<long>("SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM event_values v WHERE v.code = e.utm_source)"));
        var rows = await ReadAllAsync(reopened);
        Assert.Equal([(1L, "facebook"), (2L, "newsletter"), (3L, "google")], rows.Select(r => (r.Sequence, Source(r))).Distinct());
        Assert.Equal(9, rows.Count);
    }

    [Fact]
    public async Task A_file_with_the_events_in_one_wide_table_is_refused_with_a_clear_error()
    {
        Execute("CREATE TABLE events (time TIMESTAMP NOT NULL, node INTEGER NOT NULL, sequence BIGINT NOT NULL, idx INTEGER NOT NULL, event INTEGER NOT NULL, is_bot BOOLEAN NOT NULL, visitor UBIGINT, utm_source INTEGER)");
        await using var store = new DuckDbEventStore(ConnectionString);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.OpenAsync(CancellationToken.None));
        Assert.Contains("one wide table", error.Message);
        Assert.Contains("new file", error.Message);
    }

    /// <summary>Three clicks at 23:30 UTC on 22 November: the 23rd at 00:30 in Berlin, the 22nd in UTC.</summary>
    internal static async Task DaysAndHoursFollowTheTimeZoneAsync(EventStore store)
    {
        var late = new ClickGroup(Core.TestShapes.Make("20261122", 23, 7, isBot: false, (Dimensions.UtmSource, "facebook")));
        for (var i = 0; i < 3; i++)
            late.Add(new DateTime(2026, 11, 22, 23, 30, i, DateTimeKind.Utc), (ulong)(2000 + i));
        await store.AppendAsync(new ClickBatch("node-z", 1, [late], []), CancellationToken.None);
        var facebook = new EventFilter([new DimensionFilter(Dimensions.UtmSource, ["facebook"], [])]);
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

        var inBerlin = await store.ReadStatsAsync(EventQuery.Days(new DateOnly(2026, 11, 22), new DateOnly(2026, 11, 23), null, facebook, berlin), 100, CancellationToken.None);
        Assert.Equal([("2026-11-22", 0L), ("2026-11-23", 3L)], inBerlin.ByDay.Select(d => (d.Date, d.Clicks)));
        Assert.Equal(3, inBerlin.ByHour.Single(h => h.Hour == "00").Clicks);
        var inUtc = await store.ReadStatsAsync(EventQuery.Days(new DateOnly(2026, 11, 22), new DateOnly(2026, 11, 23), null, facebook), 100, CancellationToken.None);
        Assert.Equal([("2026-11-22", 3L), ("2026-11-23", 0L)], inUtc.ByDay.Select(d => (d.Date, d.Clicks)));
        Assert.Equal(3, inUtc.ByHour.Single(h => h.Hour == "23").Clicks);
        // The 23rd alone in Berlin starts at 23:00 UTC on the 22nd, so it holds them; in UTC it does not.
        Assert.Equal(3, (await store.ReadStatsAsync(EventQuery.Days(new DateOnly(2026, 11, 23), new DateOnly(2026, 11, 23), null, facebook, berlin), 100, CancellationToken.None)).Clicks);
        Assert.Equal(0, (await store.ReadStatsAsync(EventQuery.Days(new DateOnly(2026, 11, 23), new DateOnly(2026, 11, 23), null, facebook), 100, CancellationToken.None)).Clicks);
    }

    [Fact]
    public async Task A_click_at_23_30_UTC_counts_on_the_next_day_in_Berlin()
    {
        await using var store = new DuckDbEventStore(ConnectionString);
        await store.OpenAsync(CancellationToken.None);
        await DaysAndHoursFollowTheTimeZoneAsync(store);
    }

    [Fact]
    public async Task Counting_a_few_events_in_process_answers_exactly_what_the_sql_groupings_answer()
    {
        await using var store = new DuckDbEventStore(ConnectionString);
        await store.OpenAsync(CancellationToken.None);
        var random = new Random(20261130);
        string? Pick(params string?[] values) => values[random.Next(values.Length)];
        var start = new DateTime(2026, 11, 20, 0, 0, 0, DateTimeKind.Utc);
        for (var sequence = 1; sequence <= 20; sequence++)
        {
            var groups = new List<ClickGroup>();
            for (var g = 0; g < 12; g++)
            {
                var isBot = random.Next(5) == 0;
                var target = Pick("https://shop.example.com/a", "https://shop.example.com/b", null);
                var shape = Core.TestShapes.Make("20261120", 0, 7 + random.Next(3), isBot,
                    (Dimensions.UtmSource, Pick("facebook", "google", null)), (Dimensions.DeviceType, isBot ? "bot" : Pick("mobile", "desktop")),
                    (Dimensions.Country, Pick("DE", "US", "(unknown)")), (Dimensions.BotKind, isBot ? Pick("crawler", "scanner") : null),
                    (Dimensions.TargetUrl, target), (Dimensions.LinkText, target is null ? null : Pick("Buy", "More")),
                    (Dimensions.SourcePage, Pick("https://blog.example.org/", null)));
                var group = new ClickGroup(shape);
                for (var i = random.Next(1, 6); i > 0; i--)
                    group.Add(start.AddMinutes(random.Next(5 * 24 * 60)), isBot ? null : (ulong)random.Next(40));
                groups.Add(group);
            }
            await store.AppendAsync(new ClickBatch("node-a", sequence, groups, [new PageViewCount("20261121", Pick("https://blog.example.org/", "https://blog.example.org/x")!, random.Next(1, 4))]),
                CancellationToken.None);
        }
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var losAngeles = TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles");
        var facebook = new EventFilter([new DimensionFilter(Dimensions.UtmSource, ["facebook"], [])]);
        var notUs = new EventFilter([new DimensionFilter(Dimensions.Country, [], ["US"])]);
        EventQuery[] queries =
        [
            November, November with { LinkId = 8 }, November with { Filter = facebook }, November with { LinkId = 7, Filter = notUs },
            EventQuery.Days(new DateOnly(2026, 11, 22), new DateOnly(2026, 11, 22), null, EventFilter.None, berlin),
            EventQuery.Days(new DateOnly(2026, 11, 21), new DateOnly(2026, 11, 23), 9, facebook, losAngeles),
        ];
        foreach (var query in queries)
        {
            store.CountInProcessUpTo = 10_000;
            var inProcess = await store.ReadStatsAsync(query, 100, CancellationToken.None);
            store.CountInProcessUpTo = 0;
            var grouped = await store.ReadStatsAsync(query, 100, CancellationToken.None);
            // Above the bound the store falls back to the groupings.
            store.CountInProcessUpTo = 5;
            var fallenBack = await store.ReadStatsAsync(query, 100, CancellationToken.None);
            Assert.True(inProcess.Clicks > 0, $"a query of nothing proves nothing: {query}");
            foreach (var other in new[] { grouped, fallenBack })
            {
                Assert.Equal((other.Clicks, other.Bots, other.UniqueVisitors), (inProcess.Clicks, inProcess.Bots, inProcess.UniqueVisitors));
                Assert.Equal(other.ByDay, inProcess.ByDay);
                Assert.Equal(other.ByHour, inProcess.ByHour);
                Assert.Equal(other.Breakdowns.Keys.Select(d => d.Name).Order(), inProcess.Breakdowns.Keys.Select(d => d.Name).Order());
                foreach (var (dimension, counts) in other.Breakdowns)
                    Assert.Equal(counts, inProcess.Breakdowns[dimension]);
            }
        }
    }

    private const int SmallCapacity = 50;

    private static string ReferrerOf(int n) => $"https://news.example.org/{n}/story";

    private static string PageOf(int n) => $"https://blog.example.org/post-{n / 2}";

    /// <summary>One click per n in [from, from + count): referrer n, source page n / 2 (each twice), link n % 7 + 1.</summary>
    private static ClickBatch DistinctValues(long sequence, int from, int count)
    {
        var at = new DateTime(2026, 11, 22, 10, 0, 0, DateTimeKind.Utc);
        var groups = new List<ClickGroup>();
        for (var n = from; n < from + count; n++)
        {
            var group = new ClickGroup(Core.TestShapes.Make("20261122", 10, n % 7 + 1, isBot: false,
                (Dimensions.Referrer, ReferrerOf(n)), (Dimensions.SourcePage, PageOf(n)), (Dimensions.UtmSource, "facebook")));
            group.Add(at.AddMilliseconds(n), (ulong)n);
            groups.Add(group);
        }
        return new ClickBatch("node-a", sequence, groups, []);
    }

    [Fact]
    public async Task Thousands_of_distinct_values_through_a_small_value_map_read_back_exactly_across_a_restart()
    {
        // Each click of an append is (sequence, index) -> its n; 4 appends of 1,000 new referrers, then after a
        // restart 2 appends of 1,000 each: the first half of them values stored before the restart, the rest new.
        var expected = new Dictionary<(long, int), int>();
        var appends = new (long Sequence, int From)[] { (1, 0), (2, 1000), (3, 2000), (4, 3000), (5, 2500), (6, 3500) };
        await using (var store = new DuckDbEventStore(ConnectionString, SmallCapacity))
        {
            await store.OpenAsync(CancellationToken.None);
            foreach (var (sequence, from) in appends.Take(4))
                await AppendDistinctAsync(store, sequence, from);
        }
        // As a file made before the index on value: the store makes it when it opens.
        Execute("DROP INDEX event_values_value");
        await using var reopened = new DuckDbEventStore(ConnectionString, SmallCapacity);
        await reopened.OpenAsync(CancellationToken.None);
        foreach (var (sequence, from) in appends.Skip(4))
            await AppendDistinctAsync(reopened, sequence, from);
        Assert.Equal(1L, Scalar<long>("SELECT count(*) FROM duckdb_indexes() WHERE index_name = 'event_values_value' AND table_name = 'event_values'"));

        var rows = await ReadAllAsync(reopened);
        AssertBounded(reopened);
        Assert.Equal(6000, rows.Count);
        var referrer = Column(Dimensions.Referrer);
        var page = Column(Dimensions.SourcePage);
        var link = Column(Dimensions.Link);
        Assert.All(rows, r =>
        {
            var n = expected[(r.Sequence, r.Index)];
            Assert.Equal((ReferrerOf(n), PageOf(n), (n % 7 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), "facebook"),
                (r.Values[referrer], r.Values[page], r.Values[link], Source(r)));
            Assert.Equal(("node-a", EventKinds.Click, (ulong?)(ulong)n), (r.Node, r.Event, r.Visitor));
        });
        Assert.Equal(6000, rows.Select(r => (r.Sequence, r.Index)).Distinct().Count());

        // Referrers 2500-3999 came before and after the restart: twice each; 0-2499 and 4000-4499 once. Pages pair them up.
        var referrerCounts = expected.Values.GroupBy(ReferrerOf).ToDictionary(g => g.Key, g => (long)g.Count());
        var pageCounts = expected.Values.GroupBy(PageOf).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(4500, referrerCounts.Count);
        foreach (var inProcess in new[] { 10_000, 0 })
        {
            reopened.CountInProcessUpTo = inProcess;
            var stats = await reopened.ReadStatsAsync(Day22, 100_000, CancellationToken.None);
            Assert.Equal(6000, stats.Clicks);
            Assert.Equal(referrerCounts.OrderBy(c => c.Key, StringComparer.Ordinal), stats[Dimensions.Referrer].Select(k => KeyValuePair.Create(k.Key, k.Clicks)).OrderBy(c => c.Key, StringComparer.Ordinal));
            Assert.Equal(pageCounts.OrderBy(c => c.Key, StringComparer.Ordinal), stats[Dimensions.SourcePage].Select(k => KeyValuePair.Create(k.Key, k.Clicks)).OrderBy(c => c.Key, StringComparer.Ordinal));
            // By a value stored only before the restart, one stored on both sides of it, and one new after it.
            foreach (var (n, clicks) in new[] { (10, 1L), (3100, 2L), (4400, 1L) })
            {
                var byReferrer = new EventFilter([new DimensionFilter(Dimensions.Referrer, [ReferrerOf(n)], [])]);
                var one = await reopened.ReadStatsAsync(Day22 with { Filter = byReferrer }, 100, CancellationToken.None);
                Assert.Equal(clicks, one.Clicks);
                Assert.Equal([(PageOf(n), clicks)], one[Dimensions.SourcePage].Select(k => (k.Key, k.Clicks)));
                var exported = new List<EventRow>();
                await foreach (var row in reopened.ReadEventsAsync(November with { Filter = byReferrer }, CancellationToken.None))
                    exported.Add(row);
                Assert.Equal(Enumerable.Repeat(ReferrerOf(n), (int)clicks), exported.Select(r => r.Values[referrer]));
            }
            var byPage = new EventFilter([new DimensionFilter(Dimensions.SourcePage, [PageOf(4400)], [])]);
            Assert.Equal(2, (await reopened.ReadStatsAsync(Day22 with { Filter = byPage }, 100, CancellationToken.None)).Clicks);
            AssertBounded(reopened);
        }

        // Every value once, every code once, and every event's codes have their value.
        Assert.Equal(0L, Scalar<long>("SELECT count(*) - count(DISTINCT value) FROM event_values"));
        Assert.Equal(0L, Scalar<long>("SELECT count(*) - count(DISTINCT code) FROM event_values"));
        Assert.Equal(4500L, Scalar<long>("SELECT count(*) FROM event_values WHERE value LIKE 'https://news.example.org/%'"));
        Assert.Equal(0L, Scalar<long>($"SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM event_values v WHERE v.code = e.{EventColumns.Of(Dimensions.Referrer)})"));

        async Task AppendDistinctAsync(DuckDbEventStore store, long sequence, int from)
        {
            // In two batches of one append each: values met twice within an append, across appends, across the restart.
            await store.AppendAsync([DistinctValues(sequence * 2 - 1, from, 500), DistinctValues(sequence * 2, from + 500, 500)], CancellationToken.None);
            for (var i = 0; i < 500; i++)
            {
                expected[(sequence * 2 - 1, i)] = from + i;
                expected[(sequence * 2, i)] = from + 500 + i;
            }
            AssertBounded(store);
        }
    }

    [Fact]
    public async Task An_append_whose_new_values_fail_to_store_stores_nothing_and_its_retry_codes_them_anew()
    {
        await using var store = new DuckDbEventStore(ConnectionString, SmallCapacity);
        await store.OpenAsync(CancellationToken.None);
        await store.AppendAsync(WithSource(1, "facebook"), CancellationToken.None);
        // Another writer took the code the store gives next: its insert of the new value fails.
        Execute("INSERT INTO event_values SELECT max(code) + 1, 'taken' FROM event_values");
        await Assert.ThrowsAnyAsync<Exception>(() => store.AppendAsync(WithSource(2, "newsletter"), CancellationToken.None));
        Assert.Equal(3, await store.CountAsync(CancellationToken.None));
        Assert.Equal(0L, Scalar<long>("SELECT count(*) FROM event_values WHERE value = 'newsletter'"));

        // The map holds no code the file lacks: the retry gives the value a code of its own.
        await store.AppendAsync(WithSource(2, "newsletter"), CancellationToken.None);
        await store.AppendAsync(WithSource(3, "newsletter"), CancellationToken.None);
        var rows = await ReadAllAsync(store);
        Assert.Equal([(1L, "facebook"), (2L, "newsletter"), (3L, "newsletter")], rows.Select(r => (r.Sequence, Source(r))).Distinct());
        Assert.Equal(9, rows.Count);
        Assert.Equal(0L, Scalar<long>("SELECT count(*) - count(DISTINCT value) FROM event_values"));
    }

    [Fact]
    public async Task A_value_a_query_found_never_stored_is_found_once_an_append_stores_it()
    {
        await using var store = new DuckDbEventStore(ConnectionString, SmallCapacity);
        await store.OpenAsync(CancellationToken.None);
        await store.AppendAsync(WithSource(1, "facebook"), CancellationToken.None);
        var newsletter = Day22 with { Filter = new([new DimensionFilter(Dimensions.UtmSource, ["newsletter"], [])]) };
        // Asked for before it exists (no bots either): the queries remember the absence only until values are added.
        Assert.Equal((0L, 0L), ((await store.ReadStatsAsync(newsletter, 100, CancellationToken.None)).Clicks, (await store.ReadStatsAsync(Day22, 100, CancellationToken.None)).Bots));
        await store.AppendAsync(WithSource(2, "newsletter"), CancellationToken.None);
        await store.AppendAsync(Batch(3), CancellationToken.None);
        Assert.Equal(3, (await store.ReadStatsAsync(newsletter, 100, CancellationToken.None)).Clicks);
        Assert.Equal(2, (await store.ReadStatsAsync(Day22, 100, CancellationToken.None)).Bots);
    }

    [Fact]
    public async Task A_value_map_capacity_below_the_minimum_stops_start_up_naming_the_setting()
    {
        await using var app = new Infrastructure.RedirectorApplication(settings: new Dictionary<string, string?> { ["Events:CachedValueCodes"] = "5" });
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => app.Services);
        Assert.Contains(nameof(EventsOptions.CachedValueCodes), error.Message, StringComparison.Ordinal);
    }

    private static void AssertBounded(DuckDbEventStore store)
    {
        var (writer, queries) = store.CodesInMemory;
        Assert.InRange(writer, 1, SmallCapacity);
        Assert.InRange(queries, 0, SmallCapacity);
    }

    private static int Column(Dimension dimension) => EventColumns.Dimensions.Select(c => c.Dimension).ToList().IndexOf(dimension);

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
