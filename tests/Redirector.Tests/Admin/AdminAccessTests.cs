using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Redirector.Admin.Import;
using Redirector.Links;
using Redirector.Tests.Core;
using static Redirector.Tests.Admin.AdminHttp;

namespace Redirector.Tests.Admin;

/// <summary>The admin area over plain HTTP: who gets in, how sign-in is protected, exports and the all-or-nothing import.</summary>
public sealed class AdminAccessTests(SharedAdminApplication shared) : IClassFixture<SharedAdminApplication>
{
    [Theory]
    [InlineData("/admin")]
    [InlineData("/admin/links")]
    [InlineData("/admin/links/new")]
    [InlineData("/admin/links/any/edit")]
    [InlineData("/admin/domains/example.com")]
    [InlineData("/admin/pages?url=https%3A%2F%2Fexample.com%2F")]
    [InlineData("/admin/import")]
    [InlineData("/admin/sites")]
    [InlineData("/admin/sites/any")]
    [InlineData("/admin/outbound")]
    [InlineData("/admin/pages")]
    [InlineData("/admin/export/targets.csv")]
    [InlineData("/admin/export/pages.csv")]
    [InlineData("/admin/keys")]
    [InlineData("/admin/users")]
    [InlineData("/admin/export/links.csv")]
    [InlineData("/admin/export/clicks.csv?scope=global")]
    [InlineData("/admin/qr/any")]
    [InlineData("/admin/utm-preview?url=https%3A%2F%2Fexample.com")]
    public async Task Anonymous_requests_are_sent_to_sign_in(string path)
    {
        using var client = NewClient(shared.App);

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/admin/login?ReturnUrl={Uri.EscapeDataString(path)}", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Anonymous_posts_get_401_and_the_sign_in_page_carries_security_headers()
    {
        await using var app = NewApp();
        using var client = NewClient(app);

        using var logout = await client.PostAsync("/admin/account/logout", null);
        Assert.Equal(HttpStatusCode.Unauthorized, logout.StatusCode);

        using var login = await client.GetAsync("/admin/login");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var csp = login.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", login.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("same-origin", login.Headers.GetValues("Referrer-Policy").Single());
    }

    [Theory]
    [InlineData("/admin/links/no-such-link", "No link has this slug")]
    [InlineData("/admin/links/no-such-link/edit", "No link has this slug")]
    [InlineData("/admin/links/no-such-link?domain=brand.test", "No link has this slug")]
    [InlineData("/admin/sites/no-such-site", "No site has this key")]
    public async Task A_page_of_an_item_that_does_not_exist_answers_404_with_a_way_back(string path, string heading)
    {
        using var client = NewClient(shared.App);
        await SignInAsync(client);

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains($"<h2>{heading}</h2>", page, StringComparison.Ordinal);
        Assert.Contains("Back to the", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_copy_of_a_link_that_does_not_exist_says_so_over_an_empty_form()
    {
        using var client = NewClient(shared.App);
        await SignInAsync(client);

        var page = await client.GetStringAsync("/admin/links/new?duplicate=no-such-link");
        Assert.Contains("There is no link /no-such-link to copy: the form is empty.", page, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"duplicate-of\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Edge_nodes_run_without_the_admin_area()
    {
        await using var app = NewApp(new() { ["Admin:Enabled"] = "false" });
        await app.CreateLinkAsync(new { url = "https://example.com/edge", slug = "edge" });
        using var client = NewClient(app);

        using var admin = await client.GetAsync("/admin");
        using var login = await client.GetAsync("/admin/login");
        using var redirect = await client.GetAsync("/edge");

        Assert.Equal(HttpStatusCode.NotFound, admin.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, login.StatusCode);
        Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
    }

    [Fact]
    public async Task Sign_in_follows_only_local_admin_return_urls()
    {
        await using var app = NewApp();
        using var client = NewClient(app);

        Assert.Equal("/admin/keys", await SignInAsync(client, Password, "/admin/keys"));
        using var other = NewClient(app);
        Assert.Equal("/admin", await SignInAsync(other, Password, "https://evil.example/admin"));
        using var third = NewClient(app);
        Assert.Equal("/admin", await SignInAsync(third, Password, "//evil.example/admin"));
    }

    [Fact]
    public async Task Sign_in_attempts_beyond_the_limit_get_429()
    {
        await using var app = NewApp(new() { ["Admin:LoginAttemptsPerMinute"] = "3" });
        using var client = NewClient(app);

        for (var i = 0; i < 3; i++)
        {
            using var allowed = await client.PostAsync("/admin/account/login", new FormUrlEncodedContent([]));
            Assert.NotEqual(HttpStatusCode.TooManyRequests, allowed.StatusCode);
        }
        using var limited = await client.PostAsync("/admin/account/login", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
    }

    [Fact]
    public async Task Exports_hold_the_links_and_the_raw_clicks()
    {
        await using var app = NewApp();
        await app.CreateLinkAsync(new { url = "https://example.com/export", slug = "export", title = "=HYPERLINK(\"x\")" });
        using (var visitor = app.CreateVisitorClient())
        {
            visitor.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
            for (var i = 0; i < 2; i++)
                (await visitor.GetAsync("/export?utm_source=ads")).Dispose();
        }
        await app.FlushClicksAsync();
        using var client = NewClient(app);
        await SignInAsync(client, Password);

        var links = (await client.GetStringAsync("/admin/export/links.csv")).TrimStart('\uFEFF').Split("\r\n");
        Assert.Equal(string.Join(',', LinkCsv.Names), links[0]);
        Assert.StartsWith("export,https://example.com/export,\"'=HYPERLINK(\"\"x\"\")\",,,,,,,302,true,,,,,,,,,,,,http://localhost/export,2,2,", links[1], StringComparison.Ordinal);

        // The raw clicks come from the event store, in GET /api/events' rows (the link column holds the link's id).
        await app.WaitForEventsAsync();
        var clicks = (await client.GetStringAsync("/admin/export/clicks.csv?scope=link&key=export")).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, clicks.Length);
        Assert.Equal(string.Join(',', Redirector.Admin.Exports.EventCsv.Header), clicks[0]);
        Assert.All(clicks[1..], line => Assert.Contains(",click,false,", line, StringComparison.Ordinal));
        Assert.All(clicks[1..], line => Assert.Contains(",example.com,", line, StringComparison.Ordinal));
        Assert.All(clicks[1..], line => Assert.Contains(",ads,", line, StringComparison.Ordinal));

        var sources = await client.GetStringAsync("/admin/export/UtmSource.csv?scope=link&key=export");
        Assert.Equal("key,clicks\r\nads,2\r\n", sources.TrimStart('\uFEFF'));
    }

    [Fact]
    public async Task Csv_import_saves_every_row_or_none_and_names_each_failing_row()
    {
        await using var app = NewApp();
        var import = app.Services.GetRequiredService<CsvLinkImport>();
        var catalog = app.Services.GetRequiredService<LinkCatalog>();
        await app.CreateLinkAsync(new { url = "https://example.com/taken", slug = "taken" });

        var failed = await import.ImportAsync(
            "url,slug,title,tags,utm_source\n" +
            "https://example.com/one,one,First,\"a, b\",news\n" +
            "ftp://example.com/two,two,,,\n" +
            "https://example.com/three,taken,,,\n" +
            "\"https://example.com/four?a=1,2\",one,\"Quoted, with comma\",,\n",
            seenHost: null, CancellationToken.None);

        Assert.False(failed.Succeeded);
        Assert.Equal(0, failed.Imported);
        Assert.Equal(
            [(3, "url"), (4, "slug"), (5, "slug")],
            failed.Problems.Select(p => (p.Line, p.Field)));
        Assert.Equal(1, (await catalog.ListAsync(new LinkQuery(), CancellationToken.None)).Total);

        var succeeded = await import.ImportAsync(
            "url,slug,title,tags,utm_source,utm_medium\n" +
            "https://example.com/one,one,First,\"a, b\",news,email\n" +
            "\"https://example.com/four?a=1,2\",,\"Quoted, with comma\",,,\n",
            seenHost: null, CancellationToken.None);

        Assert.True(succeeded.Succeeded);
        Assert.Equal(2, succeeded.Imported);
        var one = await catalog.FindAsync("", "one", CancellationToken.None);
        Assert.Equal(["a", "b"], one!.Tags);
        Assert.Equal("news", one.Utm.Source);
        var all = await catalog.ListAsync(new LinkQuery(), CancellationToken.None);
        Assert.Equal(3, all.Total);
        Assert.Contains(all.Items, l => l.Title == "Quoted, with comma" && l.Slug.Length == Slugs.GeneratedLength);

        using var visitor = app.CreateVisitorClient();
        using var redirect = await visitor.GetAsync("/one");
        Assert.Equal("https://example.com/one?utm_source=news&utm_medium=email", redirect.Headers.Location!.ToString());
    }
}
