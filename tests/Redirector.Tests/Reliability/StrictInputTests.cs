using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Reliability;

/// <summary>
/// A name the API does not know is refused with 400 problem details naming it, never ignored: properties of request
/// bodies (a GET sent back as a PATCH excepted: its read-only properties are accepted) and query parameters of the
/// stats and events endpoints, whose answers would otherwise look filtered when they are not.
/// </summary>
public sealed class StrictInputTests
{
    [Fact]
    public async Task A_link_body_with_unknown_properties_names_every_one_and_creates_nothing()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();

        using var response = await SendAsync(api, "POST", "/api/links",
            """{"url":"https://shop.example/","slug":"typo","expires_at":"2030-01-01T00:00:00Z","maxclick":5,"utm":{"source":"news","medium_":"email"}}""");

        var problem = await ProblemAsync(response);
        var errors = problem.GetProperty("errors");
        Assert.Equal(["expires_at", "maxclick", "utm.medium_"], errors.EnumerateObject().Select(e => e.Name).Order());
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("'expires_at' (did you mean 'expiresAt'?)", detail);
        Assert.Contains("'maxclick' (did you mean 'maxClicks'?)", detail);
        Assert.Contains("'utm.medium_' (did you mean 'medium'?)", detail);
        using var missing = await api.GetAsync("/api/links/typo");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Names_match_in_any_case_as_before()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();

