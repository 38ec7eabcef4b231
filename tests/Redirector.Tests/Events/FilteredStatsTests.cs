using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Redirector.Clicks;
using Redirector.Events;
using Redirector.Stats;
using Redirector.Tests.Core;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Events;

/// <summary>Stats with filters come from the event store, in the shape the Redis counters give without them.</summary>
public sealed class FilteredStatsTests
{
    /// <summary>The issue's run: 5 facebook clicks from iPhones, 3 facebook from desktops, 4 google from iPhones.</summary>
    internal static async Task SendTwelveAsync(RedirectorApplication app)
    {
        await app.CreateLinkAsync(new { url = "https://shop.example.com/sale", slug = "sale" });
        using var visitor = app.CreateVisitorClient();
        for (var i = 0; i < 5; i++)
            await CountingTests.ClickAsync(visitor, "/sale?utm_source=facebook&utm_campaign=bf", Agents.SafariIphone, null);
        for (var i = 0; i < 3; i++)
            await CountingTests.ClickAsync(visitor, "/sale?utm_source=facebook&utm_campaign=bf", Agents.ChromeWindows, null);
        for (var i = 0; i < 4; i++)
            await CountingTests.ClickAsync(visitor, "/sale?utm_source=google", Agents.SafariIphone, null);
        await app.WaitForEventsAsync();
    }

    internal static async Task TwelveClicksAnswerEveryFilterAsync(RedirectorApplication app)
    {
        await SendTwelveAsync(app);
        using var api = app.CreateApiClient();
        async Task<StatsResponse> Stats(string query) => (await api.GetFromJsonAsync<StatsResponse>("/api/links/sale/stats?" + query))!;
        static List<(string, long)> Of(StatsResponse stats, Dimension dimension) => [.. stats[dimension].Select(k => (k.Key, k.Clicks))];

        var facebook = await Stats("utmSource=facebook");
        Assert.Equal(8, facebook.Clicks);
        Assert.Equal([("mobile", 5L), ("desktop", 3L)], Of(facebook, Dimensions.DeviceType));
        Assert.Equal(8, facebook.ByDay.Sum(d => d.Clicks));
        Assert.Equal(8, facebook[Dimensions.UtmCampaign].Single().Clicks);

        Assert.Equal(5, (await Stats("utmSource=facebook&deviceType=mobile")).Clicks);
        // A device type in another case is the same device type, not a filter that silently matches nothing.
        Assert.Equal(5, (await Stats("utmSource=facebook&deviceType=Mobile")).Clicks);

        // So is an OS or a browser: "ios" is the counts' "iOS", not a filter of no clicks.
        Assert.Equal(9, (await Stats("os=iOS")).Clicks);
        Assert.Equal(9, (await Stats("os=ios")).Clicks);
        Assert.Equal(5, (await Stats("utmSource=facebook&os=IOS")).Clicks);
        Assert.Equal(3, (await Stats("os=!ios")).Clicks);
        Assert.Equal(9, (await Stats("browser=mobile%20safari")).Clicks);
        Assert.Equal(3, (await Stats("browser=CHROME&os=windows")).Clicks);

        var mobile = await Stats("deviceType=mobile");
        Assert.Equal(9, mobile.Clicks);
        Assert.Equal([("facebook", 5L), ("google", 4L)], Of(mobile, Dimensions.UtmSource));

        // Exclusion and OR.
        var notFacebook = await Stats("utmSource=!facebook");
        Assert.Equal([("google", 4L)], Of(notFacebook, Dimensions.UtmSource));
        Assert.Equal(12, (await Stats("utmSource=facebook&utmSource=google")).Clicks);
        Assert.Equal(3, (await Stats("utmSource=facebook&deviceType=!mobile")).Clicks);
        Assert.Equal(4, (await Stats("deviceType=desktop&deviceType=mobile&utmCampaign=!bf")).Clicks);
        Assert.Equal(0, (await Stats("utmSource=twitter")).Clicks);
        Assert.Equal(12, (await Stats("link=sale")).Clicks);
        Assert.Equal(0, (await Stats("link=!sale")).Clicks);

        var campaigns = (await api.GetFromJsonAsync<List<KeyCount>>("/api/stats/campaigns?deviceType=mobile"))!;
        Assert.Equal([("bf", 5L)], campaigns.Select(k => (k.Key, k.Clicks)));
        var allCampaigns = (await api.GetFromJsonAsync<List<KeyCount>>("/api/stats/campaigns"))!;
        Assert.Equal([("bf", 8L)], allCampaigns.Select(k => (k.Key, k.Clicks)));
    }

