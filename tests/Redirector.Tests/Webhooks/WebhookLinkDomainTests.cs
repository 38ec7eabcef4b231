using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Redirector.Clicks;
using Redirector.Tests.Core;
using Redirector.Tests.Infrastructure;
using Redirector.Tests.Outbound;
using Redirector.Webhooks;

namespace Redirector.Tests.Webhooks;

/// <summary>
/// Link events and link.clicked name the link's short domain and its short URL on it; a click's source page follows
/// the stats' rule in events and webhooks alike: a page of a registered site, never a referrer from elsewhere.
/// </summary>
public sealed class WebhookLinkDomainTests
{
    [Fact]
    public async Task Link_events_and_clicks_carry_the_short_domain_and_short_url()
    {
        await using var receiver = new WebhookReceiver();
        await using var app = new RedirectorApplication(settings: WebhookDeliveryTests.FastSettings(new() { ["Redirector:BaseUrl"] = "https://go.example.com" }));
        using var api = app.CreateApiClient();
        (await api.PostAsJsonAsync("/api/domains", new { host = "brand.test" })).EnsureSuccessStatusCode();
        await WebhookReceiver.CreateEndpointAsync(api, receiver);
        await WebhookDeliveryTests.SubscribedAsync(app);
        await app.CreateLinkAsync(new { url = "https://shop.example.com/sale", slug = "dom", domain = "brand.test" });
        await app.CreateLinkAsync(new { url = "https://shop.example.com/home", slug = "home" });
        using var visitor = app.CreateVisitorClient();
        await CountingTests.ClickAsync(visitor, "http://brand.test/dom", Agents.ChromeWindows, null);
        await CountingTests.ClickAsync(visitor, "http://go.example.com/home", Agents.ChromeWindows, null);
        await app.FlushClicksAsync();
        using (var patch = await api.PatchAsJsonAsync("/api/links/dom?domain=brand.test", new { title = "Sale" }))
            patch.EnsureSuccessStatusCode();
        using (var delete = await api.DeleteAsync("/api/links/dom?domain=brand.test"))
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        await receiver.WaitForAsync(r => r.DistinctIds.Count >= 6, TimeSpan.FromSeconds(30), "two creates, two clicks, an update and a delete");

        var events = receiver.Events.DistinctBy(e => e.Id).ToList();
        foreach (var type in new[] { WebhookEventTypes.LinkCreated, WebhookEventTypes.LinkUpdated, WebhookEventTypes.LinkDeleted, WebhookEventTypes.LinkClicked })
        {
            var data = events.First(e => e.Type == type && e.Data.GetProperty("link").GetProperty("slug").GetString() == "dom").Data;
            Assert.Equal("brand.test", data.GetProperty("link").GetProperty("domain").GetString());
            Assert.Equal("https://brand.test/dom", data.GetProperty("link").GetProperty("shortUrl").GetString());
            if (type == WebhookEventTypes.LinkClicked)
                Assert.Equal("brand.test", data.GetProperty("domain").GetString());
        }
        var home = events.Single(e => e.Type == WebhookEventTypes.LinkClicked && e.Data.GetProperty("link").GetProperty("slug").GetString() == "home").Data;
        Assert.Equal("go.example.com", home.GetProperty("domain").GetString());
        Assert.Equal("https://go.example.com/home", home.GetProperty("link").GetProperty("shortUrl").GetString());
        Assert.Equal("shop.example.com", home.GetProperty("dimensions").GetProperty("destinationDomain").GetString());
    }

