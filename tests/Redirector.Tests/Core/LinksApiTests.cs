using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Redirector.Links;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Core;

public sealed class LinksApiTests
{
    [Fact]
    public async Task Api_calls_without_a_valid_key_are_refused_with_401()
    {
        await using var app = new RedirectorApplication();
        foreach (var key in new[] { null, "wrong-key", new string('x', 5000) })
        {
            using var client = app.CreateApiClient(key);
            using var response = await client.GetAsync("/api/links");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task A_created_link_redirects_with_its_utm_tags_and_the_requests_overrides()
    {
        await using var app = new RedirectorApplication();
        var link = await app.CreateLinkAsync(new
        {
            url = "https://example.com/landing?ref=1&utm_medium=kept",
            slug = "spring",
            title = "Spring sale",
            tags = new[] { "sale", "spring" },
            utm = new { source = "newsletter", medium = "email", campaign = "spring" },
        });
        Assert.Equal("spring", link.Slug);
        Assert.EndsWith("/spring", link.ShortUrl);
        Assert.Equal(302, link.RedirectType);

        using var visitor = app.CreateVisitorClient();
        using var plain = await visitor.GetAsync("/spring");
        Assert.Equal(HttpStatusCode.Found, plain.StatusCode);
        Assert.Equal("https://example.com/landing?ref=1&utm_medium=kept&utm_source=newsletter&utm_campaign=spring", plain.Headers.Location!.OriginalString);
        Assert.True(plain.Headers.CacheControl is { Private: true, NoStore: true });
        Assert.Equal("noindex", plain.Headers.GetValues("X-Robots-Tag").Single());

        using var overridden = await visitor.GetAsync("/spring?utm_source=facebook&gclid=abc");
        Assert.Equal("https://example.com/landing?ref=1&utm_medium=kept&utm_campaign=spring&utm_source=facebook&gclid=abc",
            overridden.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData(301, HttpStatusCode.MovedPermanently)]
    [InlineData(307, HttpStatusCode.TemporaryRedirect)]
    [InlineData(308, HttpStatusCode.PermanentRedirect)]
    public async Task The_redirect_type_is_the_links(int type, HttpStatusCode expected)
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "typed", redirectType = type });
        using var visitor = app.CreateVisitorClient();
        using var response = await visitor.GetAsync("/typed");
        Assert.Equal(expected, response.StatusCode);
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("data:text/html,<script>alert(1)</script>")]
    [InlineData("file:///etc/passwd")]
    [InlineData("/relative/path")]
    [InlineData("//evil.example")]
    [InlineData("https:evil.example")]
    [InlineData("https://good.example\\@evil.example")]
    [InlineData("https://user:pass@evil.example/")]
    [InlineData("https://example.com/a\r\nSet-Cookie: x=1")]
    [InlineData("ftp://example.com/file")]
    [InlineData("")]
    public async Task Unsafe_destinations_are_refused_with_a_problem_naming_the_url(string url)
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        using var response = await api.PostAsJsonAsync("/api/links", new { url });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(body.RootElement.GetProperty("errors").TryGetProperty("url", out _));
    }

    [Fact]
    public async Task Overlong_destinations_are_refused()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        using var response = await api.PostAsJsonAsync("/api/links", new { url = "https://example.com/" + new string('a', 4100) });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("api")]
    [InlineData("Admin")]
    [InlineData("healthz")]
    [InlineData("has space")]
    [InlineData("slash/inside")]
    [InlineData("émoji")]
    public async Task Reserved_or_malformed_slugs_are_refused(string slug)
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        using var response = await api.PostAsJsonAsync("/api/links", new { url = "https://example.com/", slug });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"slug\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Every_route_of_one_segment_is_a_reserved_slug_so_no_held_link_answers_in_its_place()
    {
        await using var app = new RedirectorApplication();
        using var visitor = app.CreateVisitorClient();
        var names = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(endpoint => endpoint.RoutePattern.PathSegments)
            .Where(segments => segments.Count == 1 && segments[0].Parts is [RoutePatternLiteralPart])
            .Select(segments => ((RoutePatternLiteralPart)segments[0].Parts[0]).Content)
            .Distinct()
            .ToList();
        Assert.Contains("out", names);
        Assert.Contains("admin", names, StringComparer.OrdinalIgnoreCase);
        Assert.All(names, name => Assert.True(!Slugs.IsWellFormed(name) || Slugs.Validate(name)?.Contains("reserved") == true, name));
    }

    [Fact]
    public async Task Generated_slugs_are_seven_base62_characters_and_differ()
    {
        await using var app = new RedirectorApplication();
        var slugs = new HashSet<string>();
        for (var i = 0; i < 20; i++)
            slugs.Add((await app.CreateLinkAsync(new { url = "https://example.com/" + i })).Slug);
        Assert.Equal(20, slugs.Count);
        Assert.All(slugs, s => Assert.Matches("^[0-9A-Za-z]{7}$", s));
    }

    [Fact]
    public async Task Slugs_are_case_sensitive_and_a_taken_slug_answers_409()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://a.example/", slug = "Promo" });
        await app.CreateLinkAsync(new { url = "https://b.example/", slug = "promo" });
        using var api = app.CreateApiClient();
        using var duplicate = await api.PostAsJsonAsync("/api/links", new { url = "https://c.example/", slug = "Promo" });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);

        using var visitor = app.CreateVisitorClient();
        Assert.Equal("https://a.example/", (await visitor.GetAsync("/Promo")).Headers.Location!.OriginalString);
        Assert.Equal("https://b.example/", (await visitor.GetAsync("/promo")).Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Fifty_concurrent_creates_of_one_slug_give_one_201_and_49_409s()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            api.PostAsJsonAsync("/api/links", new { url = $"https://example.com/{i}", slug = "race" })));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(49, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        var winner = await responses.Single(r => r.StatusCode == HttpStatusCode.Created).Content.ReadFromJsonAsync<LinkResponse>();
        using var visitor = app.CreateVisitorClient();
        Assert.Equal(winner!.Url, (await visitor.GetAsync("/race")).Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Patch_changes_only_what_it_names_and_detects_concurrent_edits()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "edit", title = "Before", tags = new[] { "a" } });
        using var api = app.CreateApiClient();

        using var read = await api.GetAsync("/api/links/edit");
        var etag = read.Headers.ETag!.ToString();
        using var patch = new HttpRequestMessage(HttpMethod.Patch, "/api/links/edit") { Content = JsonContent.Create(new { title = "After" }) };
        patch.Headers.TryAddWithoutValidation("If-Match", etag);
        using var patched = await api.SendAsync(patch);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var link = await patched.Content.ReadFromJsonAsync<LinkResponse>();
        Assert.Equal("After", link!.Title);
        Assert.Equal(["a"], link.Tags);

        using var stale = new HttpRequestMessage(HttpMethod.Patch, "/api/links/edit") { Content = JsonContent.Create(new { title = "Lost" }) };
        stale.Headers.TryAddWithoutValidation("If-Match", etag);
        using var conflict = await api.SendAsync(stale);
        Assert.Equal(HttpStatusCode.PreconditionFailed, conflict.StatusCode);
        Assert.Equal("After", (await api.GetFromJsonAsync<LinkResponse>("/api/links/edit"))!.Title);

        using var bad = await api.PatchAsJsonAsync("/api/links/edit", new { url = "javascript:alert(1)" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Disabling_expiring_and_deleting_a_link_stops_its_redirect()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://example.com/1", slug = "off" });
        await app.CreateExpiredLinkAsync(new { url = "https://example.com/2", slug = "old" });
        await app.CreateLinkAsync(new { url = "https://example.com/3", slug = "gone" });
        using var api = app.CreateApiClient();
        using var visitor = app.CreateVisitorClient();
        Assert.Equal(HttpStatusCode.Found, (await visitor.GetAsync("/off")).StatusCode);

        (await api.PatchAsJsonAsync("/api/links/off", new { enabled = false })).EnsureSuccessStatusCode();
        (await api.DeleteAsync("/api/links/gone")).EnsureSuccessStatusCode();

        foreach (var slug in new[] { "off", "old", "gone", "never-existed" })
        {
            using var response = await visitor.GetAsync("/" + slug);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
            Assert.Contains("This link does not exist", await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/api/links/gone")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.DeleteAsync("/api/links/gone")).StatusCode);

        (await api.PatchAsJsonAsync("/api/links/old", new { expiresAt = (DateTimeOffset?)null })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Found, (await visitor.GetAsync("/old")).StatusCode);
    }

    [Fact]
    public async Task The_list_sorts_by_the_counted_clicks_most_or_fewest_first_within_its_search_and_pages()
    {
        await using var app = new RedirectorApplication();
        foreach (var (slug, tag) in new[] { ("once", "sale"), ("thrice", "sale"), ("never", "sale"), ("twice", "sale"), ("other", "news") })
            await app.CreateLinkAsync(new { url = $"https://shop.example/{slug}", slug, tags = new[] { tag } });
        using var visitor = app.CreateVisitorClient();
        foreach (var (slug, clicks) in new[] { ("once", 1), ("thrice", 3), ("twice", 2), ("other", 5) })
        {
            for (var i = 0; i < clicks; i++)
                (await CountingTests.ClickAsync(visitor, "/" + slug, Agents.ChromeWindows, null)).Dispose();
        }
        // Bots are redirected but not counted as clicks: they do not lift "never".
        for (var i = 0; i < 4; i++)
            (await CountingTests.ClickAsync(visitor, "/never", "curl/8.5.0", null)).Dispose();
        await app.FlushClicksAsync();
        using var api = app.CreateApiClient();
        async Task<List<string>> Slugs(string query) => [.. (await api.GetFromJsonAsync<LinkListResponse>("/api/links?" + query))!.Items.Select(l => l.Slug)];

        Assert.Equal(["other", "thrice", "twice", "once", "never"], await Slugs("sort=clicks"));
        Assert.Equal(["thrice", "twice", "once", "never"], await Slugs("sort=clicks&tag=sale"));
        Assert.Equal(["never", "once", "twice", "thrice"], await Slugs("sort=fewestClicks&tag=sale"));
        var second = (await api.GetFromJsonAsync<LinkListResponse>("/api/links?sort=clicks&tag=sale&pageSize=3&page=2"))!;
        Assert.Equal(4, second.Total);
        Assert.Equal(["never"], second.Items.Select(l => l.Slug));
        Assert.Empty((await api.GetFromJsonAsync<LinkListResponse>("/api/links?sort=clicks&page=9"))!.Items);

        using var bad = await api.GetAsync("/api/links?sort=click");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("'sort' is one of created, oldest, slug, updated, clicks, fewestClicks; 'click' is not (did you mean 'clicks'?).",
            problem.GetProperty("errors").GetProperty("sort")[0].GetString());
    }

    [Fact]
    public async Task The_list_and_a_read_give_each_links_counted_clicks_and_openapi_describes_them()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example/clicked", slug = "clicked" });
        var created = await app.CreateLinkAsync(new { url = "https://shop.example/quiet", slug = "quiet" });
        Assert.Equal(0, created.Clicks);
        using var visitor = app.CreateVisitorClient();
        for (var i = 0; i < 3; i++)
            (await CountingTests.ClickAsync(visitor, "/clicked", Agents.ChromeWindows, null)).Dispose();
        // A bot is redirected but is no click.
        (await CountingTests.ClickAsync(visitor, "/quiet", "curl/8.5.0", null)).Dispose();
        await app.FlushClicksAsync();
        using var api = app.CreateApiClient();

        foreach (var query in new[] { "", "?sort=slug", "?sort=clicks" })
        {
            var items = (await api.GetFromJsonAsync<LinkListResponse>("/api/links" + query))!.Items.ToDictionary(l => l.Slug, l => l.Clicks);
            Assert.Equal(new Dictionary<string, long?> { ["clicked"] = 3, ["quiet"] = 0 }, items);
        }
        Assert.Equal(3, (await api.GetFromJsonAsync<LinkResponse>("/api/links/clicked"))!.Clicks);
        Assert.Equal(0, (await api.GetFromJsonAsync<LinkResponse>("/api/links/quiet"))!.Clicks);
        using (var patched = await api.PatchAsJsonAsync("/api/links/clicked", new { title = "Clicked" }))
            Assert.Equal(3, (await patched.Content.ReadFromJsonAsync<LinkResponse>())!.Clicks);

        using var openApi = JsonDocument.Parse(await api.GetStringAsync("/openapi/v1.json"));
        var clicks = openApi.RootElement.GetProperty("components").GetProperty("schemas").GetProperty("LinkResponse").GetProperty("properties").GetProperty("clicks");
        Assert.Equal(["integer", "null"], clicks.GetProperty("type").EnumerateArray().Select(t => t.GetString()).Order());
        Assert.Contains("null while Redis", clicks.GetProperty("description").GetString());
    }

    [Fact]
    public async Task Openapi_gives_the_lists_sort_values_the_api_takes_and_describes_them()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        using var openApi = JsonDocument.Parse(await api.GetStringAsync("/openapi/v1.json"));
        var sort = openApi.RootElement.GetProperty("paths").GetProperty("/api/links").GetProperty("get").GetProperty("parameters")
            .EnumerateArray().Single(p => p.GetProperty("name").GetString() == "sort");
        var values = sort.GetProperty("schema").GetProperty("enum").EnumerateArray().Select(v => v.GetString()!).ToList();
        Assert.Equal(["created", "oldest", "slug", "updated", "clicks", "fewestClicks"], values);
        var description = sort.GetProperty("description").GetString()!;
        Assert.All(values, v => Assert.Contains(v, description, StringComparison.Ordinal));

        // Each value it gives is taken, and one outside them is refused.
        foreach (var value in values)
        {
            using var listed = await api.GetAsync("/api/links?sort=" + value);
            Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        }
        using var refused = await api.GetAsync("/api/links?sort=newest");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
    }

    [Fact]
    public async Task With_Redis_away_the_list_answers_clicks_null_and_sort_by_clicks_503_unless_nothing_matches()
    {
        using var redis = new RedisServer();
        await using var app = new RedirectorApplication(redis);
        await app.CreateLinkAsync(new { url = "https://shop.example/clicked", slug = "clicked", tags = new[] { "sale" } });
        using var visitor = app.CreateVisitorClient();
        (await CountingTests.ClickAsync(visitor, "/clicked", Agents.ChromeWindows, null)).Dispose();
        await app.FlushClicksAsync();
        using var api = app.CreateApiClient();
        Assert.Equal(1, (await api.GetFromJsonAsync<LinkResponse>("/api/links/clicked"))!.Clicks);
        redis.Kill();

        var list = await api.GetFromJsonAsync<JsonElement>("/api/links");
        Assert.Equal(JsonValueKind.Null, list.GetProperty("items")[0].GetProperty("clicks").ValueKind);
        var read = await api.GetFromJsonAsync<JsonElement>("/api/links/clicked");
        Assert.Equal(JsonValueKind.Null, read.GetProperty("clicks").ValueKind);
        using (var sorted = await api.GetAsync("/api/links?sort=clicks&tag=sale"))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, sorted.StatusCode);
        foreach (var query in new[] { "sort=clicks&tag=nothing-tagged", "sort=fewestClicks&search=no-such-link" })
        {
            using var empty = await api.GetAsync("/api/links?" + query);
            Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
            var page = (await empty.Content.ReadFromJsonAsync<LinkListResponse>())!;
            Assert.Empty(page.Items);
            Assert.Equal(0, page.Total);
        }
    }

    [Fact]
    public async Task The_list_pages_searches_and_filters_by_tag()
    {
        await using var app = new RedirectorApplication();
        for (var i = 0; i < 12; i++)
            await app.CreateLinkAsync(new { url = $"https://shop{i}.example/", slug = $"item-{i}", tags = i % 3 == 0 ? new[] { "sale" } : new[] { "news" } });
        using var api = app.CreateApiClient();

        var page = await api.GetFromJsonAsync<LinkListResponse>("/api/links?pageSize=5&page=3");
        Assert.Equal(12, page!.Total);
        Assert.Equal(2, page.Items.Count);
        var tagged = await api.GetFromJsonAsync<LinkListResponse>("/api/links?tag=sale");
        Assert.Equal(["item-9", "item-6", "item-3", "item-0"], tagged!.Items.Select(l => l.Slug));
        var found = await api.GetFromJsonAsync<LinkListResponse>("/api/links?search=SHOP1");
        Assert.Equal(["item-11", "item-10", "item-1"], found!.Items.Select(l => l.Slug));
    }

    [Fact]
    public async Task Search_matches_tags_and_utm_values_and_several_tags_match_any_of_them()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://a.example/", slug = "spring", tags = new[] { "Autumn-Sale" } });
        await app.CreateLinkAsync(new { url = "https://b.example/", slug = "mail", utm = new { source = "newsletter", campaign = "Black-Friday" } });
        await app.CreateLinkAsync(new { url = "https://c.example/", slug = "term", utm = new { term = "running shoes", content = "hero-banner" } });
        await app.CreateLinkAsync(new { url = "https://d.example/", slug = "other", tags = new[] { "news" } });
        using var api = app.CreateApiClient();

        async Task<IEnumerable<string>> Slugs(string query) =>
            (await api.GetFromJsonAsync<LinkListResponse>("/api/links?" + query))!.Items.Select(l => l.Slug);

        Assert.Equal(["spring"], await Slugs("search=autumn"));
        Assert.Equal(["mail"], await Slugs("search=FRIDAY"));
        Assert.Equal(["mail"], await Slugs("search=newslet"));
        Assert.Equal(["term"], await Slugs("search=shoes"));
        Assert.Equal(["term"], await Slugs("search=banner"));
        Assert.Equal(["other", "spring"], await Slugs("tag=news&tag=Autumn-Sale"));
        Assert.Equal(["other"], await Slugs("tag=news&tag=nothing-tagged"));
    }

    [Fact]
    public async Task Unknown_slugs_answer_404_in_the_api()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/api/links/nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/api/links/nope/stats")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.PatchAsJsonAsync("/api/links/nope", new { title = "x" })).StatusCode);
    }

    [Fact]
    public async Task OpenApi_and_health_endpoints_answer()
    {
        await using var app = new RedirectorApplication();
        using var client = app.CreateVisitorClient();
        var openApi = await client.GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/links/{slug}/stats", openApi);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        using var ready = JsonDocument.Parse(await client.GetStringAsync("/readyz"));
        Assert.Equal("healthy", ready.RootElement.GetProperty("checks").GetProperty("catalog").GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_taken_slug_is_named_together_with_the_other_problems_of_a_refused_save()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/first", slug = "taken" });
        await app.CreateLinkAsync(new { url = "https://shop.example.com/second", slug = "second" });
        using var api = app.CreateApiClient();

        using (var created = await api.PostAsJsonAsync("/api/links", new { url = "https://shop.example.com/x", slug = "taken", maxClicks = 0 }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, created.StatusCode);
            var errors = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            Assert.Equal("This slug is already taken.", errors.GetProperty("slug")[0].GetString());
            Assert.True(errors.TryGetProperty("maxClicks", out _));
        }
        using (var renamed = await api.PatchAsJsonAsync("/api/links/second", new { slug = "taken", redirectType = 200 }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, renamed.StatusCode);
            var errors = (await renamed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            Assert.Equal("This slug is already taken on that domain.", errors.GetProperty("slug")[0].GetString());
            Assert.True(errors.TryGetProperty("redirectType", out _));
        }
        // The slug alone in the way is still the 409 it was.
        using (var conflict = await api.PostAsJsonAsync("/api/links", new { url = "https://shop.example.com/x", slug = "taken" }))
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
    }

    /// <summary>
    /// Free text of a link (title, tags, UTM values, preview card), a site (name) and a webhook (tag and link filters)
    /// holds no control characters, whether it comes from the API or a CSV import; the trial's title got 201.
    /// </summary>
    [Fact]
    public async Task Control_characters_are_refused_in_every_free_text_field_as_in_tags()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        await AssertRefusedAsync(await api.PostAsJsonAsync("/api/links", new { url = "https://shop.example/x", title = "\u0000\u202e evil" }), "title");
        await app.CreateLinkAsync(new { url = "https://shop.example/x", slug = "plain", title = "Plain" });
        await AssertRefusedAsync(await api.PatchAsJsonAsync("/api/links/plain", new { title = "line1\nline2\u0007" }), "title");
        await AssertRefusedAsync(await api.PostAsJsonAsync("/api/links", new { url = "https://shop.example/x", tags = new[] { "a\u0007" } }), "tags");
        await AssertRefusedAsync(await api.PostAsJsonAsync("/api/sites", new { name = "Blog\u0007", hosts = new[] { "blog.example.com" } }), "name");
        await AssertRefusedAsync(await api.PostAsJsonAsync("/api/webhooks",
            new { url = "https://hooks.example.com/in", events = new[] { "link.clicked" }, linkFilter = new { tags = new[] { "vip\u0000" } } }), "linkFilter.tags");
        Assert.Equal("Plain", (await api.GetFromJsonAsync<LinkResponse>("/api/links/plain"))!.Title);

        var import = await app.Services.GetRequiredService<Redirector.Admin.Import.CsvLinkImport>()
            .ImportAsync("slug,url,title\nbell,https://shop.example/x,\"line1\nline2\u0007\"\n", seenHost: null, CancellationToken.None);
        Assert.Equal(["title"], import.Problems.Select(p => p.Field));
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string field)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            Assert.True(errors.TryGetProperty(field, out var messages), errors.ToString());
            Assert.Contains("control characters", messages[0].GetString(), StringComparison.Ordinal);
        }
    }
}
