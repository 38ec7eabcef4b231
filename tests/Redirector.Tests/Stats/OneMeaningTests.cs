using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Redirector.Tests.Core;
using Redirector.Tests.Infrastructure;
using Redirector.Tests.Outbound;
using Redirector.Clicks;
using Redirector.Links;
using StackExchange.Redis;
using static Redirector.Tests.Outbound.OutboundTestHelpers;

namespace Redirector.Tests.Stats;

/// <summary>
/// One meaning per number (issue 20), through the stats API on real Redis and the real event store: bots once, as
/// bots; short-link and outbound clicks apart; source pages only on registered sites; no exit rate above the data.
/// </summary>
public sealed class OneMeaningTests
{
    private const string BlogPage = "https://blog.example.org/post/1";

    [Fact]
    public async Task Bots_short_link_and_outbound_clicks_and_source_pages_each_have_one_meaning_unfiltered_and_filtered()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/sale", slug = "sale" });
        var site = await app.CreateSiteAsync("Blog", false, "blog.example.org");
        using var visitor = app.CreateVisitorClient();
        for (var i = 0; i < 5; i++)
            (await GetAsync(visitor, "/sale", "https://www.google.com/search?q=sale")).Dispose();
        for (var i = 0; i < 2; i++)
            (await GetAsync(visitor, "/sale", BlogPage)).Dispose();
        for (var i = 0; i < 3; i++)
            (await GetAsync(visitor, "/sale", null, Agents.Slackbot)).Dispose();
        for (var i = 0; i < 4; i++)
            (await GetAsync(visitor, OutPath(site.Key, "https://github.com/x", BlogPage, "GitHub"), BlogPage)).Dispose();
        var tracker = app.Services.GetRequiredService<ClickTracker>();
        for (var i = 0; i < 2; i++)
            tracker.TrackPageView(Agents.Get(Agents.ChromeWindows), BlogPage);
        await app.WaitForEventsAsync();

        using var api = app.CreateApiClient();
        var all = await api.GetFromJsonAsync<JsonElement>("/api/stats/summary");
        Assert.Equal((11, 7, 4, 3), (Int(all, "clicks"), Int(all, "shortLinkClicks"), Int(all, "outboundClicks"), Int(all, "bots")));
        Assert.Equal([("desktop", 11)], Keys(all, "deviceTypes"));
        Assert.Equal([("preview", 3)], Keys(all, "botKinds"));
        // google.com is the referrer of five clicks, never their source page.
        Assert.Equal([(BlogPage, 6)], Keys(all, "sourcePages"));

        var filtered = await api.GetFromJsonAsync<JsonElement>("/api/stats/summary?referrerDomain=!google.com");
        Assert.Equal((6, 2, 4), (Int(filtered, "clicks"), Int(filtered, "shortLinkClicks"), Int(filtered, "outboundClicks")));
        Assert.Equal([("desktop", 6)], Keys(filtered, "deviceTypes"));
        Assert.Equal([(BlogPage, 6)], Keys(filtered, "sourcePages"));
        var bots = await api.GetFromJsonAsync<JsonElement>("/api/stats/summary?botKind=preview");
        Assert.Equal((0, 3), (Int(bots, "clicks"), Int(bots, "bots")));
        Assert.Empty(Keys(bots, "deviceTypes"));

        // Six clicks left the page but only two views were counted: no rate rather than 300%.
        var pages = await api.GetFromJsonAsync<JsonElement>("/api/stats/pages");
        var blog = pages.EnumerateArray().Single(p => p.GetProperty("key").GetString() == BlogPage);
        Assert.Equal((6, 2), (Int(blog, "clicks"), Int(blog, "pageViews")));
        Assert.Equal(JsonValueKind.Null, blog.GetProperty("exitRate").ValueKind);

        var recent = await api.GetFromJsonAsync<JsonElement>("/api/links/sale/clicks");
        Assert.Equal(7, recent.GetArrayLength());
        var withBots = await api.GetFromJsonAsync<JsonElement>("/api/links/sale/clicks?bots=true");
        Assert.Equal(10, withBots.GetArrayLength());
        Assert.Equal(3, withBots.EnumerateArray().Count(c => c.GetProperty("isBot").GetBoolean()));
    }

    [Fact]
    public async Task Unique_visitors_never_exceed_the_clicks_whatever_the_estimate_says()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/sale", slug = "few" });
        using var visitor = app.CreateVisitorClient();
        for (var i = 0; i < 3; i++)
            (await GetAsync(visitor, "/few", null)).Dispose();
        await app.FlushClicksAsync();

        // A HyperLogLog estimates: a trial's 300 visitors read back as 302. Members added beside the real one stand
        // for such an overestimate, which would otherwise be shown as more visitors than clicks.
        var link = await app.Services.GetRequiredService<LinkCatalog>().FindAsync("", "few", CancellationToken.None);
        var keys = app.Services.GetRequiredService<StatsKeys>();
        using var redis = await ConnectionMultiplexer.ConnectAsync(app.Redis.ConnectionString);
        var today = DateTime.UtcNow.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var subject in new[] { StatsSubject.Link(link!.Id), StatsSubject.Global })
            await redis.GetDatabase().HyperLogLogAddAsync(keys.Visitors(subject, today), ["a", "b", "c", "d", "e"]);

        var stats = await CountingTests.GetStatsAsync(app, "few");
        Assert.Equal((3, 3), (stats.Clicks, stats.UniqueVisitors));
        using var api = app.CreateApiClient();
        var summary = await api.GetFromJsonAsync<JsonElement>("/api/stats/summary");
        Assert.Equal(3, Int(summary, "uniqueVisitors"));
    }

    private static int Int(JsonElement json, string name) => json.GetProperty(name).GetInt32();

    private static List<(string, int)> Keys(JsonElement json, string name) =>
        [.. json.GetProperty(name).EnumerateArray().Select(k => (k.GetProperty("key").GetString()!, k.GetProperty("clicks").GetInt32()))];
}
