using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Redirector.Tests.Infrastructure;
using Redirector.Webhooks;

namespace Redirector.Tests.Webhooks;

/// <summary>
/// The "webhooks" spool consumer sends a healthy endpoint's clicks itself, one delivery row per request, and hands
/// the clicks of a failing or slow endpoint to the queue and its worker, then sends from the spool again.
/// </summary>
public sealed class WebhookDirectDeliveryTests
{
    [Fact]
    public async Task A_healthy_endpoint_gets_clicks_from_the_spool_listed_as_one_delivery_per_request()
    {
        await using var receiver = new WebhookReceiver();
        await using var app = new RedirectorApplication(settings: WebhookDeliveryTests.FastSettings());
        using var api = app.CreateApiClient();
        var id = await WebhookReceiver.CreateEndpointAsync(api, receiver, new { events = new[] { WebhookEventTypes.LinkClicked }, batchSize = 50 });
        await WebhookDeliveryTests.SubscribedAsync(app);
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "direct" });
        await WebhookDeliveryTests.ClickAsync(app, "/direct", 300);

        await receiver.WaitForAsync(r => r.DistinctIds.Count >= 300, TimeSpan.FromSeconds(30), "the clicks");
        var deliveries = await api.GetFromJsonAsync<JsonElement>($"/api/webhooks/{id}/deliveries?limit=200");
        Assert.Equal(0, deliveries.GetProperty("pending").GetInt64());
        var items = deliveries.GetProperty("items").EnumerateArray().ToList();
        // One row per request (its webhook-id), none per event: the queue never held these clicks.
        Assert.Equal(receiver.Requests, items.Count);
        Assert.Equal(300, items.Sum(d => d.GetProperty("events").GetInt32()));
        Assert.All(items, d =>
        {
            Assert.StartsWith("batch_", d.GetProperty("eventId").GetString());
            Assert.InRange(d.GetProperty("events").GetInt32(), 1, 50);
            Assert.Equal(1, d.GetProperty("attempts").GetInt32());
            Assert.Equal(204, d.GetProperty("status").GetInt32());
            Assert.Equal(JsonValueKind.String, d.GetProperty("deliveredAt").ValueKind);
        });
        Assert.All(receiver.Events, e => Assert.True(e.Verified));
    }

    [Fact]
    public async Task A_slow_receiver_holds_the_spool_for_about_one_direct_timeout_and_gets_the_rest_from_the_queue()
    {
        // 20 requests of 300 ms each would hold the spool 6 s; the consumer gives the endpoint 1 s per batch.
        await using var receiver = new WebhookReceiver { Delay = TimeSpan.FromMilliseconds(300) };
        await using var app = new RedirectorApplication(settings: WebhookDeliveryTests.FastSettings(new() { ["Webhooks:DirectTimeout"] = "00:00:01" }));
        using var api = app.CreateApiClient();
        var id = await WebhookReceiver.CreateEndpointAsync(api, receiver, new { events = new[] { WebhookEventTypes.LinkClicked } });
        await WebhookDeliveryTests.SubscribedAsync(app);
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "slow" });
        await WebhookDeliveryTests.ClickAsync(app, "/slow", 20);

        await receiver.WaitForAsync(r => r.Requests >= 1, TimeSpan.FromSeconds(30), "the first request");
        var consumer = app.Services.GetRequiredService<WebhookClickConsumer>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (consumer.PendingBatches > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(10);
        Assert.Equal(0, consumer.PendingBatches);
        var receivedWhenTheSpoolMovedOn = receiver.DistinctIds.Count;
        Assert.True(receivedWhenTheSpoolMovedOn < 20, $"{receivedWhenTheSpoolMovedOn} of 20 events had arrived when the consumer moved on");

        await receiver.WaitForAsync(r => r.DistinctIds.Count >= 20, TimeSpan.FromSeconds(30), "the queued clicks");
        Assert.Equal(20, receiver.DistinctIds.Count);
        var deliveries = await api.GetFromJsonAsync<JsonElement>($"/api/webhooks/{id}/deliveries?limit=100");
        Assert.Equal(0, deliveries.GetProperty("pending").GetInt64());
        Assert.Equal(20, deliveries.GetProperty("items").EnumerateArray().Sum(d => d.GetProperty("events").GetInt32()));
    }

    [Fact]
    public async Task After_a_failure_clicks_go_through_the_queue_then_from_the_spool_again()
    {
        await using var receiver = new WebhookReceiver { FailFirst = TimeSpan.FromSeconds(1) };
        await using var app = new RedirectorApplication(settings: WebhookDeliveryTests.FastSettings(new() { ["Webhooks:QueueAfterFailure"] = "00:00:02" }));
        using var api = app.CreateApiClient();
        var id = await WebhookReceiver.CreateEndpointAsync(api, receiver, new { events = new[] { WebhookEventTypes.LinkClicked }, batchSize = 10 });
        await WebhookDeliveryTests.SubscribedAsync(app);
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "back" });
        await WebhookDeliveryTests.ClickAsync(app, "/back", 10);

        await receiver.WaitForAsync(r => r.DistinctIds.Count >= 10, TimeSpan.FromSeconds(30), "the clicks after the receiver recovered");
        var queued = (await api.GetFromJsonAsync<JsonElement>($"/api/webhooks/{id}/deliveries?limit=100")).GetProperty("items").EnumerateArray().ToList();
        // The failed request's clicks were queued one row per event, and the worker retried them.
        Assert.Equal(10, queued.Count);
        Assert.All(queued, d => Assert.StartsWith("clk_", d.GetProperty("eventId").GetString()));
        Assert.Contains(queued, d => d.GetProperty("attempts").GetInt32() > 1);

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        await WebhookDeliveryTests.ClickAsync(app, "/back", 10);
        await receiver.WaitForAsync(r => r.DistinctIds.Count >= 20, TimeSpan.FromSeconds(30), "the clicks after QueueAfterFailure");
        var deliveries = await api.GetFromJsonAsync<JsonElement>($"/api/webhooks/{id}/deliveries?limit=100");
        Assert.Equal(0, deliveries.GetProperty("pending").GetInt64());
        var sentFromTheSpool = deliveries.GetProperty("items").EnumerateArray().Where(d => d.GetProperty("eventId").GetString()!.StartsWith("batch_", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(sentFromTheSpool);
        Assert.Equal(10, sentFromTheSpool.Sum(d => d.GetProperty("events").GetInt32()));
    }

    [Fact]
    public async Task Without_an_endpoint_for_clicks_the_spool_is_passed_and_an_endpoint_created_later_gets_the_clicks_after_it()
    {
        await using var receiver = new WebhookReceiver();
        await using var app = new RedirectorApplication(settings: WebhookDeliveryTests.FastSettings());
        using var api = app.CreateApiClient();
        // An endpoint for link changes alone does not want clicks: its batches are passed too.
        await WebhookReceiver.CreateEndpointAsync(api, receiver, new { events = new[] { WebhookEventTypes.LinkDeleted } });
        await WebhookDeliveryTests.SubscribedAsync(app);
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "later" });
        var consumer = app.Services.GetRequiredService<WebhookClickConsumer>();
        for (var batch = 0; batch < 3; batch++)
            await WebhookDeliveryTests.ClickAsync(app, "/later", 5);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((consumer.PendingBatches > 0 || consumer.AppliedClicks < 15) && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        Assert.Equal(0, consumer.PendingBatches);
        Assert.Equal(15, consumer.AppliedClicks);

        await WebhookReceiver.CreateEndpointAsync(api, receiver, new { events = new[] { WebhookEventTypes.LinkClicked } });
        await WebhookDeliveryTests.SubscribedAsync(app);
        await WebhookDeliveryTests.ClickAsync(app, "/later", 7);
        await receiver.WaitForAsync(r => r.DistinctIds.Count >= 7, TimeSpan.FromSeconds(30), "the clicks after the endpoint");
        await Task.Delay(500);
        Assert.Equal(7, receiver.DistinctIds.Count);
        Assert.All(receiver.Events, e => Assert.Equal(WebhookEventTypes.LinkClicked, e.Type));
    }
}
