using System.Net;
using System.Net.Http.Json;
using Redirector.Bots;
using Redirector.Clicks;
using Redirector.Stats;
using Redirector.Tests.Core;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Bots;

/// <summary>
/// Bot kinds through real HTTP on a real port behind a trusted loopback proxy (so X-Forwarded-For gives the client
/// address, as in production behind a load balancer), the pipeline and Redis, read back from the stats API.
/// </summary>
public sealed class BotKindCountingTests
{
    private const string Residential = "73.0.0.1"; // Comcast, US
    private const string Headless = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36";
    private const string Googlebot = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/131.0.6778.108 Safari/537.36";

    internal static RedirectorApplication BehindLoopbackProxy(Dictionary<string, string?>? settings = null)
    {
        settings ??= [];
        settings["Proxy:KnownProxies:0"] = "127.0.0.1";
        var app = new RedirectorApplication(settings: settings);
        app.StartKestrel();
        return app;
    }

    internal static async Task ClickAsync(HttpClient visitor, string slug, string? userAgent, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/" + slug);
        if (userAgent is not null)
            request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        using var response = await visitor.SendAsync(request);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
    }

    internal static IEnumerable<(string, int)> Counts(StatsResponse stats, Dimension dimension) =>
        stats[dimension].Select(k => (k.Key, (int)k.Clicks)).OrderBy(k => k.Key, StringComparer.Ordinal);

    public static TheoryData<string, string?> OneAgentPerKind => new()
    {
        { "preview", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)" },
        { "crawler", Googlebot },
        { "scanner", "Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)" },
        { "library", "python-requests/2.32.3" },
        { "headless", Headless },
        { "other", null },
    };

    [Theory]
    [MemberData(nameof(OneAgentPerKind))]
    public async Task Each_bot_kind_is_counted_under_its_key_apart_from_clicks(string kind, string? userAgent)
    {
        await using var app = BehindLoopbackProxy();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "kinds" });
        using var visitor = app.CreateVisitorClient();

        const int bots = 5, people = 3;
        for (var i = 0; i < bots; i++)
            await ClickAsync(visitor, "kinds", userAgent, Residential);
        for (var i = 0; i < people; i++)
            await ClickAsync(visitor, "kinds", Agents.ChromeWindows, Residential);
        await app.FlushClicksAsync();

        var stats = await CountingTests.GetStatsAsync(app, "kinds");
        Assert.Equal((people, bots), ((int)stats.Clicks, (int)stats.Bots));
        Assert.Equal([(kind, bots)], Counts(stats, Dimensions.BotKind));
        Assert.Equal([("desktop", people)], Counts(stats, Dimensions.DeviceType));
        Assert.Equal([("US", people)], Counts(stats, Dimensions.Country));
    }

    [Fact]
    public async Task A_browser_agent_from_a_cloud_network_is_a_scanner_and_from_a_home_network_a_click()
    {
        await using var app = BehindLoopbackProxy();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "mail" });
        using var visitor = app.CreateVisitorClient();

        // AWS over IPv4, IPv6 and IPv4-mapped IPv6; Proofpoint; then the same agents from home networks.
        var scanners = new[] { ("3.5.140.2", 4), ("2600:1f18::1", 2), ("::ffff:5.9.0.1", 1), ("67.231.152.1", 3) };
        var people = new[] { (Residential, 3), ("2601::1", 2), ("::ffff:86.0.0.1", 1) };
        foreach (var (address, times) in scanners.Concat(people))
        {
            for (var i = 0; i < times; i++)
                await ClickAsync(visitor, "mail", Agents.ChromeWindows, address);
        }
        await app.FlushClicksAsync();

        var stats = await CountingTests.GetStatsAsync(app, "mail");
        Assert.Equal((6, 10), ((int)stats.Clicks, (int)stats.Bots));
        Assert.Equal([("scanner", 10)], Counts(stats, Dimensions.BotKind));
        Assert.Equal([("desktop", 6)], Counts(stats, Dimensions.DeviceType));
        Assert.Equal([("Chrome", 6)], Counts(stats, Dimensions.Browser));
        Assert.Equal([("GB", 1), ("US", 5)], Counts(stats, Dimensions.Country));
        Assert.Equal(3, stats.UniqueVisitors);
    }

    [Fact]
    public async Task With_hosting_networks_off_a_cloud_address_counts_as_a_click()
    {
        await using var app = BehindLoopbackProxy(new() { ["Bots:HostingNetworksAreScanners"] = "false" });
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "vpn" });
        using var visitor = app.CreateVisitorClient();

        for (var i = 0; i < 4; i++)
            await ClickAsync(visitor, "vpn", Agents.ChromeWindows, "3.5.140.2");
        await app.FlushClicksAsync();

        var stats = await CountingTests.GetStatsAsync(app, "vpn");
        Assert.Equal((4, 0), ((int)stats.Clicks, (int)stats.Bots));
        Assert.Empty(stats[Dimensions.BotKind]);
    }

    [Fact]
    public async Task A_visitor_opening_more_than_the_limit_of_links_at_once_is_a_scanner_from_then_on()
    {
        // A wide window so that a slow machine cannot spread the burst out; the rule itself is timed in BurstDetectorTests.
        await using var app = BehindLoopbackProxy(new() { ["Bots:BurstLinks"] = "3", ["Bots:BurstWindow"] = "00:00:30" });
        var slugs = Enumerable.Range(1, 6).Select(i => $"offer{i}").ToArray();
        foreach (var slug in slugs)
            await app.CreateLinkAsync(new { url = $"https://shop.example.com/{slug}", slug });
        using var visitor = app.CreateVisitorClient();

        // The gateway of a mail server (one address, one agent) opens every link of a mail, then one again.
        foreach (var slug in slugs.Append("offer1"))
            await ClickAsync(visitor, slug, Agents.ChromeWindows, Residential);
        // A person on another address opens three of them, the limit, and one twice.
        foreach (var slug in slugs[..3].Append("offer2"))
            await ClickAsync(visitor, slug, Agents.SafariIphone, "86.0.0.1");
        await app.FlushClicksAsync();

        using var api = app.CreateApiClient();
        var stats = (await api.GetFromJsonAsync<StatsResponse>("/api/stats/summary"))!;
        Assert.Equal((3 + 4, 4), ((int)stats.Clicks, (int)stats.Bots));
        Assert.Equal([("scanner", 4)], Counts(stats, Dimensions.BotKind));
        Assert.Equal([("desktop", 3), ("mobile", 4)], Counts(stats, Dimensions.DeviceType));
        Assert.Equal(2, stats.UniqueVisitors);
    }
}
