using System.Net.Http.Json;
using Redirector.Clicks;
using Redirector.Stats;
using Redirector.Tests.Core;
using static Redirector.Tests.Bots.BotKindCountingTests;

namespace Redirector.Tests.Bots;

/// <summary>
/// People and every kind of machine at once, through real HTTP behind a trusted loopback proxy: every breakdown
/// must count each request exactly once, under the right kind.
/// </summary>
public sealed class MixedRunTests
{
    private const string Firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";

    [Fact]
    public async Task People_previews_crawlers_libraries_headless_scanners_and_a_burst_are_each_counted_exactly()
    {
        await using var app = BehindLoopbackProxy(new() { ["Bots:BurstWindow"] = "00:00:30" });
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "promo" });
        var burst = Enumerable.Range(1, 5).Select(i => $"b{i}").ToArray();
        foreach (var slug in burst)
            await app.CreateLinkAsync(new { url = $"https://shop.example.com/{slug}", slug });
        using var visitor = app.CreateVisitorClient();

        var promo = new (string? Agent, string Address, int Times)[]
        {
            (Agents.ChromeWindows, "73.0.0.1", 5), // people: Comcast (US)
            (Agents.SafariIphone, "86.0.0.1", 4), // Virgin Media (GB)
            (Agents.ChromeWindows, "2601::1", 2), // Comcast over IPv6
            (Agents.Slackbot, "3.5.140.2", 3), // previews: the agent's kind wins over Slack's AWS address
            (Agents.Facebook, "73.0.0.1", 2),
            ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "73.0.0.1", 2), // crawler
            ("curl/8.5.0", "73.0.0.1", 3), // library
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", "73.0.0.1", 1),
            (Agents.ChromeWindows, "3.5.140.2", 4), // scanners: browser agents from AWS and Hetzner
            (Agents.ChromeWindows, "2a01:4f8::1", 2),
            (null, "73.0.0.1", 1), // no agent at all
        };
        foreach (var (agent, address, times) in promo)
        {
            for (var i = 0; i < times; i++)
                await ClickAsync(visitor, "promo", agent, address);
        }
        // A mail gateway on Orange (FR) opens the five links of a mail at once: three clicks, then a scanner.
        foreach (var slug in burst)
            await ClickAsync(visitor, slug, Firefox, "90.0.0.1");
        await app.FlushClicksAsync();

        using var api = app.CreateApiClient();
        var all = (await api.GetFromJsonAsync<StatsResponse>("/api/stats/summary"))!;
        Assert.Equal((14, 20), ((int)all.Clicks, (int)all.Bots));
        Assert.Equal((14, 20), ((int)all.ByDay.Sum(d => d.Clicks), (int)all.ByDay.Sum(d => d.Bots)));
        Assert.Equal(4, all.UniqueVisitors);
        Assert.Equal(
            [("crawler", 2), ("headless", 1), ("library", 3), ("other", 1), ("preview", 5), ("scanner", 8)],
            Counts(all, Dimensions.BotKind));
        Assert.Equal([("desktop", 10), ("mobile", 4)], Counts(all, Dimensions.DeviceType));
        Assert.Equal([("Chrome", 7), ("Firefox", 3), ("Mobile Safari", 4)], Counts(all, Dimensions.Browser));
        Assert.Equal([("Windows", 10), ("iOS", 4)], Counts(all, Dimensions.Os));
        Assert.Equal([("FR", 3), ("GB", 4), ("US", 7)], Counts(all, Dimensions.Country));

        var link = await CountingTests.GetStatsAsync(app, "promo");
        Assert.Equal((11, 18), ((int)link.Clicks, (int)link.Bots));
        Assert.Equal([("desktop", 7), ("mobile", 4)], Counts(link, Dimensions.DeviceType));
        Assert.Equal(
            [("crawler", 2), ("headless", 1), ("library", 3), ("other", 1), ("preview", 5), ("scanner", 6)],
            Counts(link, Dimensions.BotKind));
        foreach (var (slug, clicks, bots) in new[] { ("b1", 1, 0), ("b3", 1, 0), ("b4", 0, 1), ("b5", 0, 1) })
        {
            var stats = await CountingTests.GetStatsAsync(app, slug);
            Assert.Equal((slug, clicks, bots), (slug, (int)stats.Clicks, (int)stats.Bots));
            Assert.Equal(bots == 0 ? [] : [("scanner", 1)], Counts(stats, Dimensions.BotKind));
        }
    }
}
