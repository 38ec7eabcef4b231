using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Redirector.Clicks;
using Redirector.Links;
using Redirector.Stats;
using Redirector.Tests.Infrastructure;
using Redirector.Tests.Outbound;
using StackExchange.Redis;

namespace Redirector.Tests.Core;

/// <summary>Clicks go through the real pipeline into a real Redis and are read back through the API.</summary>
public sealed class CountingTests
{
    [Theory]
    [InlineData(LinkBreakdowns.Counters)]
    [InlineData(LinkBreakdowns.Events)]
    public async Task Every_click_is_counted_once_with_its_breakdowns(LinkBreakdowns linkBreakdowns)
    {
        await using var app = new RedirectorApplication(settings: new Dictionary<string, string?> { ["Analytics:LinkBreakdowns"] = linkBreakdowns.ToString() });
        await app.CreateLinkAsync(new { url = "https://shop.example.com/sale", slug = "sale", utm = new { source = "newsletter", medium = "email" } });
        // The blog is a registered site, google.com is not: a click from google.com has a referrer but no source page.
        await app.CreateSiteAsync("Blog", false, "blog.example.org");
        using var visitor = app.CreateVisitorClient();

        const int desktopClicks = 120, phoneClicks = 80, facebookClicks = 30;
        for (var i = 0; i < desktopClicks; i++)
            await ClickAsync(visitor, "/sale", Agents.ChromeWindows, "https://www.google.com/search?q=sale");
        for (var i = 0; i < phoneClicks; i++)
            await ClickAsync(visitor, "/sale?utm_source=facebook&utm_campaign=black-friday", Agents.SafariIphone, "https://blog.example.org/post/1#top");
        for (var i = 0; i < facebookClicks; i++)
            await ClickAsync(visitor, "/sale?utm_source=facebook", Agents.SafariIphone, null);
        for (var i = 0; i < 7; i++)
            await ClickAsync(visitor, "/sale", Agents.Slackbot, null);
        await app.FlushClicksAsync();
        if (linkBreakdowns == LinkBreakdowns.Events)
            await app.WaitForEventsAsync();

        var stats = await GetStatsAsync(app, "sale");
        Assert.Equal(desktopClicks + phoneClicks + facebookClicks, stats.Clicks);
        Assert.Equal(7, stats.Bots);
        Assert.Equal(stats.Clicks, stats.ByDay.Sum(d => d.Clicks));
        using (var hours = app.CreateApiClient())
        {
            var twoDays = await hours.GetFromJsonAsync<StatsResponse>($"/api/links/sale/stats?from={DateTime.UtcNow.AddDays(-1):yyyy-MM-dd}&to={DateTime.UtcNow:yyyy-MM-dd}");
            Assert.Equal(stats.Clicks, twoDays!.ByHour!.Sum(h => h.Clicks));
        }
        Assert.Equal(
            [("newsletter", desktopClicks), ("facebook", phoneClicks + facebookClicks)],
            stats[Dimensions.UtmSource].Select(k => (k.Key, (int)k.Clicks)));
        Assert.Equal([("email", desktopClicks + phoneClicks + facebookClicks)], stats[Dimensions.UtmMedium].Select(k => (k.Key, (int)k.Clicks)));
        Assert.Equal([("black-friday", phoneClicks)], stats[Dimensions.UtmCampaign].Select(k => (k.Key, (int)k.Clicks)));
        Assert.Equal(
            [("google.com", desktopClicks), ("blog.example.org", phoneClicks), ("(direct)", facebookClicks)],
            stats[Dimensions.ReferrerDomain].Select(k => (k.Key, (int)k.Clicks)));
        Assert.Equal(
            [("https://www.google.com/search?q=sale", desktopClicks), ("https://blog.example.org/post/1", phoneClicks)],
            stats[Dimensions.Referrer].Select(k => (k.Key, (int)k.Clicks)));
        Assert.Equal(
            [("https://blog.example.org/post/1", phoneClicks)],
            stats[Dimensions.SourcePage].Select(k => (k.Key, (int)k.Clicks)));
        Assert.Equal(
            [("desktop", desktopClicks), ("mobile", phoneClicks + facebookClicks)],
            stats[Dimensions.DeviceType].OrderByDescending(k => k.Key == "desktop").ThenByDescending(k => k.Clicks).Select(k => (k.Key, (int)k.Clicks)));
        Assert.Equal(desktopClicks, stats[Dimensions.Os].Single(k => k.Key == "Windows").Clicks);
        Assert.Equal(phoneClicks + facebookClicks, stats[Dimensions.Os].Single(k => k.Key == "iOS").Clicks);
        Assert.Equal(desktopClicks, stats[Dimensions.Browser].Single(k => k.Key == "Chrome").Clicks);
        Assert.Equal([(ClickEnricher.UnknownPlace, desktopClicks + phoneClicks + facebookClicks)], stats[Dimensions.Country].Select(k => (k.Key, (int)k.Clicks)));

        using var api = app.CreateApiClient();
        var domains = await api.GetFromJsonAsync<List<Redirector.Stats.KeyCount>>("/api/stats/domains");
        Assert.Equal([("shop.example.com", desktopClicks + phoneClicks + facebookClicks)], domains!.Select(k => (k.Key, (int)k.Clicks)));
        var pages = await api.GetFromJsonAsync<List<Redirector.Stats.KeyCount>>("/api/stats/pages");
        Assert.Equal([("https://blog.example.org/post/1", phoneClicks)], pages!.Select(p => (p.Key, (int)p.Clicks)));

        // With the link's details in the event store, its Redis day holds clicks and bots only.
        using var redis = await ConnectionMultiplexer.ConnectAsync(app.Redis.ConnectionString);
        var link = (await app.Services.GetRequiredService<LinkCatalog>().FindAsync("", "sale", CancellationToken.None))!;
        var dayKey = redis.GetServer(redis.GetEndPoints()[0]).Keys(pattern: $"rd:{{l:{link.Id}}}:d:*").Single();
        var fields = (await redis.GetDatabase().HashKeysAsync(dayKey)).Select(f => (string)f!).ToList();
        if (linkBreakdowns == LinkBreakdowns.Events)
            Assert.Equal(["b", "c"], fields.Order());
        else
            Assert.Contains("us:newsletter", fields);
    }

