using System.Net;
using System.Net.Http.Json;
using Redirector.Stats;
using Redirector.Tests.Core;
using System.Text.Json;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Events;

/// <summary>GET /api/events streams the raw events under the stats filters, as CSV or NDJSON, without any address.</summary>
public sealed class EventsApiTests
{
    [Fact]
    public async Task Events_stream_as_ndjson_and_csv_under_filters_and_carry_no_address()
    {
        await using var app = new RedirectorApplication();
        await FilteredStatsTests.SendTwelveAsync(app);
        using var api = app.CreateApiClient();

        var ndjson = await api.GetStringAsync("/api/events?format=ndjson&utmSource=facebook&deviceType=mobile&link=sale");
        var lines = ndjson.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Length);
        foreach (var line in lines)
        {
            using var row = JsonDocument.Parse(line);
            Assert.Equal("facebook", row.RootElement.GetProperty("utmSource").GetString());
            Assert.Equal("click", row.RootElement.GetProperty("event").GetString());
            // The in-memory test server has no client address, so no visitor hash; with one it is 16 hex digits.
            Assert.True(row.RootElement.GetProperty("visitor") is { ValueKind: JsonValueKind.Null } or { ValueKind: JsonValueKind.String } && (row.RootElement.GetProperty("visitor").GetString()?.Length ?? 16) == 16);
        }
        Assert.Equal(5, lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("index").GetInt32() + "/" + JsonDocument.Parse(l).RootElement.GetProperty("sequence").GetInt64()).Distinct().Count());

        using var response = await api.GetAsync("/api/events?utmSource=!facebook");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var csv = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("time,node,sequence,index,event,isBot,visitor,", csv[0]);
        Assert.Equal(1 + 4, csv.Length);
        Assert.DoesNotContain("127.0.0.1", ndjson + string.Join("\n", csv));

        using var bad = await api.GetAsync("/api/events?format=xml");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Events_name_their_link_by_slug_and_short_domain_and_a_deleted_links_events_by_id_only()
    {
        await using var app = new RedirectorApplication(settings: new Dictionary<string, string?> { ["Redirector:BaseUrl"] = "https://go.example.com" });
        using var api = app.CreateApiClient();
        (await api.PostAsJsonAsync("/api/domains", new { host = "brand.test" })).EnsureSuccessStatusCode();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/kept", slug = "kept", domain = "brand.test" });
        await app.CreateLinkAsync(new { url = "https://shop.example.com/gone", slug = "gone" });
        using (var visitor = app.CreateVisitorClient())
        {
            for (var i = 0; i < 3; i++)
                await CountingTests.ClickAsync(visitor, "http://brand.test/kept", Agents.ChromeWindows, null);
            for (var i = 0; i < 2; i++)
                await CountingTests.ClickAsync(visitor, "/gone", Agents.ChromeWindows, null);
        }
        await app.WaitForEventsAsync();
        (await api.DeleteAsync("/api/links/gone")).EnsureSuccessStatusCode();

        var rows = (await api.GetStringAsync("/api/events?format=ndjson")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(5, rows.Count);
        var ofKept = rows.Where(r => r.GetProperty("slug").GetString() == "kept").ToList();
        Assert.Equal(3, ofKept.Count);
        Assert.All(ofKept, r =>
        {
            Assert.Equal("brand.test", r.GetProperty("shortDomain").GetString());
            Assert.Equal("https://brand.test/kept", r.GetProperty("shortUrl").GetString());
        });
        // The deleted link's events keep its id; its slug is gone with it.
        var ofGone = rows.Where(r => r.GetProperty("slug").GetString() == "").ToList();
        Assert.Equal(2, ofGone.Count);
        Assert.All(ofGone, r => Assert.False(string.IsNullOrEmpty(r.GetProperty("link").GetString())));
        Assert.All(ofGone, r => Assert.Equal("", r.GetProperty("shortUrl").GetString()));

        var csv = (await api.GetStringAsync("/api/events")).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith(",slug,shortDomain,shortUrl", csv[0], StringComparison.Ordinal);
        Assert.Equal(3, csv.Count(line => line.EndsWith(",kept,brand.test,https://brand.test/kept", StringComparison.Ordinal)));
        Assert.Equal(2, csv.Count(line => line.EndsWith(",,,", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Visits_refused_by_a_links_access_rules_are_kept_as_refused_events_not_clicks()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/drop", slug = "few", maxClicks = 2, expiredUrl = "https://shop.example.com/sold-out" });
        using var visitor = app.CreateVisitorClient();
        for (var i = 0; i < 5; i++)
            await CountingTests.ClickAsync(visitor, "/few", Agents.ChromeWindows, null);
        await app.WaitForEventsAsync();
        using var api = app.CreateApiClient();

        var rows = (await api.GetStringAsync("/api/events?format=ndjson&link=few")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(["click", "click", "refused", "refused", "refused"], rows.Select(r => r.GetProperty("event").GetString()).Order());
        Assert.All(rows.Where(r => r.GetProperty("event").GetString() == "refused"), r => Assert.Equal("maxClicks", r.GetProperty("refused").GetString()));
        // The filtered path (the event store) counts the same clicks as Redis.
        Assert.Equal(2, (await api.GetFromJsonAsync<StatsResponse>("/api/links/few/stats?deviceType=desktop"))!.Clicks);
        Assert.Equal(2, (await CountingTests.GetStatsAsync(app, "few")).Clicks);
    }
}
