using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Redirector.Clicks;

namespace Redirector.Tests.Core;

/// <summary>A click's shape with the given values, the others unset: what the enricher would make of such a click.</summary>
internal static class TestShapes
{
    public static ClickShape Make(string day, int hour, long? link, bool isBot, params (Dimension Dimension, string? Value)[] values)
    {
        var all = new string?[Dimensions.Count];
        if (link is { } id)
            all[Dimensions.Link.Index] = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (dimension, value) in values)
            all[dimension.Index] = value;
        return new ClickShape(day, hour, link, isBot, all);
    }
}

/// <summary>Pre-aggregation: Redis work grows with distinct values, not with clicks.</summary>
public sealed class ClickBatchBuilderTests
{
    private static readonly StatsKeys Keys = new(Options.Create(new RedisOptions()));

    private static Click ClickOn(long link, ulong? visitor, string source = "mail", bool isBot = false) => new(
        new DateTime(2026, 11, 22, 10, 0, 0, DateTimeKind.Utc),
        TestShapes.Make("20261122", 10, link, isBot, (Dimensions.DestinationDomain, "example.com"), (Dimensions.ReferrerDomain, "(direct)"),
            (Dimensions.UtmSource, source), (Dimensions.DeviceType, isBot ? "bot" : "desktop"), (Dimensions.Os, "Windows"), (Dimensions.Browser, "Chrome")),
        visitor);

    /// <summary>Collects clicks into batches and plans their script calls, keeping both from batch to batch as the pipeline does.</summary>
    private sealed class Batches(StatsKeys keys)
    {
        private readonly RedisBatchPlanner _planner = new(keys, new AnalyticsOptions());

        public ClickBatchBuilder Builder { get; } = new();

        public (ClickBatch Batch, IReadOnlyList<ScriptCall> Calls) Build(long sequence)
        {
            var batch = Builder.Build("node", sequence);
            return (batch, _planner.Plan(batch));
        }
    }

