using System.Text.Json;
using Microsoft.Extensions.Options;
using Redirector.Analytics;
using Redirector.Clicks;

namespace Redirector.Tests.Core;

/// <summary>Pre-aggregation: Redis work grows with distinct values, not with clicks.</summary>
public sealed class ClickBatchBuilderTests
{
    private static readonly StatsKeys Keys = new(Options.Create(new RedisOptions()));

    private static Click ClickOn(long link, ulong? visitor, string source = "mail") => new(
        new DateTime(2026, 11, 22, 10, 0, 0, DateTimeKind.Utc),
        new ClickShape("20261122", 10, link, "example.com", "(direct)", null, null, source, null, null, null, null,
            "desktop", "Windows", "Chrome", null, null, null, IsBot: false),
        visitor);

    [Fact]
    public void Five_hundred_equal_clicks_become_one_increment_of_500_per_field_and_one_pfadd()
    {
        var builder = new ClickBatchBuilder(Keys, new AnalyticsOptions());
        for (var i = 0; i < 500; i++)
            builder.Add(ClickOn(7, 0xfeed_0000_0000_0000UL + (ulong)(i % 120)));
        var batch = builder.Build("node", 1);

        var call = Assert.Single(batch.Calls);
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
        Assert.Equal(120, members.Distinct().Count());
        Assert.Contains("feed000000000077", members);
        Assert.Single(Operations(args, "x"));
        Assert.Equal(500, batch.Clicks);
    }

    [Fact]
    public void On_a_cluster_each_subject_gets_its_own_call_whose_keys_share_one_hash_tag()
    {
        var keys = new StatsKeys(Options.Create(new RedisOptions { Cluster = true }));
        var builder = new ClickBatchBuilder(keys, new AnalyticsOptions());
        builder.Add(ClickOn(1, 1));
        builder.Add(ClickOn(2, 2));
        var batch = builder.Build("node", 1);
        Assert.Equal(4, batch.Calls.Count); // global, link 1, link 2, domain
        foreach (var call in batch.Calls)
        {
            var tags = call.Keys.Select(k => k[k.IndexOf('{')..(k.IndexOf('}') + 1)]).Distinct();
            Assert.Single(tags);
        }
    }

    [Fact]
    public void A_built_batch_leaves_nothing_behind_for_the_next_one()
    {
        var builder = new ClickBatchBuilder(Keys, new AnalyticsOptions());
        for (var i = 0; i < 10; i++)
            builder.Add(ClickOn(1, 1));
        builder.Build("node", 1);
        builder.Add(ClickOn(2, 2, source: "ads"));
        var second = builder.Build("node", 2);

        Assert.Equal(1, second.Clicks);
        var call = Assert.Single(second.Calls);
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
        var builder = new ClickBatchBuilder(Keys, new AnalyticsOptions());
        builder.Add(ClickOn(1, 1));
        var first = builder.Build("node", 1);
        builder.Add(ClickOn(1, 2));
        builder.Add(ClickOn(2, 3));
        var second = builder.Build("node", 2);

        Assert.Equal(["rd:{l:1}:d:20261122", "rd:{l:1}:u:20261122"], ExpiredKeys(first, "{l:1}"));
        Assert.Empty(ExpiredKeys(second, "{l:1}"));
        Assert.Equal(["rd:{l:2}:d:20261122", "rd:{l:2}:u:20261122"], ExpiredKeys(second, "{l:2}"));
    }

    [Fact]
    public void A_visitors_key_first_touched_after_its_day_key_still_gets_its_expiry()
    {
        var builder = new ClickBatchBuilder(Keys, new AnalyticsOptions());
        var bot = ClickOn(1, null);
        builder.Add(bot with { Shape = bot.Shape with { IsBot = true, DeviceType = "bot" } });
        var first = builder.Build("node", 1);
        builder.Add(ClickOn(1, 7));
        var second = builder.Build("node", 2);

        Assert.Equal(["rd:{l:1}:d:20261122"], ExpiredKeys(first, "{l:1}"));
        Assert.Equal(["rd:{l:1}:u:20261122"], ExpiredKeys(second, "{l:1}"));
    }

    /// <summary>The keys of one subject (by its hash tag) whose expiry the batch sets, sorted.</summary>
    private static List<string> ExpiredKeys(ClickBatch batch, string tag)
    {
        var call = Assert.Single(batch.Calls);
        var counts = JsonDocument.Parse(Assert.Single(Operations(call.Args, "j"))[1]).RootElement;
        return [.. counts.GetProperty("e").EnumerateArray().Chunk(2).Select(pair => call.Keys[pair[0].GetInt32() - 1])
            .Where(key => key.Contains(tag, StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
    }

    /// <summary>Splits the script's argument list into its operations (see click-apply.lua).</summary>
    private static List<string[]> Operations(string[] args, string kind)
    {
        var result = new List<string[]>();
        var i = 2;
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
