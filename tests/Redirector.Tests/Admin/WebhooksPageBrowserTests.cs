using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Redirector.Tests.Core;
using Redirector.Tests.Webhooks;
using Redirector.Webhooks;
using static Microsoft.Playwright.Assertions;

namespace Redirector.Tests.Admin;

/// <summary>The admin's Webhooks page in a real browser lists the requests sent from the spool, each with the clicks it carried.</summary>
public sealed class WebhooksPageBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Recent_deliveries_show_each_request_with_its_number_of_clicks()
    {
        await using var receiver = new WebhookReceiver();
        var (app, address) = BrowserFixture.StartService(WebhookDeliveryTests.FastSettings());
        await using var _ = app;
        long endpoint;
        using (var api = app.CreateApiClient())
            endpoint = await WebhookReceiver.CreateEndpointAsync(api, receiver, new { events = new[] { WebhookEventTypes.LinkClicked }, batchSize = 10 });
        await WebhookDeliveryTests.SubscribedAsync(app);
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "hooked" });
        // At once, so that the spool's batches hold several clicks each, sent as requests of several events.
        using (var visitor = app.CreateVisitorClient())
        {
            foreach (var answer in await Task.WhenAll(Enumerable.Range(0, 25).Select(_ => CountingTests.ClickAsync(visitor, "/hooked", Agents.ChromeWindows, null))))
                answer.Dispose();
        }
        await app.FlushClicksAsync();
        await receiver.WaitForAsync(r => r.DistinctIds.Count >= 25, TimeSpan.FromSeconds(30), "the clicks");

        // The page lists an endpoint's 10 latest deliveries: the API's list of the same.
        JsonElement listed;
        using (var api = app.CreateApiClient())
            listed = await api.GetFromJsonAsync<JsonElement>($"/api/webhooks/{endpoint}/deliveries?limit=10");
        var expected = listed.GetProperty("items").EnumerateArray()
            .Select(d => d.GetProperty("events").GetInt32() is var n and > 1 ? $"link.clicked × {n}" : "link.clicked").ToList();
        Assert.Contains(expected, text => text.Contains('×'));

        var page = await browser.SignedInPageAsync(address);
        await page.GotoAsync("/admin/webhooks");
        await Expect(page.GetByText("(0 waiting on this node)")).ToBeVisibleAsync();
        await Expect(page.Locator("table.deliveries tbody td:nth-child(2)")).ToHaveTextAsync([.. expected]);
        await Expect(page.Locator("table.deliveries tbody td .show-narrow").First).ToBeHiddenAsync();

        // On a phone the Event column is hidden and each row says its event under the time.
        await page.SetViewportSizeAsync(390, 844);
        await Expect(page.Locator("table.deliveries tbody td:nth-child(2)").First).ToBeHiddenAsync();
        var underTime = page.Locator("table.deliveries tbody td:first-child .show-narrow");
        await Expect(underTime).ToHaveTextAsync([.. expected]);
        await Expect(underTime.First).ToBeVisibleAsync();
    }
}