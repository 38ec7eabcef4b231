using System.Net.Http.Json;
using System.Text.Json;
using Redirector.Clicks;
using Redirector.Geo;
using Redirector.Tests.Core;
using Redirector.Tests.Geo;
using Redirector.Tests.Infrastructure;
using Redirector.Tests.Outbound;

namespace Redirector.Tests.Stats;

/// <summary>
/// The answers that write dimensions as properties of their own (a recent click's <c>country</c>, the stats'
/// <c>countries</c>) are described in /openapi/v1.json property by property: every property a real answer carries
/// is in its schema, typed and described.
/// </summary>
public sealed class OpenApiDimensionsTests
{
    [Fact]
    public async Task Every_property_of_real_recent_clicks_and_stats_is_in_the_openapi_schema()
    {
        await using var app = new RedirectorApplication(settings: new Dictionary<string, string?>
        {
            ["Proxy:KnownProxies:0"] = "127.0.0.1",
            [GeoOptions.DatabasePathKey] = GeoLookupTests.TestCityDatabase,
        });
        app.StartKestrel();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/sale", slug = "sale" });
        await app.CreateSiteAsync("Blog", false, "blog.example.org");
        using (var visitor = app.CreateVisitorClient())
        {
            // As many dimensions as one click can carry: UTM tags, a registered site's page, a browser and device,
            // a language, and a place with region and city (test-city.mmdb: 2001:4860::/32 is Mountain View).
            using var request = new HttpRequestMessage(HttpMethod.Get,
                "/sale?utm_source=newsletter&utm_medium=email&utm_campaign=spring&utm_term=shoes&utm_content=top");
            request.Headers.TryAddWithoutValidation("User-Agent", Agents.SafariIphone);
            request.Headers.TryAddWithoutValidation("Referer", "https://blog.example.org/post");
            request.Headers.TryAddWithoutValidation("Accept-Language", "de-CH,de;q=0.9");
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", "2001:4860:4860::8844");
            using var response = await visitor.SendAsync(request);
            Assert.Equal(System.Net.HttpStatusCode.Found, response.StatusCode);
            await CountingTests.ClickAsync(visitor, "/sale", Agents.Slackbot, null);
        }
        await app.WaitForEventsAsync();
        using var api = app.CreateApiClient();
        var clicks = await api.GetFromJsonAsync<List<JsonElement>>("/api/links/sale/clicks?bots=true");
        Assert.Equal(2, clicks!.Count);
        var stats = await api.GetFromJsonAsync<JsonElement>("/api/links/sale/stats");

        using var openApi = JsonDocument.Parse(await api.GetStringAsync("/openapi/v1.json"));
        var clickSchema = ResponseSchema(openApi.RootElement, "/api/links/{slug}/clicks").GetProperty("items");
        var statsSchema = ResponseSchema(openApi.RootElement, "/api/links/{slug}/stats");
        var person = clicks.Single(c => !c.GetProperty("isBot").GetBoolean());
        foreach (var name in new[] { "utmSource", "utmTerm", "sourcePage", "referrerDomain", "browser", "deviceType", "language", "country", "region", "city" })
            Assert.True(person.TryGetProperty(name, out _), $"the click has no '{name}' to look up: {person}");
        foreach (var click in clicks)
            AssertDescribed(openApi.RootElement, clickSchema, click);
        Assert.True(stats.TryGetProperty("countries", out _), stats.ToString());
        AssertDescribed(openApi.RootElement, statsSchema, stats);
        Assert.Contains("Countries", Resolve(openApi.RootElement, clickSchema).GetProperty("properties").GetProperty("country").GetProperty("description").GetString());
        Assert.Contains("Countries", statsSchema.GetProperty("properties").GetProperty("countries").GetProperty("description").GetString());
        // What every click has is required; a dimension is there only when the click has a value.
        var required = Resolve(openApi.RootElement, clickSchema).GetProperty("required").EnumerateArray().Select(r => r.GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "time", "event", "isBot", "slug", "shortDomain", "shortUrl" }, required);
        Assert.DoesNotContain("country", required);
        var statsRequired = statsSchema.GetProperty("required").EnumerateArray().Select(r => r.GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "clicks", "shortLinkClicks", "outboundClicks", "bots", "uniqueVisitors", "byDay", "countries" }, statsRequired);
    }

    /// <summary>The schema of the 200 answer of GET <paramref name="path"/>, its reference followed.</summary>
    [Fact]
    public async Task The_filters_stats_and_events_read_from_the_query_are_parameters_of_their_operations_and_each_is_taken()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/sale", slug = "sale" });
        using var api = app.CreateApiClient();
        using var openApi = JsonDocument.Parse(await api.GetStringAsync("/openapi/v1.json"));
        var paths = openApi.RootElement.GetProperty("paths");
        foreach (var path in new[] { "/api/stats/summary", "/api/links/{slug}/stats", "/api/events" })
        {
            var parameters = paths.GetProperty(path).GetProperty("get").GetProperty("parameters").EnumerateArray()
                .ToDictionary(p => p.GetProperty("name").GetString()!, p => p);
            foreach (var name in new[] { "utmSource", "deviceType", "country", "language", "link", "shortDomain" })
            {
                Assert.True(parameters.TryGetValue(name, out var parameter), $"{path} lacks {name}");
                Assert.Equal("query", parameter.GetProperty("in").GetString());
                Assert.False(parameter.TryGetProperty("required", out var required) && required.GetBoolean());
                Assert.False(string.IsNullOrEmpty(parameter.GetProperty("description").GetString()));
            }
            Assert.Equal(path != "/api/events", parameters.ContainsKey("timeZone"));
            // Each listed parameter is one the endpoint takes: a client that sends them gets no 400.
            var query = string.Join("&", parameters.Keys.Where(n => n is not ("slug" or "from" or "to" or "format" or "link" or "shortDomain" or "domain" or "timeZone"))
                .Select(n => $"{n}={ValueFor(n)}"));
            using var response = await api.GetAsync(path.Replace("{slug}", "sale", StringComparison.Ordinal) + "?" + query);
            Assert.True(response.IsSuccessStatusCode, $"{path}?{query}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>A value the filter takes: any text, or for a closed set (device types, bot kinds) one of its values.</summary>
    private static string ValueFor(string parameter) =>
        Dimensions.All.FirstOrDefault(d => Redirector.Events.EventColumns.ParameterOf(d) == parameter)?.KnownValues?[0] ?? "x";

    private static JsonElement ResponseSchema(JsonElement document, string path) =>
        Resolve(document, document.GetProperty("paths").GetProperty(path).GetProperty("get").GetProperty("responses").GetProperty("200")
            .GetProperty("content").GetProperty("application/json").GetProperty("schema"));

    private static JsonElement Resolve(JsonElement document, JsonElement schema) =>
        schema.TryGetProperty("$ref", out var reference)
            ? document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!["#/components/schemas/".Length..])
            : schema;

    /// <summary>Every property of <paramref name="answer"/> is in <paramref name="schema"/> with a type.</summary>
    private static void AssertDescribed(JsonElement document, JsonElement schema, JsonElement answer)
    {
        var properties = Resolve(document, schema).GetProperty("properties");
        foreach (var property in answer.EnumerateObject())
        {
            Assert.True(properties.TryGetProperty(property.Name, out var described), $"'{property.Name}' is not in the schema: {properties}");
            Assert.True(described.TryGetProperty("type", out _) || described.TryGetProperty("$ref", out _) || described.TryGetProperty("format", out _),
                $"'{property.Name}' has no type: {described}");
        }
    }

    [Fact]
    public async Task Every_date_and_time_in_the_openapi_document_is_typed_as_a_string()
    {
        await using var app = new RedirectorApplication();
        using var client = app.CreateClient();
        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));
        var dates = new List<string>();
        var untyped = new List<string>();
        Walk(document.RootElement, "$");

        Assert.Contains(dates, path => path.Contains("RecentClickResponse", StringComparison.Ordinal));
        Assert.Empty(untyped);

        void Walk(JsonElement element, string path)
        {
            if (element.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var item in element.EnumerateArray())
                    Walk(item, $"{path}[{i++}]");
                return;
            }
            if (element.ValueKind != JsonValueKind.Object)
                return;
            if (element.TryGetProperty("format", out var format) && format.ValueKind == JsonValueKind.String && format.GetString() is "date-time" or "date")
            {
                dates.Add(path);
                var type = element.TryGetProperty("type", out var t) ? t : default;
                var isString = type.ValueKind == JsonValueKind.String ? type.GetString() == "string"
                    : type.ValueKind == JsonValueKind.Array && type.EnumerateArray().Any(v => v.GetString() == "string");
                if (!isString)
                    untyped.Add(path);
            }
            foreach (var property in element.EnumerateObject())
                Walk(property.Value, $"{path}.{property.Name}");
        }
    }
}
