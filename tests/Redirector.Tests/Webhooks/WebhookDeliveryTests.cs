using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Redirector.Tests.Core;
using Redirector.Tests.Infrastructure;
using Redirector.Webhooks;

namespace Redirector.Tests.Webhooks;

/// <summary>Clicks and link changes reach a real receiver on loopback through the real pipeline, signed, once per event id.</summary>
public sealed class WebhookDeliveryTests
{
    /// <summary>
    /// Waits until this node's dispatcher has read every endpoint created so far: an endpoint gets the clicks counted
    /// after that (within Webhooks:PollInterval of its creation), and a loaded machine can stretch the poll.
    /// </summary>
    internal static async Task SubscribedAsync(RedirectorApplication app)
    {
        using var api = app.CreateApiClient();
        var created = (await api.GetFromJsonAsync<JsonElement>("/api/webhooks")).EnumerateArray().Count();
        var subscriptions = app.Services.GetRequiredService<Redirector.Webhooks.WebhookSubscriptions>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (subscriptions.All.Count < created && DateTime.UtcNow < deadline)
            await Task.Delay(20);
    }

    /// <summary>Fast retries so that tests of failing receivers take seconds, and loopback allowed.</summary>
    internal static Dictionary<string, string?> FastSettings(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Webhooks:AllowPrivateAddresses"] = "true",
            ["Webhooks:PollInterval"] = "00:00:00.100",
            ["Webhooks:RetryInitial"] = "00:00:00.200",
            ["Webhooks:RetryMax"] = "00:00:01",
            ["Webhooks:QuickRetries"] = "0",
            ["Webhooks:Timeout"] = "00:00:02",
        };
        foreach (var (key, value) in more ?? [])
            settings[key] = value;
        return settings;
    }

    [Fact]
    public async Task Five_hundred_clicks_and_three_link_changes_arrive_as_503_distinct_signed_events()
    {
        await using var receiver = new WebhookReceiver();
        await using var app = new RedirectorApplication(settings: FastSettings());
        // On a real socket the clicks have a client address, so they carry a visitor hash.
        app.StartKestrel();
        using var api = app.CreateApiClient();
        await WebhookReceiver.CreateEndpointAsync(api, receiver);
        await SubscribedAsync(app);
        await app.CreateLinkAsync(new { url = "https://shop.example.com/sale", slug = "wh", tags = new[] { "spring" }, utm = new { source = "newsletter" } });
        using var visitor = app.CreateVisitorClient();
        for (var i = 0; i < 500; i++)
            await CountingTests.ClickAsync(visitor, "/wh?utm_campaign=c" + (i % 3), Agents.ChromeWindows, "https://news.example/story");
        await app.FlushClicksAsync();
        await receiver.WaitForAsync(r => r.DistinctIds.Count >= 501, TimeSpan.FromSeconds(30), "clicks and the create");
        Assert.Equal(500, (await CountingTests.GetStatsAsync(app, "wh")).Clicks);

        using (var patch = await api.PatchAsJsonAsync("/api/links/wh", new { title = "Spring sale" }))
            patch.EnsureSuccessStatusCode();
        using (var delete = await api.DeleteAsync("/api/links/wh"))
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        await receiver.WaitForAsync(r => r.DistinctIds.Count >= 503, TimeSpan.FromSeconds(30), "the update and the delete");
        await Task.Delay(500);

        var events = receiver.Events.ToList();
        Assert.Equal(503, events.Select(e => e.Id).Distinct().Count());
        Assert.All(events, e => Assert.True(e.Verified, $"signature of {e.Id}"));
        var clicks = events.Where(e => e.Type == WebhookEventTypes.LinkClicked).DistinctBy(e => e.Id).ToList();
        Assert.Equal(500, clicks.Count);
        Assert.Equal([WebhookEventTypes.LinkCreated, WebhookEventTypes.LinkUpdated, WebhookEventTypes.LinkDeleted],
            events.Where(e => e.Type != WebhookEventTypes.LinkClicked).DistinctBy(e => e.Id).Select(e => e.Type));
        Assert.Equal("Spring sale", events.Single(e => e.Type == WebhookEventTypes.LinkUpdated).Data.GetProperty("link").GetProperty("title").GetString());
        Assert.Equal("wh", events.Single(e => e.Type == WebhookEventTypes.LinkDeleted).Data.GetProperty("link").GetProperty("slug").GetString());

        var click = clicks[0].Data;
        Assert.Equal("wh", click.GetProperty("link").GetProperty("slug").GetString());
        // Where the visitor was sent: the link's UTM tags are part of it (the visitor's own utm_campaign is a dimension).
        Assert.Equal("https://shop.example.com/sale?utm_source=newsletter", click.GetProperty("destination").GetString());
        // The short domain: without Redirector:BaseUrl the default domain has no name a payload could give.
        Assert.Equal(JsonValueKind.Null, click.GetProperty("domain").ValueKind);
        Assert.Equal("shop.example.com", click.GetProperty("dimensions").GetProperty("destinationDomain").GetString());
        Assert.False(click.GetProperty("bot").GetBoolean());
        Assert.Matches("^[0-9a-f]{16}$", click.GetProperty("visitor").GetString());
        var dimensions = click.GetProperty("dimensions");
        Assert.Equal("newsletter", dimensions.GetProperty("utmSource").GetString());
        Assert.Equal("news.example", dimensions.GetProperty("referrerDomain").GetString());
        Assert.Equal("desktop", dimensions.GetProperty("deviceType").GetString());
        Assert.Equal(500, clicks.Count(c => c.Data.GetProperty("dimensions").GetProperty("utmCampaign").GetString() is "c0" or "c1" or "c2"));
        // The visitor is a keyed hash: no address travels (the test client's and loopback's).
        Assert.DoesNotContain(events, e => e.Raw.Contains("127.0.0.1", StringComparison.Ordinal) || e.Raw.Contains("::1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_click_sent_to_an_AB_variant_names_that_variant_as_its_destination()
    {
        await using var receiver = new WebhookReceiver();
        await using var app = new RedirectorApplication(settings: FastSettings());
        using var api = app.CreateApiClient();
        await WebhookReceiver.CreateEndpointAsync(api, receiver);
        await SubscribedAsync(app);
        await app.CreateLinkAsync(new
        {
            url = "https://shop.example.com/sale", slug = "ab", utm = new { campaign = "spring" },
            variants = new[] { new { url = "https://shop.example.com/a", weight = 50 }, new { url = "https://shop.example.com/b?x=1", weight = 50 } },
        });
        using var visitor = app.CreateVisitorClient();
        var locations = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/ab");
            // A visitor of its own for each click, so the split sends some to each side.
            request.Headers.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows + " Visitor/" + i);
            using var response = await visitor.SendAsync(request);
            Assert.Equal(HttpStatusCode.Found, response.StatusCode);
            locations.Add(response.Headers.Location!.OriginalString);
        }
        await app.FlushClicksAsync();
        await receiver.WaitForAsync(r => r.Events.Count(e => e.Type == WebhookEventTypes.LinkClicked) >= 40, TimeSpan.FromSeconds(30), "40 clicks");

        var destinations = receiver.Events.Where(e => e.Type == WebhookEventTypes.LinkClicked).DistinctBy(e => e.Id)
            .Select(e => e.Data.GetProperty("destination").GetString()!).ToList();
        Assert.Equal(locations.Order(StringComparer.Ordinal), destinations.Order(StringComparer.Ordinal));
        Assert.Equal(["https://shop.example.com/a?utm_campaign=spring", "https://shop.example.com/b?x=1&utm_campaign=spring"],
            destinations.Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Visits_refused_by_max_clicks_send_no_link_clicked()
    {
        await using var receiver = new WebhookReceiver();
        await using var app = new RedirectorApplication(settings: FastSettings());
        using var api = app.CreateApiClient();
        await WebhookReceiver.CreateEndpointAsync(api, receiver, new { events = new[] { WebhookEventTypes.LinkClicked } });
        await SubscribedAsync(app);
        await app.CreateLinkAsync(new { url = "https://shop.example.com/drop", slug = "few", maxClicks = 2, expiredUrl = "https://shop.example.com/sold-out" });
        using var visitor = app.CreateVisitorClient();
        for (var i = 0; i < 5; i++)
            await CountingTests.ClickAsync(visitor, "/few", Agents.ChromeWindows, null);
        await app.FlushClicksAsync();

        await receiver.WaitForAsync(r => r.DistinctIds.Count >= 2, TimeSpan.FromSeconds(30), "the two clicks");
        await Task.Delay(1000);
        Assert.Equal(2, receiver.Events.Where(e => e.Type == WebhookEventTypes.LinkClicked).Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public async Task A_receiver_answering_500_for_five_seconds_loses_nothing()
    {
        await using var receiver = new WebhookReceiver { FailFirst = TimeSpan.FromSeconds(5) };
        await using var app = new RedirectorApplication(settings: FastSettings());
        using var api = app.CreateApiClient();
        var id = await WebhookReceiver.CreateEndpointAsync(api, receiver, new { events = new[] { WebhookEventTypes.LinkClicked } });
        await SubscribedAsync(app);
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "down" });
        await ClickAsync(app, "/down", 200);

        await receiver.WaitForAsync(r => r.DistinctIds.Count >= 200, TimeSpan.FromSeconds(40), "clicks after the receiver recovered");
        Assert.Equal(200, receiver.DistinctIds.Count);
        Assert.True(receiver.FailedRequests > 0, "the receiver failed some requests");
        Assert.All(receiver.Events, e => Assert.True(e.Verified));
        var deliveries = await api.GetFromJsonAsync<JsonElement>($"/api/webhooks/{id}/deliveries?limit=200");
        Assert.Equal(0, deliveries.GetProperty("pending").GetInt64());
        Assert.Contains(deliveries.GetProperty("items").EnumerateArray(), d => d.GetProperty("attempts").GetInt32() > 1);
        Assert.All(deliveries.GetProperty("items").EnumerateArray(), d =>
        {
            Assert.Equal(204, d.GetProperty("status").GetInt32());
            // Delivered: no next attempt to show.
            Assert.Equal(JsonValueKind.Null, d.GetProperty("nextAttemptAt").ValueKind);
            Assert.Equal(JsonValueKind.String, d.GetProperty("deliveredAt").ValueKind);
        });
    }

    [Fact]
    public async Task Batch_mode_sends_arrays_of_at_most_the_batch_size()
    {
        await using var receiver = new WebhookReceiver();
        await using var app = new RedirectorApplication(settings: FastSettings());
        using var api = app.CreateApiClient();
        await WebhookReceiver.CreateEndpointAsync(api, receiver, new { events = new[] { WebhookEventTypes.LinkClicked }, batchSize = 50 });
        await SubscribedAsync(app);
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "bulk" });
        await ClickAsync(app, "/bulk", 300);

        await receiver.WaitForAsync(r => r.DistinctIds.Count >= 300, TimeSpan.FromSeconds(30), "batched clicks");
        Assert.Equal(300, receiver.DistinctIds.Count);
        Assert.All(receiver.Events, e => Assert.True(e.Verified));
        Assert.All(receiver.BatchSizes, size => Assert.InRange(size, 1, 50));
        Assert.True(receiver.Requests < 300, $"{receiver.Requests} requests for 300 events");
    }

    [Fact]
    public async Task A_hanging_endpoint_slows_neither_another_endpoint_nor_counting()
    {
        await using var hanging = new WebhookReceiver { Delay = TimeSpan.FromSeconds(30) };
        await using var healthy = new WebhookReceiver();
        await using var app = new RedirectorApplication(settings: FastSettings(new() { ["Webhooks:Timeout"] = "00:00:20" }));
        using var api = app.CreateApiClient();
        await WebhookReceiver.CreateEndpointAsync(api, hanging, new { events = new[] { WebhookEventTypes.LinkClicked } });
        await WebhookReceiver.CreateEndpointAsync(api, healthy, new { events = new[] { WebhookEventTypes.LinkClicked } });
        await SubscribedAsync(app);
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "two" });
        await ClickAsync(app, "/two", 30);

        // Everything reaches the healthy endpoint while the hanging one's first request is still waiting (20 s).
        await healthy.WaitForAsync(r => r.DistinctIds.Count >= 30, TimeSpan.FromSeconds(18), "the healthy endpoint");
        Assert.Equal(30, (await CountingTests.GetStatsAsync(app, "two")).Clicks);
        Assert.Empty(hanging.Events);
    }

    [Fact]
    public async Task An_endpoint_failing_longer_than_DisableAfter_is_disabled_with_the_reason()
    {
        await using var receiver = new WebhookReceiver { FailUntil = DateTime.MaxValue };
        await using var app = new RedirectorApplication(settings: FastSettings(new() { ["Webhooks:DisableAfter"] = "00:00:02" }));
        using var api = app.CreateApiClient();
        var id = await WebhookReceiver.CreateEndpointAsync(api, receiver);
        await SubscribedAsync(app);
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "gone" });

        var deadline = DateTime.UtcNow.AddSeconds(20);
        JsonElement endpoint;
        do
        {
            await Task.Delay(200);
            endpoint = await api.GetFromJsonAsync<JsonElement>($"/api/webhooks/{id}");
        }
        while (endpoint.GetProperty("enabled").GetBoolean() && DateTime.UtcNow < deadline);
        Assert.False(endpoint.GetProperty("enabled").GetBoolean());
        Assert.Contains("HTTP 500", endpoint.GetProperty("disabledReason").GetString());
        var requests = receiver.Requests;
        await Task.Delay(1500);
        Assert.Equal(requests, receiver.Requests);
    }

    [Fact]
    public async Task Link_filters_pick_the_links_whose_events_an_endpoint_gets()
    {
        await using var receiver = new WebhookReceiver();
        await using var app = new RedirectorApplication(settings: FastSettings());
        using var api = app.CreateApiClient();
        await WebhookReceiver.CreateEndpointAsync(api, receiver, new { linkFilter = new { tags = new[] { "vip" } } });
        await SubscribedAsync(app);
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "vip", tags = new[] { "vip" } });
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "plain" });
        using var visitor = app.CreateVisitorClient();
        for (var i = 0; i < 10; i++)
        {
            await CountingTests.ClickAsync(visitor, "/vip", Agents.ChromeWindows, null);
            await CountingTests.ClickAsync(visitor, "/plain", Agents.ChromeWindows, null);
        }
        await app.FlushClicksAsync();

        await receiver.WaitForAsync(r => r.DistinctIds.Count >= 11, TimeSpan.FromSeconds(20), "the vip link's events");
        await Task.Delay(1000);
        Assert.Equal(11, receiver.DistinctIds.Count);
        Assert.All(receiver.Events, e => Assert.Equal("vip", e.Data.GetProperty("link").GetProperty("slug").GetString()));
    }

    /// <summary>Clicks by one person's browser, answered and handed to the pipeline.</summary>
    internal static async Task ClickAsync(RedirectorApplication app, string path, int times)
    {
        using var visitor = app.CreateVisitorClient();
        for (var i = 0; i < times; i++)
            (await CountingTests.ClickAsync(visitor, path, Agents.ChromeWindows, null)).Dispose();
        await app.FlushClicksAsync();
    }
}
