using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Redirector.Clicks;
using Redirector.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Redirector.Tests.Core;

/// <summary>validFrom, expiresAt, maxClicks and expiredUrl through real HTTP, a real catalogue and a real Redis.</summary>
public sealed class AccessRulesTests(ITestOutputHelper output)
{
    private const string Destination = "https://shop.example.com/drop";
    private const string Expired = "https://shop.example.com/sold-out";

    [Fact]
    public async Task A_link_not_yet_valid_expired_or_disabled_sends_visitors_to_its_expired_url_and_counts_them_apart()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = Destination, slug = "soon", validFrom = DateTime.UtcNow.AddDays(1), expiredUrl = Expired });
        await app.CreateExpiredLinkAsync(new { url = Destination, slug = "past", expiredUrl = Expired });
        await app.CreateLinkAsync(new { url = Destination, slug = "off", enabled = false, expiredUrl = Expired });
        await app.CreateLinkAsync(new { url = Destination, slug = "soon404", validFrom = DateTime.UtcNow.AddDays(1) });
        await app.CreateLinkAsync(new { url = Destination, slug = "open", validFrom = DateTime.UtcNow.AddMinutes(-1), expiredUrl = Expired });
        using var visitor = app.CreateVisitorClient();

        foreach (var slug in new[] { "soon", "past", "off" })
        {
            for (var i = 0; i < 3; i++)
            {
                using var refused = await Get(visitor, "/" + slug);
                Assert.Equal(HttpStatusCode.Found, refused.StatusCode);
                Assert.Equal(Expired, refused.Headers.Location!.ToString());
                Assert.True(refused.Headers.CacheControl is { NoStore: true });
            }
        }
        using (var notFound = await Get(visitor, "/soon404"))
            Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        using (var open = await Get(visitor, "/open"))
            Assert.Equal(Destination, open.Headers.Location!.ToString());
        await app.FlushClicksAsync();

        foreach (var (slug, reason) in new[] { ("soon", "notYetValid"), ("past", "expired"), ("off", "disabled") })
        {
            var stats = await CountingTests.GetStatsAsync(app, slug);
            Assert.Equal(0, stats.Clicks);
            Assert.Equal(0, stats.Bots);
            Assert.Equal([(reason, 3L)], stats[Dimensions.Refused].Select(k => (k.Key, k.Clicks)));
        }
        Assert.Equal([("notYetValid", 1L)], (await CountingTests.GetStatsAsync(app, "soon404"))[Dimensions.Refused].Select(k => (k.Key, k.Clicks)));
        var openStats = await CountingTests.GetStatsAsync(app, "open");
        Assert.Equal(1, openStats.Clicks);
        Assert.Empty(openStats[Dimensions.Refused]);
    }

    [Fact]
    public async Task One_node_redirects_exactly_max_clicks_under_16_concurrent_clients()
    {
        const int max = 40, requests = 160;
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = Destination, slug = "limited", maxClicks = max, expiredUrl = Expired });

        var locations = await HammerAsync(app, "/limited", requests);
        Assert.Equal(max, locations.Count(l => l == Destination));
        Assert.Equal(requests - max, locations.Count(l => l == Expired));

        await app.FlushClicksAsync();
        var stats = await CountingTests.GetStatsAsync(app, "limited");
        Assert.Equal(max, stats.Clicks);
        Assert.Equal([("maxClicks", (long)(requests - max))], stats[Dimensions.Refused].Select(k => (k.Key, k.Clicks)));
    }

    /// <summary>
    /// A maximum counts every click of the link, those before it was given too: a trial saw a link with 10 clicks
    /// given a maximum of 3 redirect 3 more, while the admin called it used up.
    /// </summary>
    [Fact]
    public async Task A_maximum_given_to_a_link_that_has_clicks_counts_them()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = Destination, slug = "late", expiredUrl = Expired });
        Assert.Equal(5, (await HammerAsync(app, "/late", 5)).Count(l => l == Destination));
        await app.FlushClicksAsync();
        await app.WaitForSpoolDrainedAsync();

        using var api = app.CreateApiClient();
        (await api.PatchAsJsonAsync("/api/links/late", new { maxClicks = 3 })).EnsureSuccessStatusCode();
        Assert.Equal(8, (await HammerAsync(app, "/late", 8)).Count(l => l == Expired));

        (await api.PatchAsJsonAsync("/api/links/late", new { maxClicks = 7 })).EnsureSuccessStatusCode();
        var locations = await HammerAsync(app, "/late", 8);
        Assert.Equal(2, locations.Count(l => l == Destination));
        await app.FlushClicksAsync();
        Assert.Equal(7, (await CountingTests.GetStatsAsync(app, "late")).Clicks);
    }

    [Fact]
    public async Task A_maximum_larger_than_a_lease_is_reached_exactly_through_grants_and_bots_do_not_use_it_up()
    {
        const int max = 75;
        await using var app = new RedirectorApplication(settings: new Dictionary<string, string?> { ["Links:MaxClicks:LeaseSize"] = "10" });
        await app.CreateLinkAsync(new { url = Destination, slug = "big", maxClicks = max });
        using var visitor = app.CreateVisitorClient();
        for (var i = 0; i < 20; i++)
            await CountingTests.ClickAsync(visitor, "/big", Agents.Slackbot, null);

        var redirected = 0;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (redirected < max && DateTime.UtcNow < deadline)
        {
            redirected += (await HammerAsync(app, "/big", 16)).Count(l => l == Destination);
            await Task.Delay(20);
        }
        Assert.Equal(max, redirected);
        await Task.Delay(500);
        Assert.DoesNotContain(Destination, await HammerAsync(app, "/big", 64));
        using (var notFound = await Get(visitor, "/big"))
            Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);

        await app.FlushClicksAsync();
        var stats = await CountingTests.GetStatsAsync(app, "big");
        Assert.Equal(max, stats.Clicks);
        Assert.Equal(20, stats.Bots);
    }

    /// <summary>
    /// Two nodes on one catalogue and one Redis: the overshoot across nodes is bounded by one lease per node start
    /// (docs/links.md). Prints the figure measured.
    /// </summary>
    [Fact]
    public async Task Across_two_nodes_a_maximum_is_overshot_by_at_most_one_lease_per_node()
    {
        const int max = 200, lease = 20;
        using var redis = new RedisServer();
        var data = Directory.CreateTempSubdirectory("redirector-test-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Catalog"] = $"Data Source={Path.Combine(data, "shared.db")}",
            ["Links:MaxClicks:LeaseSize"] = lease.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        await using var first = new RedirectorApplication(redis, settings);
        await using var second = new RedirectorApplication(redis, settings);
        await first.CreateLinkAsync(new { url = Destination, slug = "shared", maxClicks = max });
        // The second node learns of the link from the change log.
        using (var probe = second.CreateVisitorClient())
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while ((await Get(probe, "/shared?probe")).StatusCode == HttpStatusCode.NotFound && DateTime.UtcNow < deadline)
                await Task.Delay(50);
        }

        var total = 1;
        for (var round = 0; round < 30; round++)
        {
            var both = await Task.WhenAll(HammerAsync(first, "/shared", 32), HammerAsync(second, "/shared", 32));
            total += both.Sum(r => r.Count(l => l == Destination));
            await Task.Delay(30);
        }
        output.WriteLine($"maxClicks {max}, lease {lease}, 2 nodes: {total} redirected (overshoot {total - max})");
        Assert.InRange(total, max, max + 2 * lease);
        Directory.Delete(data, recursive: true);
    }

    [Fact]
    public async Task An_expiry_in_the_past_is_refused_naming_the_field_and_time_on_create_and_change_but_imported_and_an_expired_link_stays_editable()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();

        async Task AssertRefused(HttpResponseMessage response, string time)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            var message = Assert.Single(problem.GetProperty("errors").EnumerateObject(), e => e.Name == "expiresAt").Value[0].GetString()!;
            Assert.StartsWith($"The link would be expired at once: expiresAt {time} is not after now (", message);
        }

        using (var created = await api.PostAsJsonAsync("/api/links", new { url = Destination, slug = "dead", expiresAt = "2020-03-01T10:00:00+01:00" }))
            await AssertRefused(created, "2020-03-01T09:00:00Z");
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/api/links/dead")).StatusCode);

        await app.CreateLinkAsync(new { url = Destination, slug = "live", expiresAt = "2999-01-01T00:00:00Z" });
        using (var patch = await api.PatchAsJsonAsync("/api/links/live", new { title = "Spring", expiresAt = "2021-06-01T00:00:00Z" }))
            await AssertRefused(patch, "2021-06-01T00:00:00Z");
        var live = await api.GetFromJsonAsync<JsonElement>("/api/links/live");
        Assert.Equal("2999-01-01T00:00:00Z", live.GetProperty("expiresAt").GetString());
        Assert.Equal(JsonValueKind.Null, live.GetProperty("title").ValueKind);

        // An import restores or moves a catalogue: its expired links come in as they were and answer as expired.
        var import = app.Services.GetRequiredService<Redirector.Admin.Import.CsvLinkImport>();
        var report = await import.ImportAsync("slug,url,expires_at\nok,https://example.com/ok,2999-01-01T00:00:00Z\nold,https://example.com/old,2019-01-01T00:00:00Z\n",
            seenHost: null, CancellationToken.None);
        Assert.Empty(report.Problems);
        Assert.Equal(2, report.Imported);
        Assert.Equal("2019-01-01T00:00:00Z", (await api.GetFromJsonAsync<JsonElement>("/api/links/old")).GetProperty("expiresAt").GetString());
        using (var visit = await app.CreateVisitorClient().GetAsync("/old"))
            Assert.Equal(HttpStatusCode.NotFound, visit.StatusCode);

        // The admin form sends a stored expiry back to the minute: that is no change, and the seconds stay, where
        // saving 12:30 for 12:30:45 would stop the link early (at once when saved within that minute).
        var due = DateTime.UtcNow.AddHours(1);
        due = new DateTime(due.Year, due.Month, due.Day, due.Hour, due.Minute, 45, DateTimeKind.Utc);
        await app.CreateLinkAsync(new { url = Destination, slug = "seconds", expiresAt = due });
        using (var patch = await api.PatchAsJsonAsync("/api/links/seconds", new { title = "Edited", expiresAt = due.AddSeconds(-45) }))
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.Equal(due.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"), (await api.GetFromJsonAsync<JsonElement>("/api/links/seconds")).GetProperty("expiresAt").GetString());

        // A link that has expired since keeps its expiry through changes that leave it (a GET sent back with a new title).
        await app.CreateExpiredLinkAsync(new { url = Destination, slug = "over" });
        var over = (await api.GetFromJsonAsync<JsonElement>("/api/links/over")).Deserialize<Dictionary<string, JsonElement>>()!;
        over["title"] = JsonSerializer.SerializeToElement("Sold out");
        using (var patch = await api.PatchAsJsonAsync("/api/links/over", over))
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        using (var patch = await api.PatchAsJsonAsync("/api/links/over", new { expiredUrl = Expired }))
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        using (var patch = await api.PatchAsJsonAsync("/api/links/over", new { expiresAt = "2000-01-01T00:00:00Z" }))
            await AssertRefused(patch, "2000-01-01T00:00:00Z");
        using (var patch = await api.PatchAsJsonAsync("/api/links/over", new { expiresAt = (string?)null }))
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
    }

    [Fact]
    public async Task Bad_access_rules_are_refused_with_problem_details_and_change_nothing()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        foreach (var (body, field) in new (object Body, string Field)[]
        {
            (new { url = Destination, maxClicks = 0 }, "maxClicks"),
            (new { url = Destination, maxClicks = -5 }, "maxClicks"),
            (new { url = Destination, expiredUrl = "javascript:alert(1)" }, "expiredUrl"),
            (new { url = Destination, expiredUrl = "/relative" }, "expiredUrl"),
            (new { url = Destination, validFrom = "2030-01-02T00:00:00Z", expiresAt = "2030-01-01T00:00:00Z" }, "validFrom"),
        })
        {
            using var response = await api.PostAsJsonAsync("/api/links", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }
        using (var notNumber = await api.PostAsync("/api/links", JsonContent.Create(new { url = Destination, maxClicks = "many" })))
            Assert.Equal(HttpStatusCode.BadRequest, notNumber.StatusCode);
        Assert.Equal(0, (await api.GetFromJsonAsync<JsonElement>("/api/links")).GetProperty("total").GetInt32());

        await app.CreateLinkAsync(new { url = Destination, slug = "edit" });
        using (var patch = await api.PatchAsJsonAsync("/api/links/edit", new { maxClicks = 0 }))
            Assert.Equal(HttpStatusCode.BadRequest, patch.StatusCode);
        using (var patch = await api.PatchAsJsonAsync("/api/links/edit", new { maxClicks = 3, expiredUrl = Expired, validFrom = "2020-01-01T00:00:00Z" }))
        {
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
            var link = await patch.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(3, link.GetProperty("maxClicks").GetInt64());
            Assert.Equal(Expired, link.GetProperty("expiredUrl").GetString());
            Assert.Equal(new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc), link.GetProperty("validFrom").GetDateTime().ToUniversalTime());
        }
        using (var clear = await api.PatchAsJsonAsync("/api/links/edit", new { maxClicks = (long?)null, expiredUrl = (string?)null }))
        {
            var link = await clear.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(JsonValueKind.Null, link.GetProperty("maxClicks").ValueKind);
            Assert.Equal(JsonValueKind.Null, link.GetProperty("expiredUrl").ValueKind);
        }
    }

    /// <summary>Sends <paramref name="requests"/> GETs from 16 concurrent clients and returns each answer's Location ("" for none).</summary>
    private static async Task<List<string>> HammerAsync(RedirectorApplication app, string path, int requests)
    {
        var locations = new ConcurrentBag<string>();
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            using var client = app.CreateVisitorClient();
            while (Interlocked.Increment(ref next) <= requests)
            {
                using var response = await Get(client, path);
                locations.Add(response.Headers.Location?.ToString() ?? "");
            }
        }));
        return [.. locations];
    }

    private static async Task<HttpResponseMessage> Get(HttpClient client, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
        return await client.SendAsync(request);
    }
}