    [Fact]
    public async Task Twelve_clicks_answer_the_issues_filters_on_DuckDB()
    {
        await using var app = new RedirectorApplication();
        await TwelveClicksAnswerEveryFilterAsync(app);
    }

    [Fact]
    public async Task A_malformed_filter_is_a_problem_and_a_turned_off_store_answers_503()
    {
        await using var app = new RedirectorApplication(settings: new Dictionary<string, string?> { ["Events:Enabled"] = "false" });
        await app.CreateLinkAsync(new { url = "https://shop.example.com/sale", slug = "sale" });
        using var api = app.CreateApiClient();
        using (var empty = await api.GetAsync("/api/stats/summary?utmSource=!"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
            Assert.Contains("utmSource", await empty.Content.ReadAsStringAsync());
        }
        using (var unknown = await api.GetAsync("/api/stats/summary?deviceType=phone"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
            Assert.Contains("takes one of desktop, mobile, tablet, bot, other", await unknown.Content.ReadAsStringAsync());
        }
        using (var off = await api.GetAsync("/api/stats/summary?utmSource=facebook"))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, off.StatusCode);
        using var unfiltered = await api.GetAsync("/api/stats/summary");
        Assert.Equal(HttpStatusCode.OK, unfiltered.StatusCode);
    }

    [Theory]
    [InlineData("country", "de", "DE")]
    [InlineData("country", "(unknown)", "(unknown)")]
    [InlineData("language", "DE", "de")]
    [InlineData("botKind", "!Crawler", "crawler")]
    [InlineData("utmSource", "Newsletter", "Newsletter")]
    public void A_filter_value_is_written_as_clicks_hold_it(string parameter, string value, string held)
    {
        Assert.True(EventFilter.TryParse([new(parameter, value)], out var filter, out var error), error);
        var dimension = Assert.Single(filter.Dimensions);
        Assert.Equal(held, Assert.Single(value.StartsWith('!') ? dimension.Exclude : dimension.Include));
    }

    [Fact]
    public async Task A_store_file_it_refuses_answers_filtered_stats_503_saying_why_and_redirects_go_on()
    {
        var directory = Directory.CreateTempSubdirectory("redirector-test-").FullName;
        try
        {
            // The layout of builds before event shapes: one wide events table.
            using (var old = new DuckDB.NET.Data.DuckDBConnection($"Data Source={Path.Combine(directory, "events.duckdb")}"))
            {
                old.Open();
                using var create = old.CreateCommand();
                create.CommandText = "CREATE TABLE events (time TIMESTAMP NOT NULL, node INTEGER NOT NULL, utm_source INTEGER)";
                create.ExecuteNonQuery();
            }
            await using var app = new RedirectorApplication(dataDirectory: directory);
            await app.CreateLinkAsync(new { url = "https://shop.example.com/sale", slug = "sale" });
            using (var visitor = app.CreateVisitorClient())
                Assert.Equal(HttpStatusCode.Found, (await CountingTests.ClickAsync(visitor, "/sale", Agents.ChromeWindows, null)).StatusCode);
            using var api = app.CreateApiClient();
            using var refused = await api.GetAsync("/api/stats/summary?utmSource=facebook");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            var detail = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
            Assert.Contains("one wide table", detail);
            Assert.Contains("Move the file away", detail);
            await app.FlushClicksAsync();
            Assert.Equal(1, (await api.GetFromJsonAsync<JsonElement>("/api/links/sale/stats")).GetProperty("clicks").GetInt64());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_time_zone_is_answered_by_the_event_store_and_an_unknown_one_is_a_problem()
    {
        await using var app = new RedirectorApplication();
        await SendTwelveAsync(app);
        using var api = app.CreateApiClient();
        foreach (var zone in new[] { "Mars/Olympus", "CET%2C+UTC", "" })
        {
            using var unknown = await api.GetAsync($"/api/links/sale/stats?timeZone={zone}");
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
            Assert.Contains("timeZone", await unknown.Content.ReadAsStringAsync());
        }
        // Without filters too: Redis counts UTC days only. The twelve clicks fall on today or yesterday in Honolulu (UTC-10).
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var honolulu = (await api.GetFromJsonAsync<StatsResponse>($"/api/stats/summary?timeZone=Pacific/Honolulu&from={today.AddDays(-1):yyyy-MM-dd}&to={today:yyyy-MM-dd}"))!;
        Assert.Equal(12, honolulu.Clicks);
        var localToday = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(DateTime.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Pacific/Honolulu")));
        Assert.Equal(12, honolulu.ByDay.Single(d => d.Date == $"{localToday:yyyy-MM-dd}").Clicks);
        // UTC+14 is a day ahead of UTC: the default range ends on its today, where the twelve clicks are.
        var kiritimati = (await api.GetFromJsonAsync<StatsResponse>("/api/stats/summary?timeZone=Pacific/Kiritimati"))!;
        var kiritimatiToday = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(DateTime.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Pacific/Kiritimati")));
        Assert.Equal(12, kiritimati.Clicks);
        Assert.Equal($"{kiritimatiToday:yyyy-MM-dd}", kiritimati.ByDay[^1].Date);
        using var misspelt = await api.GetAsync("/api/stats/summary?timezone=Europe/Berlin");
        Assert.Equal(HttpStatusCode.BadRequest, misspelt.StatusCode);
        using var notOnEvents = await api.GetAsync("/api/events?timeZone=Europe/Berlin");
        Assert.Equal(HttpStatusCode.BadRequest, notOnEvents.StatusCode);
    }

    /// <summary>
    /// A mixed run (two links, UTM tags, referrers, languages, phones, desktops and bots) read both ways: every
    /// breakdown of the Redis answer equals the event store's under a filter that keeps every event.
    /// </summary>
    internal static async Task BothPathsGiveTheSameNumbersAsync(RedirectorApplication app)
    {
        await app.CreateLinkAsync(new { url = "https://shop.example.com/sale", slug = "sale", utm = new { source = "newsletter", medium = "email" } });
        await app.CreateLinkAsync(new { url = "https://docs.example.net/start", slug = "guide" });
        using var visitor = app.CreateVisitorClient();
        var agents = new[] { Agents.ChromeWindows, Agents.SafariIphone, Agents.Slackbot };
        var referrers = new[] { null, "https://www.google.com/search?q=sale", "https://blog.example.org/post/1#top", "https://news.example.com/a?b=c" };
        var paths = new[] { "/sale", "/sale?utm_source=facebook&utm_campaign=bf", "/guide?utm_campaign=launch&utm_term=x&utm_content=y", "/guide" };
        var languages = new[] { "de-DE,de;q=0.9", "en-GB", null };
        for (var i = 0; i < 60; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, paths[i % paths.Length]);
            request.Headers.TryAddWithoutValidation("User-Agent", agents[i % agents.Length] + (i % 5 == 0 ? "" : " v" + (i % 7)));
            if (referrers[i % referrers.Length] is { } referrer)
                request.Headers.TryAddWithoutValidation("Referer", referrer);
            if (languages[i % languages.Length] is { } language)
                request.Headers.TryAddWithoutValidation("Accept-Language", language);
            using var response = await visitor.SendAsync(request);
            Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        }
        await app.WaitForEventsAsync();

        using var api = app.CreateApiClient();
        // An exclusion of a value no event has keeps them all, and sends the request to the event store.
        const string everything = "country=!nowhere";
        foreach (var path in new[] { "/api/stats/summary", "/api/links/sale/stats", "/api/links/guide/stats", "/api/stats/domains",
                     "/api/stats/pages", "/api/stats/targets", "/api/stats/campaigns" })
        {
            var fromRedis = Normalized(await api.GetStringAsync(path));
            var fromEvents = Normalized(await api.GetStringAsync(path + "?" + everything));
            Assert.Equal(fromRedis, fromEvents);
        }
        var summary = (await api.GetFromJsonAsync<StatsResponse>("/api/stats/summary"))!;
        Assert.Equal(40, summary.Clicks);
        Assert.Equal(20, summary.Bots);
    }

    [Fact]
    public async Task Redis_and_the_event_store_give_the_same_numbers_for_every_breakdown()
    {
        await using var app = new RedirectorApplication();
        await BothPathsGiveTheSameNumbersAsync(app);
    }

    /// <summary>The answer with every list in one order (equal counts may come in either order from either path).</summary>
    private static string Normalized(string json)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!;
        Sort(node);
        return node.ToJsonString();

        static void Sort(System.Text.Json.Nodes.JsonNode? node)
        {
            if (node is System.Text.Json.Nodes.JsonObject obj)
            {
                foreach (var (_, child) in obj.ToList())
                    Sort(child);
            }
            else if (node is System.Text.Json.Nodes.JsonArray array)
            {
                foreach (var child in array)
                    Sort(child);
                var sorted = array.Select(c => c?.ToJsonString()).Order(StringComparer.Ordinal).ToList();
                array.Clear();
                foreach (var item in sorted)
                    array.Add(System.Text.Json.Nodes.JsonNode.Parse(item!));
            }
        }
    }
}
