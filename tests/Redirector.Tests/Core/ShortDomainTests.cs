using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Redirector.ApiKeys;
using Redirector.Links;
using Redirector.Security;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Core;

/// <summary>Short domains through real HTTP, a real SQLite catalogue and a real Redis: the Host header picks the domain.</summary>
public sealed class ShortDomainTests
{
    private const string Home = "https://shop.example.com/home";
    private const string Brand = "https://brand.example.com/spring";

    // Written with capitals, as people do: short URLs and hosts still come out in lowercase.
    private static readonly Dictionary<string, string?> WithBaseUrl = new() { ["Redirector:BaseUrl"] = "https://Go.Example.com" };

    private static async Task<HttpResponseMessage> RegisterAsync(RedirectorApplication app, object body)
    {
        using var api = app.CreateApiClient();
        return await api.PostAsJsonAsync("/api/domains", body);
    }

    private static async Task<HttpResponseMessage> VisitAsync(HttpClient client, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task A_link_to_its_own_short_url_is_refused_as_a_loop_and_a_chain_to_another_short_link_is_not()
    {
        await using var app = new RedirectorApplication(settings: WithBaseUrl);
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(app, new { host = "brand.test" })).StatusCode);
        using var api = app.CreateApiClient();
        foreach (var (body, field) in new (object, string)[]
        {
            (new { url = "https://go.example.com/loop", slug = "loop" }, "url"),
            (new { url = "http://GO.example.com/loop/?utm_source=x#top", slug = "loop" }, "url"),
            (new { url = "https://go.example.com./loop", slug = "loop" }, "url"),
            (new { url = "https://go.example.com:8443/loop", slug = "loop" }, "url"),
            (new { url = "http://brand.test:8080/loop", slug = "loop", domain = "brand.test" }, "url"),
            (new { url = "https://brand.test/loop", slug = "loop", domain = "brand.test" }, "url"),
            (new { url = Home, slug = "loop", rules = new[] { new { when = new { os = "iOS" }, url = "https://go.example.com/loop" } } }, "rules"),
            (new { url = Home, slug = "loop", variants = new[] { new { url = Home, weight = 1 }, new { url = "https://go.example.com/loop", weight = 1 } } }, "variants"),
        })
        {
            using var refused = await api.PostAsJsonAsync("/api/links", body);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), field);
        }

        // Another short link and the same slug on another domain are other places: allowed.
        await app.CreateLinkAsync(new { url = "https://go.example.com/next", slug = "chain" });
        await app.CreateLinkAsync(new { url = "https://go.example.com/loop", slug = "loop", domain = "brand.test" });

        // A rename onto the slug its destination names is refused, and the link is left as it was.
        using var rename = await api.PatchAsJsonAsync("/api/links/chain", new { slug = "next" });
        Assert.Equal(HttpStatusCode.BadRequest, rename.StatusCode);
        Assert.Contains("\"url\"", await rename.Content.ReadAsStringAsync());
        using var visitor = app.CreateVisitorClient();
        using var still = await VisitAsync(visitor, "http://go.example.com/chain");
        Assert.Equal("https://go.example.com/next", still.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Short_links_that_lead_back_to_each_other_are_refused_as_a_loop_and_lose_nothing()
    {
        await using var app = new RedirectorApplication(settings: WithBaseUrl);
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(app, new { host = "brand.test" })).StatusCode);
        using var api = app.CreateApiClient();
        // a -> brand.test/b -> c: a chain, allowed.
        await app.CreateLinkAsync(new { url = "https://brand.test/b", slug = "a" });
        await app.CreateLinkAsync(new { url = Home, slug = "b", domain = "brand.test", rules = new[] { new { when = new { os = "iOS" }, url = "https://go.example.com/c" } } });

        // c -> a closes the ring through b's rule: refused, and c is not created.
        using (var refused = await api.PostAsJsonAsync("/api/links", new { url = "https://go.example.com/a/?utm_source=x", slug = "c" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            var error = problem.RootElement.GetProperty("errors").GetProperty("url")[0].GetString();
            Assert.Contains("c → a → b → c", error);
        }
        using (var missing = await api.GetAsync("/api/links/c"))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        // Created pointing elsewhere, then changed to close the ring through a variant: refused, the link unchanged.
        await app.CreateLinkAsync(new { url = Home, slug = "c" });
        using (var patched = await api.PatchAsJsonAsync("/api/links/c", new
        {
            variants = new[] { new { url = Home, weight = 1 }, new { url = "https://go.example.com/a", weight = 1 } },
        }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, patched.StatusCode);
            Assert.Contains("\"variants\"", await patched.Content.ReadAsStringAsync());
        }
        using var visitor = app.CreateVisitorClient();
        using (var still = await VisitAsync(visitor, "http://go.example.com/c"))
            Assert.Equal(Home, still.Headers.Location!.OriginalString);

        // Two rows of an import that point at each other.
        var import = app.Services.GetRequiredService<Redirector.Admin.Import.CsvLinkImport>();
        var report = await import.ImportAsync("slug,url\nx,https://go.example.com/y\ny,https://go.example.com/x\n", seenHost: null, CancellationToken.None);
        Assert.Equal(0, report.Imported);
        Assert.Contains(report.Problems, p => p.Field == "url" && p.Message.Contains("round in a loop", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_expired_url_that_leads_back_to_the_link_is_refused_as_a_loop()
    {
        await using var app = new RedirectorApplication(settings: WithBaseUrl);
        using var api = app.CreateApiClient();

        // Its own short URL as where the switched-off link sends visitors.
        using (var own = await api.PostAsJsonAsync("/api/links", new { url = Home, slug = "exloop", enabled = false, expiredUrl = "http://go.example.com:18080/exloop" }))
            Assert.Contains("\"expiredUrl\"", await ProblemErrorsAsync(own, HttpStatusCode.BadRequest));

        // Two switched-off links whose expired URLs name each other: the second one closes the ring, created or patched.
        await app.CreateLinkAsync(new { url = Home, slug = "exloop2", enabled = false, expiredUrl = "https://go.example.com/exloop3" });
        using (var ring = await api.PostAsJsonAsync("/api/links", new { url = Home, slug = "exloop3", enabled = false, expiredUrl = "https://go.example.com/exloop2" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, ring.StatusCode);
            using var problem = JsonDocument.Parse(await ring.Content.ReadAsStringAsync());
            Assert.Contains("exloop3 → exloop2 → exloop3", problem.RootElement.GetProperty("errors").GetProperty("expiredUrl")[0].GetString());
        }
        await app.CreateLinkAsync(new { url = Home, slug = "exloop3", enabled = false });
        using (var patched = await api.PatchAsJsonAsync("/api/links/exloop3", new { expiredUrl = "https://go.example.com/exloop2" }))
            Assert.Contains("\"expiredUrl\"", await ProblemErrorsAsync(patched, HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task A_links_expired_url_that_comes_back_through_a_domains_answers_is_refused_as_a_loop_naming_the_chain()
    {
        await using var app = new RedirectorApplication(settings: WithBaseUrl);
        // The domain's notFoundUrl names a link that redirects: no loop when it is saved.
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(app, new { host = "go.brand.test" })).StatusCode);
        await app.CreateLinkAsync(new { url = Home, slug = "promo", domain = "go.brand.test" });
        using var api = app.CreateApiClient();
        Assert.Equal(HttpStatusCode.OK, (await api.PatchAsJsonAsync("/api/domains/go.brand.test", new { notFoundUrl = "https://go.brand.test/promo" })).StatusCode);

        // promo, switched off, would send visitors to an unknown slug, whose notFoundUrl is promo again.
        using (var patched = await api.PatchAsJsonAsync("/api/links/promo?domain=go.brand.test", new { expiredUrl = "https://go.brand.test/gone" }))
        {
            using var errors = JsonDocument.Parse(await ProblemErrorsAsync(patched, HttpStatusCode.BadRequest));
            var error = errors.RootElement.GetProperty("expiredUrl")[0].GetString()!;
            Assert.Contains("promo → go.brand.test/gone (no link: the domain's notFoundUrl) → promo", error);
            Assert.Contains("round in a loop", error);
        }
        // Through the domain's root and its rootUrl, on create.
        Assert.Equal(HttpStatusCode.OK, (await api.PatchAsJsonAsync("/api/domains/go.brand.test", new { rootUrl = "https://go.brand.test/spring" })).StatusCode);
        using (var created = await api.PostAsJsonAsync("/api/links", new { url = Home, slug = "spring", domain = "go.brand.test", enabled = false, expiredUrl = "https://go.brand.test/" }))
            Assert.Contains("spring → go.brand.test/ (the domain's rootUrl) → spring", Messages(await ProblemErrorsAsync(created, HttpStatusCode.BadRequest)));
        // A switched-off link without an expired URL answers with the domain's expiredUrl: a destination through it is followed.
        Assert.Equal(HttpStatusCode.OK, (await api.PatchAsJsonAsync("/api/domains/go.brand.test", new { expiredUrl = "https://go.brand.test/gone" })).StatusCode);
        await app.CreateLinkAsync(new { url = Home, slug = "off", domain = "go.brand.test", enabled = false });
        using (var through = await api.PatchAsJsonAsync("/api/links/promo?domain=go.brand.test", new { url = "https://go.brand.test/off" }))
            Assert.Contains("promo → off (does not redirect now: the domain's expiredUrl) → go.brand.test/gone (no link: the domain's notFoundUrl) → promo",
                Messages(await ProblemErrorsAsync(through, HttpStatusCode.BadRequest)));

        // Once promo is deleted the notFoundUrl names an unknown slug, answered by the notFoundUrl again: an import
        // that brings promo back with an expired URL into it closes the loop on its own row...
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync("/api/links/promo?domain=go.brand.test")).StatusCode);
        var import = app.Services.GetRequiredService<Redirector.Admin.Import.CsvLinkImport>();
        var report = await import.ImportAsync($"slug,domain,url,expired_url\npromo,go.brand.test,{Home},https://go.brand.test/gone\n", seenHost: null, CancellationToken.None);
        Assert.Equal(0, report.Imported);
        Assert.Contains(report.Problems, p => p.Message.Contains("promo → go.brand.test/gone (no link: the domain's notFoundUrl) → promo", StringComparison.Ordinal));
        // ...and a link that leads into that loop is refused, though the loop does not come back to the link itself.
        using (var into = await api.PostAsJsonAsync("/api/links", new { url = Home, slug = "late", expiredUrl = "https://go.brand.test/anything" }))
        {
            Assert.Contains("late → go.brand.test/anything (no link: the domain's notFoundUrl) → go.brand.test/promo (no link: the domain's notFoundUrl) → go.brand.test/promo",
                Messages(await ProblemErrorsAsync(into, HttpStatusCode.BadRequest)));
        }

        // A chain that ends at a link that redirects, or at an unknown slug of a domain without a notFoundUrl, is allowed.
        await app.CreateLinkAsync(new { url = Home, slug = "target" });
        await app.CreateLinkAsync(new { url = Home, slug = "fine", expiredUrl = "https://go.example.com/target" });
        await app.CreateLinkAsync(new { url = Home, slug = "fine2", expiredUrl = "https://go.example.com/nobody" });

        // The messages of an errors object, unescaped (the raw JSON writes → as \u2192).
        static string Messages(string errors) =>
            string.Join("\n", JsonDocument.Parse(errors).RootElement.EnumerateObject().SelectMany(f => f.Value.EnumerateArray()).Select(m => m.GetString()));
    }

    [Fact]
    public async Task A_domains_root_or_not_found_url_that_leads_back_to_its_own_answers_is_refused_as_a_loop()
    {
        await using var app = new RedirectorApplication(settings: WithBaseUrl);
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(app, new { host = "go.brand.test" })).StatusCode);
        await app.CreateLinkAsync(new { url = Home, slug = "home", domain = "go.brand.test" });
        using var api = app.CreateApiClient();

        foreach (var (body, field) in new (object, string)[]
        {
            // An unknown slug of the domain itself: answered by the same notFoundUrl again.
            (new { notFoundUrl = "http://go.brand.test:18080/nothing-here" }, "notFoundUrl"),
            (new { rootUrl = "https://go.brand.test/" }, "rootUrl"),
            // Root and not-found answers that hand visitors to each other.
            (new { rootUrl = "https://go.brand.test/missing", notFoundUrl = "https://go.brand.test" }, "rootUrl"),
        })
        {
            using var refused = await api.PatchAsJsonAsync("/api/domains/go.brand.test", body);
            var errors = await ProblemErrorsAsync(refused, HttpStatusCode.BadRequest);
            Assert.Contains($"\"{field}\"", errors);
            Assert.Contains("round in a loop", errors);
        }
        using (var created = await RegisterAsync(app, new { host = "other.brand.test", notFoundUrl = "https://other.brand.test/x" }))
            Assert.Contains("\"notFoundUrl\"", await ProblemErrorsAsync(created, HttpStatusCode.BadRequest));

        // A link of the domain that redirects, or another site, ends the chain: allowed, and answered.
        using (var allowed = await api.PatchAsJsonAsync("/api/domains/go.brand.test", new { notFoundUrl = "https://go.brand.test/home", rootUrl = Brand }))
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        using var visitor = app.CreateVisitorClient();
        using (var unknown = await VisitAsync(visitor, "http://go.brand.test/nothing-here"))
            Assert.Equal("https://go.brand.test/home", unknown.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Without_a_base_url_a_link_to_the_host_the_API_is_reached_at_is_refused_as_a_loop()
    {
        await using var app = new RedirectorApplication();
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(app, new { host = "brand.test" })).StatusCode);
        using var api = app.CreateApiClient();
        var seen = api.BaseAddress!.Host;

        using (var refused = await api.PostAsJsonAsync("/api/links", new { url = $"https://{seen}/self", slug = "self" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("round in a loop", await refused.Content.ReadAsStringAsync());
        }
        await app.CreateLinkAsync(new { url = Home, slug = "self" });
        using (var patched = await api.PatchAsJsonAsync("/api/links/self", new { url = $"http://{seen}:8080/self/" }))
            Assert.Equal(HttpStatusCode.BadRequest, patched.StatusCode);

        // Reached at a registered short domain, the API cannot tell the default domain's host: a link to that domain's
        // own slug is a chain to another link there, allowed.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/links")
        {
            Content = JsonContent.Create(new { url = "https://brand.test/elsewhere", slug = "elsewhere" }),
        };
        request.Headers.Host = "brand.test";
        using (var chain = await api.SendAsync(request))
            Assert.Equal(HttpStatusCode.Created, chain.StatusCode);
    }

    [Fact]
    public async Task An_internationalised_short_domain_answers_at_its_punycode_host_as_browsers_send_it()
    {
        await using var app = new RedirectorApplication();
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(app, new { host = "bücher.example", rootUrl = Home })).StatusCode);
        await app.CreateLinkAsync(new { url = Brand, slug = "buch", domain = "bücher.example" });
        // The same slug on the default domain must not answer in its place, whichever path the redirect takes.
        await app.CreateLinkAsync(new { url = Home + "default", slug = "buch" });
        using var visitor = app.CreateVisitorClient();

        // A browser sends the ASCII form of the host (RFC 3986 section 3.2.2), whichever form the address bar shows.
        foreach (var (path, location) in new[] { ("/buch", Brand), ("/", Home) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Host = "xn--bcher-kva.example";
            request.Headers.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
            using var response = await visitor.SendAsync(request);
            Assert.Equal(HttpStatusCode.Found, response.StatusCode);
            Assert.Equal(location, response.Headers.Location!.OriginalString);
        }
    }

    [Fact]
    public async Task The_same_slug_on_two_domains_redirects_by_host_and_unknown_hosts_are_the_default_domain()
    {
        await using var app = new RedirectorApplication(settings: WithBaseUrl);
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(app, new { host = "Brand.Test" })).StatusCode);
        var onDefault = await app.CreateLinkAsync(new { url = Home, slug = "spring" });
        var onBrand = await app.CreateLinkAsync(new { url = Brand, slug = "spring", domain = "brand.test" });

        Assert.Equal("go.example.com", onDefault.Domain);
        Assert.Equal("https://go.example.com/spring", onDefault.ShortUrl);
        Assert.Equal("brand.test", onBrand.Domain);
        Assert.Equal("https://brand.test/spring", onBrand.ShortUrl);

        using var visitor = app.CreateVisitorClient();
        foreach (var (url, expected) in new[]
        {
            ("http://go.example.com/spring", Home),
            ("http://localhost/spring", Home),
            ("http://unregistered.test/spring", Home),
            ("http://brand.test/spring", Brand),
            ("http://BRAND.test:8080/spring", Brand),
        })
        {
            using var response = await VisitAsync(visitor, url);
            Assert.Equal(HttpStatusCode.Found, response.StatusCode);
            Assert.Equal(expected, response.Headers.Location!.OriginalString);
        }
        using (var missing = await VisitAsync(visitor, "http://brand.test/only-default"))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        using var api = app.CreateApiClient();
        using (var taken = await api.PostAsJsonAsync("/api/links", new { url = Home, slug = "spring", domain = "brand.test" }))
            Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        using (var unregistered = await api.PostAsJsonAsync("/api/links", new { url = Home, slug = "x", domain = "nowhere.test" }))
            Assert.Contains("\"domain\"", await ProblemErrorsAsync(unregistered, HttpStatusCode.BadRequest));
        var read = await api.GetFromJsonAsync<LinkResponse>("/api/links/spring?domain=brand.test");
        Assert.Equal(Brand, read!.Url);
        Assert.Equal(Home, (await api.GetFromJsonAsync<LinkResponse>("/api/links/spring"))!.Url);
        Assert.Single((await api.GetFromJsonAsync<LinkListResponse>("/api/links?domain=brand.test"))!.Items);

        using (var patched = await api.PatchAsJsonAsync("/api/links/spring?domain=brand.test", new { url = "https://brand.example.com/summer" }))
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        using (var after = await VisitAsync(visitor, "http://brand.test/spring"))
            Assert.Equal("https://brand.example.com/summer", after.Headers.Location!.OriginalString);
        using (var still = await VisitAsync(visitor, "http://localhost/spring"))
            Assert.Equal(Home, still.Headers.Location!.OriginalString);

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync("/api/links/spring?domain=brand.test")).StatusCode);
        using (var gone = await VisitAsync(visitor, "http://brand.test/spring"))
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        using (var kept = await VisitAsync(visitor, "http://localhost/spring"))
            Assert.Equal(Home, kept.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Without_a_base_url_the_host_a_request_came_to_names_the_default_domain()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = Home, slug = "here" });
        using var api = app.CreateApiClient();

        // The link's own answer names its domain by the host it was asked at; that name finds it again.
        var link = await api.GetFromJsonAsync<LinkResponse>("/api/links/here?domain=localhost");
        Assert.Equal(Home, link!.Url);
        Assert.Equal("localhost", link.Domain);
        using (var stats = await api.GetAsync("/api/links/here/stats?domain=LOCALHOST"))
            Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
        Assert.Single((await api.GetFromJsonAsync<LinkListResponse>("/api/links?domain=localhost"))!.Items);
        // So does a link created, or moved, with that name in its body: the default domain, not an unregistered one.
        using (var created = await api.PostAsJsonAsync("/api/links", new { url = Home, slug = "also", domain = "LocalHost." }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal("localhost", (await created.Content.ReadFromJsonAsync<LinkResponse>())!.Domain);
        }
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync("/api/domains", new { host = "brand.test" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.PatchAsJsonAsync("/api/links/also", new { domain = "brand.test" })).StatusCode);
        using (var movedBack = await api.PatchAsJsonAsync("/api/links/also?domain=brand.test", new { domain = "localhost" }))
            Assert.Equal(HttpStatusCode.OK, movedBack.StatusCode);
        Assert.Equal(2, (await api.GetFromJsonAsync<LinkListResponse>("/api/links?domain=localhost"))!.Items.Count);
        // Asked at a registered domain's host, that host names the registered domain, not the default one.
        using var atBrand = app.CreateApiClient();
        atBrand.BaseAddress = new Uri("http://brand.test/");
        Assert.Equal(HttpStatusCode.Created, (await atBrand.PostAsJsonAsync("/api/links", new { url = Home, slug = "there", domain = "brand.test" })).StatusCode);
        Assert.Single((await api.GetFromJsonAsync<LinkListResponse>("/api/links?domain=brand.test"))!.Items, l => l.Slug == "there");
        Assert.DoesNotContain((await api.GetFromJsonAsync<LinkListResponse>("/api/links?domain=localhost"))!.Items, l => l.Slug == "there");
        // A host that is neither registered nor the default domain's is said so, not listed as empty.
        using (var unknown = await api.GetAsync("/api/links?domain=nowhere.test"))
        {
            var errors = JsonDocument.Parse(await ProblemErrorsAsync(unknown, HttpStatusCode.BadRequest)).RootElement;
            Assert.StartsWith("'nowhere.test' is not a registered domain", errors.GetProperty("domain")[0].GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_domains_api_registers_validates_changes_and_refuses_to_remove_a_domain_in_use()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();

        using (var created = await api.PostAsJsonAsync("/api/domains", new { host = "Bücher.Example.", rootUrl = Home }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var body = await created.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("xn--bcher-kva.example", body.GetProperty("host").GetString());
            Assert.Equal(Home, body.GetProperty("rootUrl").GetString());
        }
        using (var again = await api.PostAsJsonAsync("/api/domains", new { host = "XN--BCHER-KVA.example" }))
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        foreach (var host in new[] { "", "not a host", "https://go.example.com", "go.example.com:8080", "localhost", "a..b.com", "-a.example.com", "192.168.1.1", "go.example.com/path", new string('a', 64) + ".com" })
        {
            using var bad = await api.PostAsJsonAsync("/api/domains", new { host });
            Assert.Contains("\"host\"", await ProblemErrorsAsync(bad, HttpStatusCode.BadRequest));
        }
        foreach (var (body, field) in new (object, string)[]
        {
            (new { host = "ok.example", rootUrl = "javascript:alert(1)" }, "rootUrl"),
            (new { host = "ok.example", notFoundUrl = "ftp://x.example" }, "notFoundUrl"),
            (new { host = "ok.example", expiredUrl = "/relative" }, "expiredUrl"),
            (new { host = "ok.example", appleAppSiteAssociation = "{not json" }, "appleAppSiteAssociation"),
            (new { host = "ok.example", assetLinks = new { relation = "not an array" } }, "assetLinks"),
        })
        {
            using var bad = await api.PostAsJsonAsync("/api/domains", body);
            Assert.Contains($"\"{field}\"", await ProblemErrorsAsync(bad, HttpStatusCode.BadRequest));
        }
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/api/domains/ok.example")).StatusCode);

        var list = await api.GetFromJsonAsync<JsonElement>("/api/domains");
        Assert.Equal(["xn--bcher-kva.example"], list.EnumerateArray().Select(d => d.GetProperty("host").GetString()));
        using (var patched = await api.PatchAsJsonAsync("/api/domains/bücher.example", new { rootUrl = (string?)null, notFoundUrl = Brand }))
        {
            var body = await patched.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(JsonValueKind.Null, body.GetProperty("rootUrl").ValueKind);
            Assert.Equal(Brand, body.GetProperty("notFoundUrl").GetString());
        }

        await app.CreateLinkAsync(new { url = Home, slug = "used", domain = "xn--bcher-kva.example" });
        using (var inUse = await api.DeleteAsync("/api/domains/xn--bcher-kva.example"))
        {
            Assert.Equal(HttpStatusCode.Conflict, inUse.StatusCode);
            Assert.Contains("1 link", await inUse.Content.ReadAsStringAsync());
        }
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync("/api/links/used?domain=xn--bcher-kva.example")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync("/api/domains/xn--bcher-kva.example")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.DeleteAsync("/api/domains/xn--bcher-kva.example")).StatusCode);
    }

    [Fact]
    public async Task A_viewer_key_reads_domains_and_only_an_editor_key_changes_them()
    {
        await using var app = new RedirectorApplication();
        var keys = app.Services.GetRequiredService<ApiKeyService>();
        using var viewer = app.CreateApiClient((await keys.CreateAsync("dashboard", Roles.Viewer, CancellationToken.None)).Secret);
        using var editor = app.CreateApiClient((await keys.CreateAsync("cms", Roles.Editor, CancellationToken.None)).Secret);

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("/api/domains", new { host = "brand.test" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await editor.PostAsJsonAsync("/api/domains", new { host = "brand.test" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/domains/brand.test")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.DeleteAsync("/api/domains/brand.test")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/domains/brand.test")).StatusCode);
    }

    [Fact]
    public async Task Each_domain_answers_its_root_unknown_slugs_and_refused_links_and_the_default_domain_keeps_the_404_page()
    {
        await using var app = new RedirectorApplication();
        await RegisterAsync(app, new
        {
            host = "brand.test",
            rootUrl = "https://brand.example.com/",
            notFoundUrl = "https://brand.example.com/missing",
            expiredUrl = "https://brand.example.com/over",
        });
        await app.CreateLinkAsync(new { url = Brand, slug = "off", enabled = false, domain = "brand.test" });
        await app.CreateExpiredLinkAsync(new { url = Brand, slug = "past", domain = "brand.test" });
        await app.CreateLinkAsync(new { url = Brand, slug = "own", enabled = false, expiredUrl = "https://brand.example.com/own", domain = "brand.test" });
        await app.CreateLinkAsync(new { url = Brand, slug = "off", enabled = false });
        using var visitor = app.CreateVisitorClient();

        foreach (var (url, expected) in new[]
        {
            ("http://brand.test/", "https://brand.example.com/"),
            ("http://brand.test/nothing-here", "https://brand.example.com/missing"),
            ("http://brand.test/off", "https://brand.example.com/over"),
            ("http://brand.test/past", "https://brand.example.com/over"),
            ("http://brand.test/own", "https://brand.example.com/own"),
        })
        {
            using var response = await VisitAsync(visitor, url);
            Assert.Equal(HttpStatusCode.Found, response.StatusCode);
            Assert.Equal(expected, response.Headers.Location!.OriginalString);
        }
        foreach (var url in new[] { "http://localhost/", "http://localhost/nothing-here", "http://localhost/off" })
        {
            using var response = await VisitAsync(visitor, url);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
    }

    [Fact]
    public async Task Well_known_files_are_served_per_domain_as_json_and_404_where_not_configured()
    {
        await using var app = new RedirectorApplication();
        const string appIds = "ABCDE12345.com.example.app";
        await RegisterAsync(app, new
        {
            host = "app.test",
            appleAppSiteAssociation = new { applinks = new { details = new[] { new { appIDs = new[] { appIds }, components = new[] { new { path = "/*" } } } } } },
            assetLinks = "[{\"relation\":[\"delegate_permission/common.handle_all_urls\"],\"target\":{\"namespace\":\"android_app\",\"package_name\":\"com.example.app\"}}]",
        });
        await RegisterAsync(app, new { host = "plain.test" });
        using var visitor = app.CreateVisitorClient();

        using (var aasa = await VisitAsync(visitor, "http://app.test/.well-known/apple-app-site-association"))
        {
            Assert.Equal(HttpStatusCode.OK, aasa.StatusCode);
            Assert.Equal("application/json", aasa.Content.Headers.ContentType!.MediaType);
            var json = await aasa.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(appIds, json.GetProperty("applinks").GetProperty("details")[0].GetProperty("appIDs")[0].GetString());
        }
        using (var assetLinks = await VisitAsync(visitor, "http://app.test/.well-known/assetlinks.json"))
        {
            Assert.Equal(HttpStatusCode.OK, assetLinks.StatusCode);
            Assert.Equal("application/json", assetLinks.Content.Headers.ContentType!.MediaType);
            var json = await assetLinks.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("com.example.app", json[0].GetProperty("target").GetProperty("package_name").GetString());
        }
        foreach (var url in new[] { "http://plain.test/.well-known/assetlinks.json", "http://localhost/.well-known/apple-app-site-association" })
        {
            using var response = await VisitAsync(visitor, url);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
    }

    [Fact]
    public async Task A_change_of_a_domain_or_its_links_on_one_node_reaches_a_second_node()
    {
        using var redis = new RedisServer();
        var data = Directory.CreateTempSubdirectory("redirector-test-").FullName;
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:Catalog"] = $"Data Source={Path.Combine(data, "shared.db")}" };
        await using var first = new RedirectorApplication(redis, settings);
        await using var second = new RedirectorApplication(redis, settings);
        await first.CreateLinkAsync(new { url = Home, slug = "spring" });
        using var visitor = second.CreateVisitorClient();
        await EventuallyAsync(visitor, "http://brand.test/spring", Home);

        await RegisterAsync(first, new { host = "brand.test", rootUrl = "https://brand.example.com/" });
        await first.CreateLinkAsync(new { url = Brand, slug = "spring", domain = "brand.test" });
        await EventuallyAsync(visitor, "http://brand.test/spring", Brand);
        await EventuallyAsync(visitor, "http://brand.test/", "https://brand.example.com/");

        using var api = first.CreateApiClient();
        (await api.PatchAsJsonAsync("/api/domains/brand.test", new { rootUrl = "https://brand.example.com/new" })).Dispose();
        await EventuallyAsync(visitor, "http://brand.test/", "https://brand.example.com/new");
        (await api.DeleteAsync("/api/links/spring?domain=brand.test")).Dispose();
        (await api.DeleteAsync("/api/domains/brand.test")).Dispose();
        // Unregistered again: the host is served as the default domain.
        await EventuallyAsync(visitor, "http://brand.test/spring", Home);
        await EventuallyAsync(visitor, "http://localhost/spring", Home);
        Directory.Delete(data, recursive: true);
    }

    [Fact]
    public async Task Stats_are_read_per_link_on_its_domain_and_per_domain()
    {
        await using var app = new RedirectorApplication(settings: WithBaseUrl);
        await RegisterAsync(app, new { host = "brand.test" });
        await RegisterAsync(app, new { host = "empty.test" });
        await app.CreateLinkAsync(new { url = Home, slug = "spring" });
        await app.CreateLinkAsync(new { url = Brand, slug = "spring", domain = "brand.test" });
        await app.CreateLinkAsync(new { url = Brand, slug = "autumn", domain = "brand.test" });
        using var visitor = app.CreateVisitorClient();
        for (var i = 0; i < 3; i++)
            (await CountingTests.ClickAsync(visitor, "http://go.example.com/spring", Agents.ChromeWindows, null)).Dispose();
        for (var i = 0; i < 5; i++)
            (await CountingTests.ClickAsync(visitor, "http://brand.test/spring", Agents.ChromeWindows, null)).Dispose();
        for (var i = 0; i < 2; i++)
            (await CountingTests.ClickAsync(visitor, "http://brand.test/autumn", Agents.ChromeWindows, null)).Dispose();
        await app.FlushClicksAsync();
        await app.WaitForEventsAsync();

        using var api = app.CreateApiClient();
        async Task<long> Clicks(string path) => (await api.GetFromJsonAsync<Redirector.Stats.StatsResponse>(path))!.Clicks;
        Assert.Equal(3, await Clicks("/api/links/spring/stats"));
        Assert.Equal(5, await Clicks("/api/links/spring/stats?domain=brand.test"));
        Assert.Equal(7, await Clicks("/api/stats/summary?shortDomain=brand.test"));
        Assert.Equal(3, await Clicks("/api/stats/summary?shortDomain=go.example.com"));
        Assert.Equal(0, await Clicks("/api/stats/summary?shortDomain=empty.test"));
        Assert.Equal(5, await Clicks("/api/stats/summary?link=spring&domain=brand.test"));
        Assert.Equal(5, await Clicks("/api/stats/summary?shortDomain=brand.test&link=spring&domain=brand.test"));
        Assert.Equal(10, await Clicks("/api/stats/summary"));

        // The raw events take the same filters.
        async Task<int> Events(string query) => (await api.GetStringAsync("/api/events?format=ndjson&" + query)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        Assert.Equal(7, await Events("shortDomain=brand.test"));
        Assert.Equal(5, await Events("link=spring&domain=brand.test"));
        Assert.Equal(3, await Events("link=spring"));

        // A domain or slug this service does not know is said so, not read as no clicks.
        foreach (var (path, named) in new[]
        {
            ("/api/stats/summary?shortDomain=nowhere.test", "nowhere.test"),
            ("/api/stats/summary?link=spring&domain=nowhere.test", "nowhere.test"),
            ("/api/stats/summary?link=nope", "'nope'"),
            ("/api/links/spring/stats?link=nope&domain=brand.test", "'nope' on brand.test"),
            ("/api/events?shortDomain=nowhere.test", "nowhere.test"),
            ("/api/events?link=nope", "'nope'"),
        })
        {
            using var refused = await api.GetAsync(path);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(named, await DetailAsync(refused), StringComparison.Ordinal);
        }
        using (var onUnknownDomain = await api.GetAsync("/api/links/spring?domain=nowhere.test"))
        {
            Assert.Equal(HttpStatusCode.NotFound, onUnknownDomain.StatusCode);
            Assert.Contains("'nowhere.test' is not a registered domain", await DetailAsync(onUnknownDomain), StringComparison.Ordinal);
        }
        using (var unknownSlug = await api.GetAsync("/api/links/nope?domain=brand.test"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknownSlug.StatusCode);
            Assert.Contains("No link has this slug.", await unknownSlug.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        static async Task<string> DetailAsync(HttpResponseMessage response) =>
            JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString()!;
    }

    private static async Task EventuallyAsync(HttpClient client, string url, string expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string? last;
        do
        {
            using var response = await VisitAsync(client, url);
            last = response.Headers.Location?.OriginalString;
            if (last == expected)
                return;
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"{url} still answered {last ?? "no redirect"}, not {expected}");
    }

    private static async Task<string> ProblemErrorsAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("errors").GetRawText();
    }
}