    [Fact]
    public async Task Link_breakdowns_in_the_event_store_need_the_event_store()
    {
        await using var app = new RedirectorApplication(settings: new Dictionary<string, string?>
        {
            ["Analytics:LinkBreakdowns"] = "Events",
            ["Events:Enabled"] = "false",
        });
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => app.Services);
        Assert.Contains("Events:Enabled", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Head_requests_are_redirected_and_prefetches_refused_and_neither_is_counted()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "pre" });
        using var visitor = app.CreateVisitorClient();

        using (var head = await visitor.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/pre")))
            Assert.Equal(HttpStatusCode.Found, head.StatusCode);
        foreach (var (header, value) in new[] { ("Sec-Purpose", "prefetch"), ("Sec-Purpose", "prefetch;prerender"), ("Purpose", "prefetch") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/pre");
            request.Headers.TryAddWithoutValidation(header, value);
            request.Headers.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
            using var response = await visitor.SendAsync(request);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Null(response.Headers.Location);
            Assert.True(response.Headers.CacheControl is { NoStore: true });
        }
        await ClickAsync(visitor, "/pre", Agents.ChromeWindows, null);
        await app.FlushClicksAsync();

        var stats = await GetStatsAsync(app, "pre");
        Assert.Equal(1, stats.Clicks);
        Assert.Equal(0, stats.Bots);
    }

    [Fact]
    public async Task Preview_bots_are_redirected_and_counted_apart()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "bots" });
        using var visitor = app.CreateVisitorClient();
        foreach (var agent in new[] { Agents.Slackbot, Agents.Facebook, "curl/8.5.0" })
        {
            using var response = await ClickAsync(visitor, "/bots", agent, null);
            Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        }
        await app.FlushClicksAsync();

        var stats = await GetStatsAsync(app, "bots");
        Assert.Equal(0, stats.Clicks);
        Assert.Equal(3, stats.Bots);
        Assert.Equal(0, stats.UniqueVisitors);
    }

    [Fact]
    public async Task Clicks_on_a_real_socket_count_unique_visitors_by_address_and_agent()
    {
        await using var app = new RedirectorApplication();
        var address = app.StartKestrel();
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "uniq" });
        using var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
        string[] agents = [Agents.ChromeWindows, Agents.SafariIphone, Agents.ChromeWindows + " Extra/1"];
        for (var i = 0; i < 30; i++)
            await ClickAsync(visitor, "/uniq", agents[i % agents.Length], null);
        await app.FlushClicksAsync();

        var stats = await GetStatsAsync(app, "uniq");
        Assert.Equal(30, stats.Clicks);
        Assert.Equal(3, stats.UniqueVisitors);
    }

    [Fact]
    public async Task Values_with_accents_emoji_quotes_and_backslashes_are_counted_as_sent()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "intl" });
        using var visitor = app.CreateVisitorClient();
        // café 😀, "quoted"\back, <b>&amp; — each travels to Redis inside the batch's JSON counts.
        const string query = "?utm_source=caf%C3%A9%20%F0%9F%98%80&utm_campaign=%22quoted%22%5Cback&utm_content=%3Cb%3E%26amp%3B";
        for (var i = 0; i < 12; i++)
            await ClickAsync(visitor, "/intl" + query, Agents.ChromeWindows, "https://bücher.example/straße?q=ü");
        await app.FlushClicksAsync();

        var stats = await GetStatsAsync(app, "intl");
        Assert.Equal([("café 😀", 12L)], stats[Dimensions.UtmSource].Select(k => (k.Key, k.Clicks)));
        Assert.Equal([("\"quoted\"\\back", 12L)], stats[Dimensions.UtmCampaign].Select(k => (k.Key, k.Clicks)));
        Assert.Equal([("<b>&amp;", 12L)], stats[Dimensions.UtmContent].Select(k => (k.Key, k.Clicks)));
        Assert.Equal(12, Assert.Single(stats[Dimensions.Referrer]).Clicks);
        Assert.Equal(12, Assert.Single(stats[Dimensions.ReferrerDomain]).Clicks);
    }

    internal static async Task<HttpResponseMessage> ClickAsync(HttpClient client, string path, string userAgent, string? referrer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        if (referrer is not null)
            request.Headers.TryAddWithoutValidation("Referer", referrer);
        var response = await client.SendAsync(request);
        Assert.True(response.StatusCode is HttpStatusCode.Found or HttpStatusCode.MovedPermanently or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect,
            $"expected a redirect, got {(int)response.StatusCode}");
        return response;
    }

    internal static async Task<StatsResponse> GetStatsAsync(RedirectorApplication app, string slug)
    {
        using var api = app.CreateApiClient();
        return (await api.GetFromJsonAsync<StatsResponse>($"/api/links/{slug}/stats"))!;
    }
}
