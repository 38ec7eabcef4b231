using Redirector.Tests.Core;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Scale;

/// <summary>Counting on a three-master Redis Cluster: every script call touches one slot, and counts are exact.</summary>
public sealed class RedisClusterTests
{
    [Fact]
    public async Task Clicks_on_many_links_are_counted_exactly_across_a_three_master_cluster()
    {
        using var cluster = new RedisCluster();
        using var unusedStandalone = new RedisServer(start: false);
        await using var app = new RedirectorApplication(unusedStandalone, new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = cluster.ConnectionString,
            ["Redis:Cluster"] = "true",
        });
        await app.RedisReadyAsync();
        var slugs = Enumerable.Range(0, 12).Select(i => $"c{i}").ToList();
        foreach (var (slug, i) in slugs.Select((s, i) => (s, i)))
            await app.CreateLinkAsync(new { url = $"https://shop{i % 4}.example/p/{i}", slug });
        using var visitor = app.CreateVisitorClient();

        var expected = new Dictionary<string, int>();
        for (var round = 0; round < 5; round++)
        {
            foreach (var (slug, i) in slugs.Select((s, i) => (s, i)))
            {
                for (var n = 0; n <= i % 3; n++)
                {
                    await CountingTests.ClickAsync(visitor, $"/{slug}?utm_source=s{n}", Agents.ChromeWindows, $"https://blog{i % 5}.example/post");
                    expected[slug] = expected.GetValueOrDefault(slug) + 1;
                }
            }
        }
        await app.FlushClicksAsync();

        foreach (var slug in slugs)
            Assert.Equal(expected[slug], (await CountingTests.GetStatsAsync(app, slug)).Clicks);
        using var api = app.CreateApiClient();
        var domains = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<List<Redirector.Stats.KeyCount>>(api, "/api/stats/domains");
        Assert.Equal(expected.Values.Sum(), domains!.Sum(d => d.Clicks));
        Assert.Equal(4, domains!.Count);
        Assert.All(cluster.Ports, port => Assert.True(RedisCluster.KeyCount(port) > 0, $"no keys on the master at {port}"));
    }
}
