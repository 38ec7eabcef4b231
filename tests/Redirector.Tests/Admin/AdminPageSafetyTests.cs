using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Redirector.Admin.Components.Shared;
using Redirector.Clicks;
using Redirector.Stats;
using Redirector.Tests.Core;
using Redirector.Tests.Outbound;
using static Redirector.Tests.Admin.AdminHttp;

namespace Redirector.Tests.Admin;

/// <summary>What the service's pages carry whatever the data: only http(s) or local links, and nosniff on every kind of page.</summary>
public sealed partial class AdminPageSafetyTests(SharedAdminApplication shared) : IClassFixture<SharedAdminApplication>
{
    private static readonly string[] Hostile =
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "JAVASCRIPT:alert(document.cookie)",
        " javascript:alert(1)",
        "\tjavascript:alert(1)",
        "\u0001javascript:alert(1)",
        "\u00a0javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "javascript&colon;alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "VbScript:msgbox(1)",
        "file:///etc/passwd",
        "//evil.example/x",
        "/\\evil.example/x",
        "\\\\evil.example\\x",
    ];

    public static TheoryData<string> HostileUrls => new(Hostile);

    [Theory]
    [MemberData(nameof(HostileUrls))]
    public async Task A_source_page_with_a_hostile_url_renders_no_link_to_it(string url)
    {
        using var client = NewClient(shared.App);
        await SignInAsync(client);

        using var response = await client.GetAsync("/admin/pages?url=" + Uri.EscapeDataString(url));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertOnlySafeHrefs(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_source_page_with_an_https_url_still_links_to_it()
    {
        await using var app = NewApp();
        using var client = NewClient(app);
        await SignInAsync(client);

        var html = await client.GetStringAsync("/admin/pages?url=" + Uri.EscapeDataString("https://blog.example.com/post?a=1"));

        Assert.Contains("href=\"https://blog.example.com/post?a=1\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_breakdown_renders_hostile_keys_as_text()
    {
        var keys = Hostile.Append("https://fine.example/").Append("/admin/links/ok").ToList();
        var html = await RenderAsync<Breakdown>(new Dictionary<string, object?>
        {
            [nameof(Breakdown.Title)] = "Referrers",
            [nameof(Breakdown.Items)] = keys.Select(k => new KeyCount(k, 1)).ToList(),
            [nameof(Breakdown.Href)] = (Func<string, string?>)(key => key),
        });

        AssertOnlySafeHrefs(html);
        Assert.Contains("href=\"https://fine.example/\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/admin/links/ok\"", html, StringComparison.Ordinal);
        Assert.Contains("vbscript:msgbox(1)", html, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(HostileUrls))]
    public void The_href_gate_refuses_every_other_scheme_and_host_relative_form(string url) => Assert.Null(SafeHref.Of(url));

    [Theory]
    [InlineData("https://example.com/a?b=c", "https://example.com/a?b=c")]
    [InlineData("HTTP://Example.com", "http://example.com/")]
    [InlineData("/admin/pages?url=x", "/admin/pages?url=x")]
    [InlineData("/", "/")]
    public void The_href_gate_keeps_http_urls_and_local_paths(string url, string expected) => Assert.Equal(expected, SafeHref.Of(url));

    [Fact]
    public async Task Every_kind_of_page_forbids_mime_sniffing()
    {
        await using var app = NewApp();
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "there" });
        var site = await app.CreateSiteAsync("Blog", false, "blog.example.com");
        using var visitor = app.CreateVisitorClient();
        using var admin = NewClient(app);
        await SignInAsync(admin);

        var pages = new (string What, HttpClient Client, HttpMethod Method, string Path, HttpStatusCode Status)[]
        {
            ("404 for an unknown slug", visitor, HttpMethod.Get, "/no-such-link", HttpStatusCode.NotFound),
            ("404 HEAD", visitor, HttpMethod.Head, "/no-such-link", HttpStatusCode.NotFound),
            ("404 for any other path", visitor, HttpMethod.Get, "/a/b/c", HttpStatusCode.NotFound),
            ("redirect", visitor, HttpMethod.Get, "/there", HttpStatusCode.Found),
            ("you are leaving", visitor, HttpMethod.Get, OutboundTestHelpers.OutPath(site.Key, "https://github.com/"), HttpStatusCode.OK),
            ("sign-in form", visitor, HttpMethod.Get, "/admin/login", HttpStatusCode.OK),
            ("admin page", admin, HttpMethod.Get, "/admin/links", HttpStatusCode.OK),
            ("API problem", visitor, HttpMethod.Get, "/api/links", HttpStatusCode.Unauthorized),
            ("tracker script", visitor, HttpMethod.Get, "/t.js", HttpStatusCode.OK),
        };
        foreach (var (what, client, method, path, status) in pages)
        {
            using var request = new HttpRequestMessage(method, path);
            request.Headers.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
            using var response = await client.SendAsync(request);
            Assert.True(status == response.StatusCode, $"{what}: {response.StatusCode}");
            Assert.True(response.Headers.TryGetValues("X-Content-Type-Options", out var values), $"{what} lacks X-Content-Type-Options");
            Assert.Equal(["nosniff"], values);
        }
    }

    private static void AssertOnlySafeHrefs(string html)
    {
        var hrefs = Href().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();
        Assert.NotEmpty(hrefs);
        Assert.All(hrefs, href => Assert.Matches(SafeHrefShape(), href));
    }

    private static async Task<string> RenderAsync<TComponent>(Dictionary<string, object?> parameters) where TComponent : IComponent
    {
        await using var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        await using var renderer = new HtmlRenderer(services, services.GetRequiredService<ILoggerFactory>());
        return await renderer.Dispatcher.InvokeAsync(async () =>
            (await renderer.RenderComponentAsync<TComponent>(ParameterView.FromDictionary(parameters))).ToHtmlString());
    }

    // Links only: the page's own constant <link rel="icon" href="data:,"> is not built from data.
    [GeneratedRegex("<a\\s[^>]*href=\"([^\"]*)\"")]
    private static partial Regex Href();

    // Absolute http(s) with a host, a path on this host or a fragment of this page; no white space or control characters.
    [GeneratedRegex(@"^(https?://[^/\\\s]+(/\S*)?|/(?![/\\])\S*|#\w+)$")]
    private static partial Regex SafeHrefShape();
}
