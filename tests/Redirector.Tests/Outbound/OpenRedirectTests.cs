using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Redirector.Tests.Infrastructure;
using Redirector.Tracking;
using static Redirector.Tests.Outbound.OutboundTestHelpers;

namespace Redirector.Tests.Outbound;

/// <summary>
/// The payload families of the OWASP unvalidated-redirects guidance, through /out and through short links: none
/// may redirect to a host the rules do not allow, and none may fail with a 5xx. The cases share one node (its own
/// Redis, catalogue and site): each payload creates its own link, so no case sees another's.
/// </summary>
public sealed class OpenRedirectTests(OpenRedirectTests.Node node) : IClassFixture<OpenRedirectTests.Node>
{
    private const string Evil = "evil.example";

    public static readonly TheoryData<string> Payloads =
    [
        "//evil.example", "//evil.example/", "///evil.example", "////evil.example/%2e%2e", "/\\evil.example", "\\\\evil.example",
        "/%5Cevil.example", "/%2F%2Fevil.example", "%2F%2Fevil.example", "https:evil.example", "https:/evil.example",
        "http:\\\\evil.example", "https:/\\evil.example", "https://blog.example.com@evil.example/", "https://blog.example.com:443@evil.example",
        "https://user:pass@evil.example/", "https://evil.example\\@blog.example.com/", "https://blog.example.com%40evil.example/",
        "https://evil.example%2F@blog.example.com/", "https://evil%2eexample/", "https://evil.example%00.blog.example.com/",
        "https://evil.example%E3%80%82blog.example.com", "https://evil。example/", "https://ｅｖｉｌ.example/", "https://еvil.example/",
        "https://blog.example.com.evil.example/", "https://evilblog.example.com/", "https://blog.example.com%0d%0aLocation:%20https://evil.example",
        "https://blog.example.com/\r\nLocation: https://evil.example", "javascript:alert(1)", "JaVaScRiPt:alert(1)//https://evil.example",
        "java%0ascript:alert(1)", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "vbscript:msgbox(1)",
        "file:///etc/passwd", " https://evil.example", "\thttps://evil.example", "https://%65vil.example", "https://0x7f.0.0.1/",
        "http://[::1]@evil.example/", "https://evil.example#@blog.example.com", "https://evil.example?@blog.example.com",
        "", " ", "%", "%%", "https://", "https://:80", new string('a', 10_000),
    ];

    [Theory]
    [MemberData(nameof(Payloads))]
    public async Task Out_never_redirects_a_stranger_to_a_disallowed_host(string payload)
    {
        var app = node.App;
        var site = await node.SiteAsync();
        using var visitor = app.CreateVisitorClient();

        // As a link on a foreign page, as one without a Referer, and as a crafted confirm link.
        foreach (var (path, referrer) in new[]
        {
            ("/out?site=" + site.Key + "&url=" + Uri.EscapeDataString(payload), "https://" + Evil + "/"),
            ("/out?site=" + site.Key + "&url=" + Uri.EscapeDataString(payload) + "&confirm=1", null),
            ("/out?site=" + site.Key + "&url=" + payload, null),
        })
        {
            using var response = await GetAsync(visitor, path, referrer);
            Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode} for {path}");
            Assert.Null(response.Headers.Location);
        }

        // Clicked on the site's own page: a redirect is allowed, but only to a valid, re-serialised http(s) URL.
        using var own = await GetAsync(app.CreateVisitorClient(), OutPath(site.Key, payload), "https://blog.example.com/post");
        Assert.True((int)own.StatusCode < 500);
        if (own.Headers.Location is { } location)
            AssertSafeLocation(location);
    }

    [Theory]
    [MemberData(nameof(Payloads))]
    public async Task Short_links_refuse_the_payload_or_redirect_only_to_what_was_validated(string payload)
    {
        var app = node.App;
        using var api = app.CreateApiClient();
        var slug = "p" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(payload)))[..12];
        using var created = await api.PostAsJsonAsync("/api/links", new { url = payload, slug });
        Assert.True((int)created.StatusCode < 500);
        using var visitor = app.CreateVisitorClient();
        foreach (var path in new[] { "/" + slug, $"/{slug}?" + payload, $"/{slug}?u=" + Uri.EscapeDataString(payload), "/" + Uri.EscapeDataString(payload) })
        {
            using var response = await GetAsync(visitor, path, null);
            Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode} for {path}");
            if (created.StatusCode != HttpStatusCode.Created)
                Assert.Null(response.Headers.Location);
            else if (response.Headers.Location is { } location)
                AssertSafeLocation(location);
        }
    }

    /// <summary>An absolute http(s) URL whose host is what a browser will connect to, with no header injection.</summary>
    private static void AssertSafeLocation(Uri location)
    {
        Assert.True(location.IsAbsoluteUri, $"relative Location {location}");
        Assert.True(location.Scheme is "http" or "https", location.Scheme);
        Assert.Empty(location.UserInfo);
        Assert.DoesNotContain('\\', location.OriginalString);
        Assert.DoesNotContain(location.OriginalString, c => char.IsControl(c) || c > 127);
        Assert.Equal(location.IdnHost, location.Host);
    }

    /// <summary>The node the cases share, with the site whose pages may send visitors out.</summary>
    public sealed class Node : SharedApplication
    {
        private Task<SiteResponse>? _site;

        /// <summary>The site "Blog" on blog.example.com, created by the first case that needs it.</summary>
        public Task<SiteResponse> SiteAsync() => _site ??= App.CreateSiteAsync("Blog", false, "blog.example.com");
    }
}