    [Fact]
    public async Task A_link_updated_event_names_the_previous_slug_or_domain_only_when_the_change_renamed_or_moved_the_link()
    {
        await using var receiver = new WebhookReceiver();
        await using var app = new RedirectorApplication(settings: WebhookDeliveryTests.FastSettings(new() { ["Redirector:BaseUrl"] = "https://go.example.com" }));
        using var api = app.CreateApiClient();
        (await api.PostAsJsonAsync("/api/domains", new { host = "brand.test" })).EnsureSuccessStatusCode();
        await WebhookReceiver.CreateEndpointAsync(api, receiver, new { events = new[] { WebhookEventTypes.LinkUpdated } });
        await WebhookDeliveryTests.SubscribedAsync(app);
        await app.CreateLinkAsync(new { url = "https://shop.example.com/sale", slug = "old" });
        foreach (var (path, change) in new (string, object)[]
        {
            ("/api/links/old", new { title = "Kept" }),
            ("/api/links/old", new { slug = "new" }),
            ("/api/links/new", new { domain = "brand.test" }),
        })
        {
            using var patch = await api.PatchAsJsonAsync(path, change);
            patch.EnsureSuccessStatusCode();
        }
        await receiver.WaitForAsync(r => r.DistinctIds.Count >= 3, TimeSpan.FromSeconds(30), "three updates");

        var updates = receiver.Events.DistinctBy(e => e.Id).Select(e => e.Data)
            .ToDictionary(d => d.GetProperty("link").GetProperty("version").GetInt32());
        Assert.Equal([2, 3, 4], updates.Keys.Order());
        static string? Previous(JsonElement data, string name) => data.TryGetProperty(name, out var value) ? value.GetString() ?? "(null)" : null;

        Assert.Equal("Kept", updates[2].GetProperty("link").GetProperty("title").GetString());
        Assert.Equal((null, null), (Previous(updates[2], "previousSlug"), Previous(updates[2], "previousDomain")));
        Assert.Equal("new", updates[3].GetProperty("link").GetProperty("slug").GetString());
        Assert.Equal(("old", null), (Previous(updates[3], "previousSlug"), Previous(updates[3], "previousDomain")));
        Assert.Equal("brand.test", updates[4].GetProperty("link").GetProperty("domain").GetString());
        Assert.Equal((null, "go.example.com"), (Previous(updates[4], "previousSlug"), Previous(updates[4], "previousDomain")));
    }

    [Fact]
    public async Task A_click_from_another_sites_page_has_a_referrer_and_no_source_page_in_stats_events_and_webhooks()
    {
        await using var receiver = new WebhookReceiver();
        await using var app = new RedirectorApplication(settings: WebhookDeliveryTests.FastSettings());
        await app.CreateSiteAsync("Blog", false, "blog.example");
        using var api = app.CreateApiClient();
        await WebhookReceiver.CreateEndpointAsync(api, receiver, new { events = new[] { WebhookEventTypes.LinkClicked } });
        await WebhookDeliveryTests.SubscribedAsync(app);
        await app.CreateLinkAsync(new { url = "https://shop.example.com/sale", slug = "src" });
        using var visitor = app.CreateVisitorClient();
        for (var i = 0; i < 2; i++)
            await CountingTests.ClickAsync(visitor, "/src", Agents.ChromeWindows, "https://www.google.com/search?q=sale");
        for (var i = 0; i < 3; i++)
            await CountingTests.ClickAsync(visitor, "/src", Agents.ChromeWindows, "https://blog.example/post?ref=1");
        await app.FlushClicksAsync();
        await app.WaitForEventsAsync();
        await receiver.WaitForAsync(r => r.DistinctIds.Count >= 5, TimeSpan.FromSeconds(30), "five clicks");

        // The counters' rule: only the blog's page is a source page; google.com is a referrer.
        var stats = await CountingTests.GetStatsAsync(app, "src");
        var page = Assert.Single(stats[Dimensions.SourcePage]);
        Assert.Equal(("https://blog.example/post", 3L), (page.Key, page.Clicks));
        Assert.Equal(2, stats[Dimensions.ReferrerDomain].Single(k => k.Key == "google.com").Clicks);

        var rows = (await api.GetStringAsync("/api/events?format=ndjson&link=src")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(5, rows.Count);
        Assert.Equal(2, rows.Count(r => r.GetProperty("referrerDomain").GetString() == "google.com" && r.GetProperty("sourcePage").ValueKind == JsonValueKind.Null));
        Assert.Equal(3, rows.Count(r => r.GetProperty("sourcePage").GetString() == "https://blog.example/post"));
        var csv = await api.GetStringAsync("/api/events?link=src&referrerDomain=google.com");
        Assert.DoesNotContain(",https://www.google.com/search,", csv);

        var clicks = receiver.Events.DistinctBy(e => e.Id).Select(e => e.Data.GetProperty("dimensions")).ToList();
        Assert.Equal(2, clicks.Count(d => d.GetProperty("referrerDomain").GetString() == "google.com" && !d.TryGetProperty("sourcePage", out _)));
        Assert.Equal(3, clicks.Count(d => d.TryGetProperty("sourcePage", out var p) && p.GetString() == "https://blog.example/post"));
    }
}