        using var response = await SendAsync(api, "POST", "/api/links", """{"URL":"https://shop.example/","Slug":"cased","maxclicks":3}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(3, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("maxClicks").GetInt64());
    }

    [Fact]
    public async Task A_patch_with_an_unknown_property_changes_nothing()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example/", slug = "keep", title = "Before" });
        using var api = app.CreateApiClient();

        using var response = await SendAsync(api, "PATCH", "/api/links/keep", """{"title":"After","expiresat_":"2030-01-01T00:00:00Z"}""");
        var problem = await ProblemAsync(response);
        Assert.True(problem.GetProperty("errors").TryGetProperty("expiresat_", out _));
        Assert.Equal("Before", (await api.GetFromJsonAsync<JsonElement>("/api/links/keep")).GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_link_read_and_sent_back_whole_is_accepted_but_nothing_else_rides_along()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example/", slug = "trip", password = "secret1234", rules = new[] { new { when = new { os = "iOS" }, url = "https://apps.example/" } } });
        using var api = app.CreateApiClient();

        var link = (await api.GetFromJsonAsync<JsonObject>("/api/links/trip"))!;
        Assert.True(link.ContainsKey("shortUrl") && link.ContainsKey("createdAt") && link.ContainsKey("hasPassword") && link.ContainsKey("version") && link.ContainsKey("clicks"));
        link["title"] = "Round trip";
        using (var back = await SendAsync(api, "PATCH", "/api/links/trip", link.ToJsonString()))
            Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        var changed = await api.GetFromJsonAsync<JsonElement>("/api/links/trip");
        Assert.Equal("Round trip", changed.GetProperty("title").GetString());
        Assert.True(changed.GetProperty("hasPassword").GetBoolean());

        link["clickCount"] = 12;
        link["rules"]![0]!["when"]!["device"] = "mobile";
        var problem = await ProblemAsync(await SendAsync(api, "PATCH", "/api/links/trip", link.ToJsonString()));
        Assert.Equal(["clickCount", "rules[0].when.device"], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order());
        Assert.Contains("did you mean 'deviceType'?", problem.GetProperty("detail").GetString());
        // Read-only properties are accepted only where a response is sent back: creating takes none of them.
        var created = await ProblemAsync(await SendAsync(api, "POST", "/api/links", """{"url":"https://shop.example/","shortUrl":"http://localhost/x"}"""));
        Assert.True(created.GetProperty("errors").TryGetProperty("shortUrl", out _));
    }

    [Theory]
    [InlineData("POST", "/api/domains", """{"host":"go.example.org","root_url":"https://example.org/"}""", "root_url", "rootUrl")]
    [InlineData("POST", "/api/webhooks", """{"url":"https://hooks.example/in","event":["link.clicked"]}""", "event", "events")]
    [InlineData("POST", "/api/webhooks", """{"url":"https://hooks.example/in","events":["link.clicked"],"linkFilter":{"tag":["a"]}}""", "linkFilter.tag", "tags")]
    [InlineData("POST", "/api/sites", """{"name":"Blog","host":["blog.example"]}""", "host", "hosts")]
    [InlineData("POST", "/api/rewrite", """{"site":"x","html":"<a href='https://a.example/'>a</a>","page":"https://blog.example/"}""", "page", null)]
    public async Task Every_api_body_refuses_unknown_properties(string method, string path, string body, string field, string? meant)
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();

        var problem = await ProblemAsync(await SendAsync(api, method, path, body));
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        if (meant is not null)
            Assert.Contains($"did you mean '{meant}'?", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_misspelt_domain_parameter_changes_and_deletes_no_link()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        (await api.PostAsJsonAsync("/api/domains", new { host = "a.example.org" })).EnsureSuccessStatusCode();
        await app.CreateLinkAsync(new { url = "https://shop.example/default", slug = "promo", title = "Default" });
        await app.CreateLinkAsync(new { url = "https://shop.example/a", slug = "promo", domain = "a.example.org", title = "A" });

        using var patch = await SendAsync(api, "PATCH", "/api/links/promo?domian=a.example.org", """{"title":"Meant for A"}""");
        Assert.True((await ProblemAsync(patch)).GetProperty("errors").TryGetProperty("domian", out _));
        using var delete = await api.DeleteAsync("/api/links/promo?domian=a.example.org");
        Assert.Equal(HttpStatusCode.BadRequest, delete.StatusCode);
        using var list = await api.GetAsync("/api/links?tags=x");
        Assert.Equal(HttpStatusCode.BadRequest, list.StatusCode);

        Assert.Equal("Default", (await api.GetFromJsonAsync<JsonElement>("/api/links/promo")).GetProperty("title").GetString());
        Assert.Equal("A", (await api.GetFromJsonAsync<JsonElement>("/api/links/promo?domain=a.example.org")).GetProperty("title").GetString());
        Assert.Equal(1, (await api.GetFromJsonAsync<JsonElement>("/api/links?domain=a.example.org&pageSize=10")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Domains_sites_and_webhooks_read_and_sent_back_whole_are_accepted()
    {
        await using var app = new RedirectorApplication(settings: new Dictionary<string, string?> { ["Webhooks:AllowPrivateAddresses"] = "true" });
        using var api = app.CreateApiClient();
        (await api.PostAsJsonAsync("/api/domains", new { host = "go.example.org" })).EnsureSuccessStatusCode();
        var site = await (await api.PostAsJsonAsync("/api/sites", new { name = "Blog", hosts = new[] { "blog.example" } })).Content.ReadFromJsonAsync<JsonElement>();
        var hook = await (await api.PostAsJsonAsync("/api/webhooks", new { url = "http://127.0.0.1:9/in", events = new[] { "link.clicked" } })).Content.ReadFromJsonAsync<JsonElement>();

        foreach (var path in new[] { "/api/domains/go.example.org", $"/api/sites/{site.GetProperty("key").GetString()}", $"/api/webhooks/{hook.GetProperty("webhook").GetProperty("id").GetInt64()}" })
        {
            var read = await api.GetStringAsync(path);
            using var back = await SendAsync(api, "PATCH", path, read);
            Assert.True(back.StatusCode == HttpStatusCode.OK, $"{path}: {(int)back.StatusCode} {await back.Content.ReadAsStringAsync()}");
        }
    }

    [Theory]
    [InlineData("/api/links/q/stats?utm_source=facebook", "utm_source", "utmSource")]
    [InlineData("/api/links/q/stats?devicetype=mobile", "devicetype", "deviceType")]
    [InlineData("/api/stats/summary?from=2026-11-01&utmsource=facebook", "utmsource", "utmSource")]
    [InlineData("/api/stats/campaigns?campaign=spring", "campaign", "utmCampaign")]
    [InlineData("/api/stats/pages?top=5", "top", null)]
    [InlineData("/api/events?format=ndjson&Country=DE", "Country", "country")]
    [InlineData("/api/links/q/clicks?utmSource=facebook", "utmSource", null)]
    public async Task Stats_and_events_refuse_unknown_or_miscased_query_parameters(string path, string parameter, string? meant)
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example/", slug = "q" });
        using var api = app.CreateApiClient();

        var problem = await ProblemAsync(await api.GetAsync(path));
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.ToString());
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains($"'{parameter}' is not a parameter", detail);
        if (meant is not null)
            Assert.Contains($"did you mean '{meant}'?", detail);
        Assert.Contains("Accepted", detail);
    }

    [Theory]
    [InlineData("/api/links/q/clicks?limit=0", "limit", "1 to 1000")]
    [InlineData("/api/links/q/clicks?limit=1001", "limit", "1 to 1000")]
    [InlineData("/api/links?pageSize=-1", "pageSize", "1 to 500")]
    [InlineData("/api/links?pageSize=100000", "pageSize", "1 to 500")]
    [InlineData("/api/links?page=0", "page", "1 to ")]
    [InlineData("/api/webhooks/1/deliveries?limit=201", "limit", "1 to 200")]
    [InlineData("/api/links?sort=bogus", "sort", "one of created, oldest, slug, updated")]
    public async Task A_number_outside_its_documented_range_is_refused_not_clamped(string path, string parameter, string range)
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example/", slug = "q" });
        using var api = app.CreateApiClient();

        var problem = await ProblemAsync(await api.GetAsync(path));
        Assert.Contains(range, problem.GetProperty("errors").GetProperty(parameter)[0].GetString());
    }

    [Theory]
    [InlineData("/api/links/q/stats?from=2026-11-01&to=2026-11-30&domain=&utmSource=facebook&deviceType=!desktop")]
    [InlineData("/api/links/q/clicks?limit=5&bots=true&domain=")]
    [InlineData("/api/links/q/clicks?limit=1000")]
    [InlineData("/api/links?page=2&pageSize=500")]
    [InlineData("/api/stats/summary?from=2026-11-01&to=2026-11-30&shortDomain=localhost&utmCampaign=spring&utmCampaign=autumn")]
    [InlineData("/api/stats/domains?to=2026-11-30&destinationDomain=shop.example")]
    [InlineData("/api/stats/pages?sourcePage=https://blog.example/")]
    [InlineData("/api/stats/targets?from=2026-11-01")]
    [InlineData("/api/stats/campaigns?link=q&referrerDomain=news.example&country=DE&language=de&os=iOS&browser=Safari")]
    [InlineData("/api/events?format=csv&from=2026-11-01&to=2026-11-30&utmSource=facebook&shortDomain=localhost")]
    public async Task Documented_query_parameters_keep_working(string path)
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example/", slug = "q" });
        using var api = app.CreateApiClient();

        using var response = await api.GetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Theory]
    [InlineData("GET", "/api/links/q/qr?fromat=png", "fromat", "format")]
    [InlineData("GET", "/api/links/q/qr?Format=svg", "Format", "format")]
    [InlineData("GET", "/api/links/q/qr/logo?domian=a.example.org", "domian", "domain")]
    [InlineData("DELETE", "/api/links/q/qr/logo?Domain=", "Domain", "domain")]
    [InlineData("GET", "/api/webhooks/1/deliveries?limt=5", "limt", "limit")]
    [InlineData("GET", "/api/webhooks?enabled=true", "enabled", null)]
    [InlineData("DELETE", "/api/webhooks/1?force=true", "force", null)]
    [InlineData("GET", "/api/domains?host=go.example.org", "host", null)]
    [InlineData("DELETE", "/api/domains/go.example.org?force=true", "force", null)]
    [InlineData("GET", "/api/sites?page=2", "page", null)]
    [InlineData("GET", "/api/stats/summary?form=2026-11-01", "form", "from")]
    public async Task Every_api_endpoint_refuses_unknown_or_miscased_query_parameters(string method, string path, string parameter, string? meant)
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example/", slug = "q" });
        using var api = app.CreateApiClient();

        var problem = await ProblemAsync(await api.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)));
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.ToString());
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains($"'{parameter}' is not a parameter", detail);
        if (meant is not null)
            Assert.Contains($"did you mean '{meant}'?", detail);
    }

    [Fact]
    public async Task Documented_qr_and_webhook_delivery_parameters_keep_working()
    {
        await using var app = new RedirectorApplication(settings: new Dictionary<string, string?> { ["Webhooks:AllowPrivateAddresses"] = "true" });
        await app.CreateLinkAsync(new { url = "https://shop.example/", slug = "q" });
        using var api = app.CreateApiClient();
        var hook = await (await api.PostAsJsonAsync("/api/webhooks", new { url = "http://127.0.0.1:9/in", events = new[] { "link.clicked" } })).Content.ReadFromJsonAsync<JsonElement>();
        var id = hook.GetProperty("webhook").GetProperty("id").GetInt64();

        foreach (var path in new[] { "/api/links/q/qr?format=svg&size=300&margin=2&ecc=M&logo=false&domain=", $"/api/webhooks/{id}/deliveries?limit=5" })
        {
            using var response = await api.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        using var svg = await api.GetAsync("/api/links/q/qr?format=svg");
        Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("POST", "/api/links", """{"url":"https://a.example/","URL":"https://b.example/","slug":"dup"}""", "URL", "'url' and 'URL'")]
    [InlineData("POST", "/api/links", """{"url":"https://a.example/","slug":"dup","slug":"dup2"}""", "slug", "'slug' is given more than once")]
    [InlineData("POST", "/api/links", """{"url":"https://a.example/","slug":"dup","utm":{"source":"a","Source":"b"}}""", "utm.Source", "'source' and 'Source'")]
    [InlineData("POST", "/api/links", """{"url":"https://a.example/","slug":"dup","rules":[{"when":{"os":"iOS"},"url":"https://b.example/"},{"when":{"os":"Android"},"url":"https://c.example/","Url":"https://d.example/"}]}""", "rules[1].Url", "'url' and 'Url'")]
    [InlineData("PATCH", "/api/links/q", """{"title":"One","Title":"Two"}""", "Title", "'title' and 'Title'")]
    [InlineData("POST", "/api/domains", """{"host":"a.example.org","Host":"b.example.org"}""", "Host", "'host' and 'Host'")]
    public async Task A_body_that_gives_a_property_twice_names_both_and_changes_nothing(string method, string path, string body, string field, string named)
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example/", slug = "q", title = "Kept" });
        using var api = app.CreateApiClient();

        var problem = await ProblemAsync(await SendAsync(api, method, path, body));
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Contains(named, problem.GetProperty("detail").GetString());
        using (var missing = await api.GetAsync("/api/links/dup"))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("Kept", (await api.GetFromJsonAsync<JsonElement>("/api/links/q")).GetProperty("title").GetString());
        Assert.DoesNotContain((await api.GetFromJsonAsync<JsonElement>("/api/domains")).EnumerateArray(), d => d.GetProperty("host").GetString()!.EndsWith(".example.org", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_openapi_document_marks_what_a_patch_accepts_but_ignores_as_read_only()
    {
        await using var app = new RedirectorApplication();
        using var client = app.CreateVisitorClient();

        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        var link = schemas.GetProperty("UpdateLinkRequest").GetProperty("properties");
        foreach (var name in new[] { "shortUrl", "createdAt", "updatedAt", "hasPassword", "clicks" })
            Assert.True(link.TryGetProperty(name, out var property) && property.TryGetProperty("readOnly", out var readOnly) && readOnly.GetBoolean(), $"{name}: {link}");
        foreach (var name in new[] { "url", "slug", "domain", "title", "version" })
            Assert.False(link.GetProperty(name).TryGetProperty("readOnly", out _), $"{name}: {link.GetProperty(name)}");
        // The password is read and never answered: write-only in the bodies, absent from the read shape, which says
        // hasPassword instead, read-only there as everything a PATCH ignores.
        Assert.True(link.GetProperty("password").GetProperty("writeOnly").GetBoolean(), link.GetProperty("password").ToString());
        var create = schemas.GetProperty("CreateLinkRequest").GetProperty("properties");
        foreach (var name in new[] { "password", "passwordHash" })
            Assert.True(create.GetProperty(name).GetProperty("writeOnly").GetBoolean(), $"{name}: {create.GetProperty(name)}");
        var read = schemas.GetProperty("LinkResponse").GetProperty("properties");
        Assert.False(read.TryGetProperty("password", out _));
        foreach (var name in new[] { "shortUrl", "createdAt", "updatedAt", "hasPassword", "clicks" })
            Assert.True(read.GetProperty(name).TryGetProperty("readOnly", out var readOnly) && readOnly.GetBoolean(), $"{name}: {read.GetProperty(name)}");
        Assert.Equal("boolean", read.GetProperty("hasPassword").GetProperty("type").GetString());
        foreach (var name in new[] { "url", "slug", "maxClicks", "version" })
            Assert.False(read.GetProperty(name).TryGetProperty("readOnly", out _), $"{name}: {read.GetProperty(name)}");
        var domain = schemas.GetProperty("UpdateDomainRequest").GetProperty("properties");
        Assert.True(domain.GetProperty("host").GetProperty("readOnly").GetBoolean());
        Assert.False(domain.GetProperty("rootUrl").TryGetProperty("readOnly", out _));
    }

    internal static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }

    internal static Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string path, string body) =>
        client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
}