    [Fact]
    public void Five_hundred_equal_clicks_become_one_increment_of_500_per_field_and_one_pfadd()
    {
        var batches = new Batches(Keys);
        for (var i = 0; i < 500; i++)
            batches.Builder.Add(ClickOn(7, 0xfeed_0000_0000_0000UL + (ulong)(i % 120)));
        var (batch, calls) = batches.Build(1);

        var call = Assert.Single(calls);
        var args = call.Args;
        var linkDay = Array.IndexOf(call.Keys, "rd:{l:7}:d:20261122") + 1;
        Assert.True(linkDay > 0);
        var counts = JsonDocument.Parse(Assert.Single(Operations(args, "j"))[1]).RootElement;
        // The link-day's fields come together under the key, each with its total.
        var write = Assert.Single(counts.GetProperty("h").EnumerateArray(), w => w[0].GetInt32() == linkDay);
        var fields = write.EnumerateArray().Skip(1).Chunk(2).ToDictionary(pair => pair[0].GetString()!, pair => long.Parse(pair[1].GetString()!));
        Assert.Equal(500, fields["c"]);
        Assert.Equal(500, fields["us:mail"]);
        Assert.Equal(500, fields["h10"]);
        var expiries = counts.GetProperty("e").EnumerateArray().Chunk(2).ToDictionary(pair => pair[0].GetInt32(), pair => long.Parse(pair[1].GetString()!));
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero).AddDays(401).ToUnixTimeSeconds(), expiries[linkDay]);
        // Global, link and domain (no source page) share the clicks: one member list of the 120 visitors for the three keys.
        var pfadd = Assert.Single(Operations(args, "v"));
        Assert.Equal("3", pfadd[1]);
        var members = pfadd[5].Chunk(16).Select(c => new string(c)).ToList();
        // Each visitor once, not once per click.
        Assert.Equal(120, members.Count);
        Assert.Equal(120, members.Distinct().Count());
        Assert.Contains("feed000000000077", members);
        Assert.Single(Operations(args, "x"));
        Assert.Equal(500, batch.Clicks);
    }

    [Fact]
    public void On_a_cluster_each_subject_gets_its_own_call_whose_keys_share_one_hash_tag()
    {
        var keys = new StatsKeys(Options.Create(new RedisOptions { Cluster = true }));
        var batches = new Batches(keys);
        batches.Builder.Add(ClickOn(1, 1));
        batches.Builder.Add(ClickOn(2, 2));
        var (_, calls) = batches.Build(1);
        Assert.Equal(4, calls.Count); // global, link 1, link 2, domain
        foreach (var call in calls)
        {
            var tags = call.Keys.Select(k => k[k.IndexOf('{')..(k.IndexOf('}') + 1)]).Distinct();
            Assert.Single(tags);
        }
    }

    [Fact]
    public void A_built_batch_leaves_nothing_behind_for_the_next_one()
    {
        var batches = new Batches(Keys);
        for (var i = 0; i < 10; i++)
            batches.Builder.Add(ClickOn(1, 1));
        batches.Build(1);
        batches.Builder.Add(ClickOn(2, 2, source: "ads"));
        var (second, calls) = batches.Build(2);

        Assert.Equal(1, second.Clicks);
        var call = Assert.Single(calls);
        Assert.DoesNotContain(call.Keys, k => k.Contains("{l:1}", StringComparison.Ordinal));
        var counts = JsonDocument.Parse(Assert.Single(Operations(call.Args, "j"))[1]).RootElement;
        var amounts = counts.GetProperty("h").EnumerateArray()
            .SelectMany(w => w.EnumerateArray().Skip(1).Chunk(2).Select(pair => (Field: pair[0].GetString(), Amount: long.Parse(pair[1].GetString()!))))
            .ToList();
        Assert.All(amounts, a => Assert.Equal(1, a.Amount));
        Assert.DoesNotContain(amounts, a => a.Field == "us:mail");
        Assert.Contains(amounts, a => a.Field == "us:ads");
    }

    [Fact]
    public void The_expiry_of_a_day_key_goes_with_the_first_batch_that_touches_it_not_with_every_batch()
    {
        var batches = new Batches(Keys);
        batches.Builder.Add(ClickOn(1, 1));
        var (_, first) = batches.Build(1);
        batches.Builder.Add(ClickOn(1, 2));
        batches.Builder.Add(ClickOn(2, 3));
        var (_, second) = batches.Build(2);

        Assert.Equal(["rd:{l:1}:d:20261122", "rd:{l:1}:u:20261122"], ExpiredKeys(first, "{l:1}"));
        Assert.Empty(ExpiredKeys(second, "{l:1}"));
        Assert.Equal(["rd:{l:2}:d:20261122", "rd:{l:2}:u:20261122"], ExpiredKeys(second, "{l:2}"));
    }

    [Fact]
    public void A_visitors_key_first_touched_after_its_day_key_still_gets_its_expiry()
    {
        var batches = new Batches(Keys);
        batches.Builder.Add(ClickOn(1, null, isBot: true));
        var (_, first) = batches.Build(1);
        batches.Builder.Add(ClickOn(1, 7));
        var (_, second) = batches.Build(2);

        Assert.Equal(["rd:{l:1}:d:20261122"], ExpiredKeys(first, "{l:1}"));
        Assert.Equal(["rd:{l:1}:u:20261122"], ExpiredKeys(second, "{l:1}"));
    }

    [Fact]
    public void A_range_of_batches_writes_each_field_once_with_its_total_in_the_unit_of_its_link()
    {
        var planner = new RedisBatchPlanner(Keys, new AnalyticsOptions());
        var builder = new ClickBatchBuilder();
        var range = new List<ClickBatch>();
        for (var sequence = 1; sequence <= 3; sequence++)
        {
            foreach (var link in new[] { 1L, 17L, 2L })
                builder.Add(ClickOn(link, (ulong)(link * 10 + sequence)));
            range.Add(builder.Build("node", sequence));
        }

        var calls = planner.Plan(range);

        // Links 1 and 17 share unit 1 (17 = 16 + 1); link 2 has unit 2. Each call names the whole range.
        Assert.Equal(["{g}:1", "{g}:2"], calls.Select(c => c.Unit).Order(StringComparer.Ordinal));
        Assert.All(calls, call => Assert.Equal(["node", "1", "3"], Texts(call.Args)[..3]));
        Assert.All(calls, call => Assert.Equal($"rd:{call.Unit}:a", call.Keys[0]));
        var unitOne = Increments(calls.Single(c => c.Unit == "{g}:1"));
        Assert.Equal(3, unitOne[("rd:{l:1}:d:20261122", "c")]);
        Assert.Equal(3, unitOne[("rd:{l:17}:d:20261122", "us:mail")]);
        Assert.Equal(6, unitOne[("rd:{g}:d:20261122", "c")]);
        Assert.Equal(3, unitOne[("rd:{g}:d:20261122", "ln:17")]);
        Assert.False(unitOne.ContainsKey(("rd:{g}:d:20261122", "ln:2")));
        var unitTwo = Increments(calls.Single(c => c.Unit == "{g}:2"));
        Assert.Equal(3, unitTwo[("rd:{g}:d:20261122", "c")]);
        // Every day key a call increments gets its expiry in that call; each batch keeps its raw-log entry.
        Assert.Contains("rd:{g}:d:20261122", ExpiredKeys([calls.Single(c => c.Unit == "{g}:2")], "{g}"));
        Assert.Equal(3, calls.Sum(call => Operations(call.Args, "x").Count));
    }

    [Fact]
    public void A_key_whose_fields_outgrow_a_walk_still_writes_each_field_once_with_its_total()
    {
        // 40 UTM sources in each of three batches: link 1's day key gets more fields than the planner finds by walking
        // them (32), so its first increments are found by a walk and the later ones through the planner's table.
        var planner = new RedisBatchPlanner(Keys, new AnalyticsOptions());
        var builder = new ClickBatchBuilder();
        var range = new List<ClickBatch>();
        for (var sequence = 1; sequence <= 3; sequence++)
        {
            for (var source = 0; source < 40; source++)
                builder.Add(ClickOn(1, (ulong)source, $"s{source}"));
            range.Add(builder.Build("node", sequence));
        }

        var increments = Increments(planner.Plan(range).Single());

        Assert.Equal(120, increments[("rd:{l:1}:d:20261122", "c")]);
        Assert.Equal(120, increments[("rd:{l:1}:d:20261122", "h10")]);
        Assert.Equal(120, increments[("rd:{g}:d:20261122", "os:Windows")]);
        for (var source = 0; source < 40; source++)
        {
            Assert.Equal(3, increments[("rd:{l:1}:d:20261122", $"us:s{source}")]);
            Assert.Equal(3, increments[("rd:{g}:d:20261122", $"us:s{source}")]);
        }
    }

    [Fact]
    public void A_window_of_clicks_spread_over_many_links_writes_each_field_of_each_key_once_with_its_total()
    {
        // 4,000 clicks over 300 links in 20 batches: most links' day keys get several groups, from several batches.
        var planner = new RedisBatchPlanner(Keys, new AnalyticsOptions());
        var builder = new ClickBatchBuilder();
        var random = new Random(300);
        var range = new List<ClickBatch>();
        var clicksOf = new Dictionary<(long Link, string Source), int>();
        for (var sequence = 1; sequence <= 20; sequence++)
        {
            for (var i = 0; i < 200; i++)
            {
                var link = (long)random.Next(1, 301);
                var source = $"s{random.Next(3)}";
                builder.Add(ClickOn(link, (ulong)random.Next(50), source));
                clicksOf[(link, source)] = clicksOf.GetValueOrDefault((link, source)) + 1;
            }
            range.Add(builder.Build("node", sequence));
        }

        // Increments throws on a (key, field) written twice in a call; the global key has a share in each unit's call.
        var increments = planner.Plan(range).Select(Increments).SelectMany(call => call)
            .GroupBy(increment => increment.Key).ToDictionary(same => same.Key, same => same.Sum(increment => increment.Value));

        foreach (var link in clicksOf.Keys.Select(k => k.Link).Distinct())
        {
            Assert.Equal(clicksOf.Where(c => c.Key.Link == link).Sum(c => c.Value), increments[($"rd:{{l:{link}}}:d:20261122", "c")]);
            foreach (var ((_, source), clicks) in clicksOf.Where(c => c.Key.Link == link))
                Assert.Equal(clicks, increments[($"rd:{{l:{link}}}:d:20261122", $"us:{source}")]);
        }
        Assert.Equal(4000, increments[("rd:{g}:d:20261122", "c")]);
        // The global and destination-domain days: per source, and per link in their top links.
        var domainDay = Keys.Day(StatsSubject.Domain("example.com"), "20261122");
        foreach (var day in new[] { "rd:{g}:d:20261122", domainDay })
        {
            Assert.Equal(4000, increments[(day, "c")]);
            Assert.Equal(4000, increments[(day, "h10")]);
            foreach (var source in clicksOf.GroupBy(c => c.Key.Source))
                Assert.Equal(source.Sum(c => c.Value), increments[(day, $"us:{source.Key}")]);
            foreach (var link in clicksOf.GroupBy(c => c.Key.Link))
                Assert.Equal(link.Sum(c => c.Value), increments[(day, StatsKeys.Field(Dimensions.Link, link.Key.ToString(CultureInfo.InvariantCulture)))]);
        }
    }

    [Fact]
    public void Groups_that_differ_in_their_link_alone_count_every_field_of_their_other_subjects()
    {
        // Links 1, 17, 33 and 49 share a unit, so their groups follow one another in one call; a bot and another hour
        // come between them.
        var batches = new Batches(Keys);
        ulong visitor = 0;
        foreach (var link in new long[] { 1, 17, 33, 49 })
        {
            batches.Builder.Add(ClickOn(link, ++visitor));
            batches.Builder.Add(ClickOn(link, ++visitor));
            if (link == 17)
                batches.Builder.Add(ClickOn(65, visitor: null, isBot: true));
            if (link == 33)
                batches.Builder.Add(new Click(new DateTime(2026, 11, 22, 11, 0, 0, DateTimeKind.Utc),
                    TestShapes.Make("20261122", 11, 81, false, (Dimensions.DestinationDomain, "example.com"), (Dimensions.UtmSource, "mail")), ++visitor));
        }
        var (_, calls) = batches.Build(1);

        var call = Assert.Single(calls);
        var increments = Increments(call);
        foreach (var day in new[] { "rd:{g}:d:20261122", Keys.Day(StatsSubject.Domain("example.com"), "20261122") })
        {
            Assert.Equal(9, increments[(day, "c")]);
            Assert.Equal(1, increments[(day, "b")]);
            Assert.Equal(8, increments[(day, "h10")]);
            Assert.Equal(1, increments[(day, "h11")]);
            Assert.Equal(9, increments[(day, "us:mail")]);
            Assert.Equal(8, increments[(day, "br:Chrome")]);
            foreach (var link in new[] { 1, 17, 33, 49 })
                Assert.Equal(2, increments[(day, $"ln:{link}")]);
            Assert.Equal(1, increments[(day, "ln:81")]);
        }
        Assert.Equal(9, increments[("rd:{g}:t", "c")]);
        // Every person is a member of the global visitors key, once.
        var global = Array.IndexOf(call.Keys, "rd:{g}:u:20261122") + 1;
        var members = Operations(call.Args, "v").Where(op => op.AsSpan(2, op.Length - 3).Contains(global.ToString(CultureInfo.InvariantCulture)))
            .SelectMany(op => op[^1].Chunk(16).Select(c => new string(c))).ToList();
        Assert.Equal(Enumerable.Range(1, 9).Select(v => ((ulong)v).ToString("x16", CultureInfo.InvariantCulture)).Order(), members.Order());
    }

    /// <summary>Every increment of a call, by key and field.</summary>
    private static Dictionary<(string Key, string Field), long> Increments(ScriptCall call)
    {
        var increments = new Dictionary<(string, string), long>();
        foreach (var op in Operations(call.Args, "j"))
        {
            foreach (var write in JsonDocument.Parse(op[1]).RootElement.GetProperty("h").EnumerateArray())
            {
                var key = call.Keys[write[0].GetInt32() - 1];
                foreach (var pair in write.EnumerateArray().Skip(1).Chunk(2))
                    increments.Add((key, pair[0].GetString()!), long.Parse(pair[1].GetString()!));
            }
        }
        return increments;
    }

    /// <summary>The keys of one subject (by its hash tag) whose expiry the batch sets, in any of its calls, sorted.</summary>
    private static List<string> ExpiredKeys(IReadOnlyList<ScriptCall> calls, string tag) =>
    [
        .. calls.SelectMany(call => Operations(call.Args, "j").SelectMany(op =>
                JsonDocument.Parse(op[1]).RootElement.GetProperty("e").EnumerateArray().Chunk(2).Select(pair => call.Keys[pair[0].GetInt32() - 1])))
            .Where(key => key.Contains(tag, StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal),
    ];

    private static string[] Texts(StackExchange.Redis.RedisValue[] args) => Array.ConvertAll(args, arg => (string)arg!);

    /// <summary>Splits the script's argument list into its operations (see click-apply.lua).</summary>
    private static List<string[]> Operations(StackExchange.Redis.RedisValue[] values, string kind)
    {
        var args = Texts(values);
        var result = new List<string[]>();
        var i = 3;
        while (i < args.Length)
        {
            var length = args[i] switch
            {
                "j" => 2,
                "v" => 3 + int.Parse(args[i + 1]),
                "x" => 4,
                _ => throw new InvalidOperationException(args[i]),
            };
            if (args[i] == kind)
                result.Add(args[i..(i + length)]);
            i += length;
        }
        return result;
    }
}
