using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Redirector.Tests.Core;
using Redirector.Tests.Infrastructure;
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
        var underTime = page.Locator("table.deliveries tbody td:first-child .show-narrow.muted");
        await Expect(underTime).ToHaveTextAsync([.. expected]);
        await Expect(underTime.First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task On_a_phone_a_failed_delivery_shows_its_whole_error_within_the_card()
    {
        var (app, address) = BrowserFixture.StartService(WebhookDeliveryTests.FastSettings());
        await using var _ = app;
        var error = (await FailedDeliveryAsync(app, "unheard")).GetProperty("lastError").GetString()!;
        Assert.True(error.Length > 30, $"the failed delivery's error: '{error}'");

        var page = await browser.SignedInPageAsync(address);
        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync("/admin/webhooks");
        var shown = page.Locator("table.deliveries tbody .delivery-error").First;
        await Expect(shown).ToHaveTextAsync(error);
        await BrowserFixture.ScreenshotAsync(page, "webhooks-failed-delivery-390");
        // It breaks between words: a word of up to 150 px is never split, since the error's cell has more room than
        // that at 390 px ("Connectio n" was split in a column a third of the row wide).
        var split = await shown.EvaluateAsync<string[]>("""
            e => [...e.textContent.matchAll(/\S+/g)].filter(word => {
              const range = document.createRange();
              range.setStart(e.firstChild, word.index);
              range.setEnd(e.firstChild, word.index + word[0].length);
              const rects = [...range.getClientRects()];
              return new Set(rects.map(r => Math.round(r.top))).size > 1 && rects.reduce((sum, r) => sum + r.width, 0) <= 150;
            }).map(word => word[0])
            """);
        Assert.True(split.Length == 0, $"split inside though they are short: {string.Join(", ", split)} in {error}");
        // Nothing of it is cut off, and the table fits its card without scrolling sideways.
        Assert.True(await shown.EvaluateAsync<bool>("e => e.scrollWidth <= e.clientWidth && e.scrollHeight <= e.clientHeight + 1"), $"the error is clipped: {await shown.EvaluateAsync<string>("e => e.scrollWidth + \"x\" + e.scrollHeight + \" in \" + e.clientWidth + \"x\" + e.clientHeight")} for {error}");
        Assert.True(await page.Locator("table.deliveries").EvaluateAsync<bool>("t => t.closest('.table-card').scrollWidth <= t.closest('.table-card').clientWidth + 1"),
            "the deliveries table is wider than its card: " + await page.Locator("table.deliveries").EvaluateAsync<string>("t => t.closest('.table-card').scrollWidth + ' in ' + t.closest('.table-card').clientWidth + ': ' + [...t.querySelectorAll('tbody tr:first-child td')].map(c => getComputedStyle(c).display + ' ' + c.offsetWidth + ' ' + c.textContent).join(' | ')"));
    }

    [Fact]
    public async Task A_delivery_links_to_its_link_and_an_endpoint_backing_off_shows_when_it_tries_next()
    {
        // An hour's wait after a failure: the next attempt stays put while the page is read.
        var (app, address) = BrowserFixture.StartService(WebhookDeliveryTests.FastSettings(new() { ["Webhooks:RetryInitial"] = "01:00:00", ["Webhooks:RetryMax"] = "02:00:00" }));
        await using var _ = app;
        var delivery = await FailedDeliveryAsync(app, "unheard");
        var next = delivery.GetProperty("nextAttemptAt").GetDateTimeOffset().UtcDateTime;
        Assert.True(next > DateTime.UtcNow.AddMinutes(50), $"the next attempt: {next:O}");
        var shown = next.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + " UTC";

        var page = await browser.SignedInPageAsync(address);
        await page.GotoAsync("/admin/webhooks");
        await Expect(page.GetByTestId("next-attempt")).ToHaveTextAsync($"Backing off after failed deliveries: next attempt at {shown}.");
        await Expect(page.Locator("table.deliveries tbody td:nth-child(3)")).ToHaveTextAsync($"retrying at {shown}");
        await Expect(page.Locator("table.deliveries tbody td:nth-child(2)")).ToHaveTextAsync("link.created /unheard");
        await page.Locator("table.deliveries tbody td:nth-child(2) a").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/admin/links/unheard$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("unheard");
    }

    [Fact]
    public async Task A_link_deleted_delivery_names_its_link_without_linking_to_its_missing_page()
    {
        var (app, address) = BrowserFixture.StartService(WebhookDeliveryTests.FastSettings(new() { ["Webhooks:RetryInitial"] = "01:00:00", ["Webhooks:RetryMax"] = "02:00:00" }));
        await using var _ = app;
        await FailedDeliveryAsync(app, "gone", thenDelete: true);

        var page = await browser.SignedInPageAsync(address);
        await page.GotoAsync("/admin/webhooks");
        var deleted = page.Locator("table.deliveries tbody td:nth-child(2)", new() { HasText = "link.deleted" });
        await Expect(deleted).ToHaveTextAsync("link.deleted /gone");
        await Expect(deleted.Locator("a")).ToHaveCountAsync(0);
        await Expect(page.Locator("table.deliveries tbody td.when", new() { HasText = "link.deleted" }).Locator("a")).ToHaveCountAsync(0);
        await Expect(page.Locator("table.deliveries tbody td:nth-child(2)", new() { HasText = "link.created" }).Locator("a")).ToHaveCountAsync(1);
    }

    /// <summary>
    /// The first failed delivery (as the API lists it) of a link.created event for a new link <paramref name="slug"/> to an
    /// endpoint nobody listens on, which fails with the connection's error, a long one; with <paramref name="thenDelete"/>
    /// the link is deleted too and the endpoint takes link.deleted, whose delivery waits behind the failed one.
    /// </summary>
    private static async Task<JsonElement> FailedDeliveryAsync(RedirectorApplication app, string slug, bool thenDelete = false)
    {
        int closedPort;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            closedPort = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        using var api = app.CreateApiClient();
        using (var created = await api.PostAsJsonAsync("/api/webhooks", new { url = $"http://127.0.0.1:{closedPort}/hook", events = thenDelete ? new[] { WebhookEventTypes.LinkCreated, WebhookEventTypes.LinkDeleted } : [WebhookEventTypes.LinkCreated] }))
            Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        await WebhookDeliveryTests.SubscribedAsync(app);
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug });
        if (thenDelete)
            Assert.Equal(System.Net.HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/links/{slug}")).StatusCode);
        var endpoint = (await api.GetFromJsonAsync<JsonElement>("/api/webhooks"))[0].GetProperty("id").GetInt64();
        for (var tries = 0; tries < 300; tries++)
        {
            var items = (await api.GetFromJsonAsync<JsonElement>($"/api/webhooks/{endpoint}/deliveries")).GetProperty("items");
            if (items.GetArrayLength() == (thenDelete ? 2 : 1) && items.EnumerateArray().Any(i => i.GetProperty("lastError").ValueKind == JsonValueKind.String))
                return items[0];
            await Task.Delay(100);
        }
        throw new TimeoutException("No delivery failed within 30 s.");
    }

    [Fact]
    public async Task The_help_on_separating_values_is_with_the_three_link_filter_fields()
    {
        var (app, address) = BrowserFixture.StartService();
        await using var _ = app;
        var page = await browser.SignedInPageAsync(address);

        await page.GotoAsync("/admin/webhooks");
        var filter = page.GetByRole(AriaRole.Group, new() { Name = "Which links" });
        foreach (var label in new[] { "Only links tagged", "Only destination domains", "Only links (slugs)" })
            await Expect(filter.GetByLabel(label)).ToBeVisibleAsync();
        await Expect(filter.Locator("#filter-help")).ToHaveTextAsync("Separate values with commas; leave empty for every link.");
        await Expect(filter.GetByLabel("Events per request")).ToHaveCountAsync(0);
        // Under the last filter field and above "Events per request", not below the form's last field.
        var help = (await filter.Locator("#filter-help").BoundingBoxAsync())!;
        Assert.True(help.Y > (await page.GetByLabel("Only links (slugs)").BoundingBoxAsync())!.Y);
        Assert.True(help.Y < (await page.GetByLabel("Events per request").BoundingBoxAsync())!.Y);
    }
}
