using System.Net.Http.Json;
using System.Text.Json;
using Redirector.Tests.Core;
using Redirector.Tests.Infrastructure;
using Redirector.Tests.Outbound;

namespace Redirector.Tests.Stats;

/// <summary>
/// GET /api/links/{slug}/clicks names each fact as GET /api/events does: the destination domain is
/// <c>destinationDomain</c> (<c>domain</c> means the short domain everywhere), the link is its slug, short domain and
/// short URL (not its internal id), the device type <c>deviceType</c>, the bot flag <c>isBot</c>.
/// </summary>
public sealed class RecentClicksApiTests
{
    [Fact]
    public async Task Recent_clicks_use_the_names_and_values_of_the_event_stream()
    {
        await using var app = new RedirectorApplication(settings: new Dictionary<string, string?> { ["Redirector:BaseUrl"] = "https://go.example.com" });
        using var api = app.CreateApiClient();
        (await api.PostAsJsonAsync("/api/domains", new { host = "brand.test" })).EnsureSuccessStatusCode();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/sale", slug = "sale", domain = "brand.test" });
        // A source page is a registered site's page, in the stats and events alike; google.com is a referrer only.
        await app.CreateSiteAsync("Blog", false, "blog.example.org");
        using (var visitor = app.CreateVisitorClient())
        {
            await CountingTests.ClickAsync(visitor, "http://brand.test/sale?utm_source=facebook", Agents.SafariIphone, "https://blog.example.org/post");
            await CountingTests.ClickAsync(visitor, "http://brand.test/sale", Agents.ChromeWindows, "https://www.google.com/search?q=sale");
            await CountingTests.ClickAsync(visitor, "http://brand.test/sale", Agents.Slackbot, null);
        }
        await app.WaitForEventsAsync();

        var clicks = await api.GetFromJsonAsync<List<JsonElement>>("/api/links/sale/clicks?domain=brand.test&bots=true");
        Assert.True(clicks!.Count == 3, string.Join("\n", clicks));
        var person = clicks.Single(c => c.TryGetProperty("utmSource", out _));
        Assert.Equal("click", person.GetProperty("event").GetString());
        Assert.Equal("shop.example.com", person.GetProperty("destinationDomain").GetString());
        Assert.Equal("sale", person.GetProperty("slug").GetString());
        Assert.Equal("brand.test", person.GetProperty("shortDomain").GetString());
        Assert.Equal("https://brand.test/sale", person.GetProperty("shortUrl").GetString());
        Assert.Equal("facebook", person.GetProperty("utmSource").GetString());
        Assert.Equal("mobile", person.GetProperty("deviceType").GetString());
        Assert.Equal("https://blog.example.org/post", person.GetProperty("sourcePage").GetString());
        var fromGoogle = clicks.Single(c => c.TryGetProperty("referrer", out var r) && r.GetString()!.Contains("google", StringComparison.Ordinal));
        Assert.False(fromGoogle.TryGetProperty("sourcePage", out _), fromGoogle.ToString());
        foreach (var rawName in new[] { "domain", "link", "device", "bot" })
            Assert.False(person.TryGetProperty(rawName, out _), $"'{rawName}' in {person}");
        Assert.Equal("bot", clicks.Single(c => c.GetProperty("isBot").GetBoolean()).GetProperty("event").GetString());
        // The referrer domain, which the raw log does not keep, is the counted one: its host without "www.".
        Assert.Equal("blog.example.org", person.GetProperty("referrerDomain").GetString());
        Assert.Equal("google.com", fromGoogle.GetProperty("referrerDomain").GetString());
        Assert.Equal("(direct)", clicks.Single(c => c.GetProperty("isBot").GetBoolean()).GetProperty("referrerDomain").GetString());

        // Every name the list gives is an event column holding the same value (times aside: the same instant).
        var events = (await api.GetStringAsync("/api/events?format=ndjson&link=sale&domain=brand.test")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement).ToList();
        foreach (var click in clicks)
        {
            var row = events.Single(e => e.GetProperty("isBot").GetBoolean() == click.GetProperty("isBot").GetBoolean()
                && e.GetProperty("referrer").ToString() == (click.TryGetProperty("referrer", out var referrer) ? referrer.GetString() : ""));
            foreach (var property in click.EnumerateObject())
            {
                Assert.True(row.TryGetProperty(property.Name, out var value), $"'{property.Name}' is not a column of /api/events: {row}");
                if (property.Name == "time")
                    Assert.Equal(value.GetDateTime(), property.Value.GetDateTime());
                else
                    Assert.Equal(value.ToString(), property.Value.ToString());
            }
        }

        // The OpenAPI document describes the same shape.
        using var openApi = JsonDocument.Parse(await api.GetStringAsync("/openapi/v1.json"));
        var operation = openApi.RootElement.GetProperty("paths").GetProperty("/api/links/{slug}/clicks").GetProperty("get");
        Assert.Contains("destinationDomain", operation.GetProperty("description").GetString());
        var schema = openApi.RootElement.GetProperty("components").GetProperty("schemas").GetProperty("RecentClickResponse");
        Assert.True(schema.GetProperty("properties").TryGetProperty("shortDomain", out _), schema.ToString());
    }
}
