using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Redirector.Tests.Core;
using Redirector.Clicks;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Reliability;

/// <summary>Hostile or broken requests against a real Kestrel socket: answered, capped, never a 5xx.</summary>
public sealed class BadInputTests
{
    [Fact]
    public async Task Oversized_and_malformed_headers_still_get_their_redirect_and_are_stored_capped()
    {
        await using var app = new RedirectorApplication();
        var address = app.StartKestrel();
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "big" });
        using var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };

        var longReferrer = "https://spam.example/" + new string('r', 16 * 1024);
        var longAgent = Agents.ChromeWindows + new string('u', 8 * 1024);
        using (var response = await CountingTests.ClickAsync(visitor, "/big", longAgent, longReferrer))
            Assert.Equal("https://example.com/", response.Headers.Location!.OriginalString);

        var script = Uri.EscapeDataString("<script>alert(1)</script>");
        var thousand = string.Join('&', Enumerable.Range(0, 1000).Select(i => $"utm_x{i}={i}"));
        using (var response = await CountingTests.ClickAsync(visitor, $"/big?utm_source={script}&utm_source=second&{thousand}", Agents.ChromeWindows, null))
        {
            var location = response.Headers.Location!.OriginalString;
            Assert.StartsWith("https://example.com/?utm_source=%3Cscript%3E", location);
            Assert.DoesNotContain("second", location);
            Assert.EndsWith("&" + thousand, location); // forwarded whole: every parameter, none cut
        }
        using (var response = await CountingTests.ClickAsync(visitor, "/big?utm_campaign=%FF%FE%00bad&x=%ZZ", Agents.ChromeWindows, null))
            Assert.DoesNotContain('\n', response.Headers.Location!.OriginalString);

        // A stray non-UTF-8 byte in a header is a client bug, not a reason to lose the visitor.
        var raw = await RawRequestAsync(address, "GET /big HTTP/1.1\r\nHost: x\r\nUser-Agent: Mozilla/5.0 \xff\xfe\r\nReferer: https://bad.example/\xc3\x28\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 302", raw);

        await app.FlushClicksAsync();
        var stats = await CountingTests.GetStatsAsync(app, "big");
        Assert.Equal(4, stats.Clicks);
        Assert.All(stats[Dimensions.Referrer], r => Assert.True(r.Key.Length <= 1024));
        Assert.Contains(stats[Dimensions.UtmSource], s => s.Key == "<script>alert(1)</script>");
        using var api = app.CreateApiClient();
        var json = await api.GetStringAsync("/api/links/big/stats");
        Assert.DoesNotContain("<script>", json); // JSON escapes markup, so a careless consumer cannot inject it
    }

    [Fact]
    public async Task A_nul_byte_in_the_path_is_refused_by_the_server_itself()
    {
        // Kestrel rejects a decoded NUL before any application code runs (400); what matters is no 5xx and no scan.
        await using var app = new RedirectorApplication();
        var address = app.StartKestrel();
        using var visitor = new HttpClient { BaseAddress = address };
        using var response = await visitor.GetAsync("/%00");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await visitor.GetAsync("/healthz")).StatusCode);
    }

    [Theory]
    [InlineData("/a%2Fb")]
    [InlineData("/../../etc/passwd")]
    [InlineData("/%F0%9F%98%80")]
    [InlineData("/'%20OR%201=1--")]
    [InlineData("/x;DROP%20TABLE%20Links")]
    [InlineData("/")]
    [InlineData("/a/b/c")]
    public async Task Hostile_slugs_get_the_uniform_404(string path)
    {
        await using var app = new RedirectorApplication();
        var address = app.StartKestrel();
        using var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
        using var response = await visitor.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("This link does not exist", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await visitor.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task A_ten_kilobyte_slug_gets_the_uniform_404()
    {
        await using var app = new RedirectorApplication();
        var address = app.StartKestrel();
        using var visitor = new HttpClient { BaseAddress = address };
        using var response = await visitor.GetAsync("/" + new string('a', 10 * 1024));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("This link does not exist", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_unicode_destination_is_stored_as_punycode_and_redirects()
    {
        await using var app = new RedirectorApplication();
        var link = await app.CreateLinkAsync(new { url = "https://bücher.example/straße?q=größe", slug = "idn" });
        Assert.Equal("https://xn--bcher-kva.example/stra%C3%9Fe?q=gr%C3%B6%C3%9Fe", link.Url);
        using var visitor = app.CreateVisitorClient();
        using var response = await visitor.GetAsync("/idn");
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal(link.Url, response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Forwarded_for_is_ignored_unless_the_proxy_is_configured()
    {
        Assert.Equal(1, await UniqueVisitorsAsync(trustLoopbackProxy: false));
        Assert.Equal(3, await UniqueVisitorsAsync(trustLoopbackProxy: true));
    }

    [Fact]
    public async Task Api_rate_limits_answer_429_with_a_problem()
    {
        await using var app = new RedirectorApplication(settings: new Dictionary<string, string?> { ["RateLimits:ApiPerMinute"] = "5" });
        using var api = app.CreateApiClient();
        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/links")).StatusCode);
        using var limited = await api.GetAsync("/api/links");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType!.MediaType);
        Assert.True(limited.Headers.RetryAfter is not null);
    }

    [Fact]
    public async Task Link_creation_has_its_own_tighter_limit()
    {
        await using var app = new RedirectorApplication(settings: new Dictionary<string, string?> { ["RateLimits:LinkCreationsPerMinute"] = "3" });
        using var api = app.CreateApiClient();
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync("/api/links", new { url = "https://example.com/" })).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await api.PostAsJsonAsync("/api/links", new { url = "https://example.com/" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/links")).StatusCode);
    }

    private static async Task<long> UniqueVisitorsAsync(bool trustLoopbackProxy)
    {
        var settings = new Dictionary<string, string?>();
        if (trustLoopbackProxy)
            settings["Proxy:KnownProxies:0"] = "127.0.0.1";
        await using var app = new RedirectorApplication(settings: settings);
        var address = app.StartKestrel();
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "xff" });
        using var visitor = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
        foreach (var client in new[] { "203.0.113.1", "203.0.113.2", "203.0.113.3" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/xff");
            request.Headers.TryAddWithoutValidation("User-Agent", Agents.ChromeWindows);
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", client);
            (await visitor.SendAsync(request)).Dispose();
        }
        await app.FlushClicksAsync();
        var stats = await CountingTests.GetStatsAsync(app, "xff");
        Assert.Equal(3, stats.Clicks);
        return stats.UniqueVisitors;
    }

    private static async Task<string> RawRequestAsync(Uri address, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        await using var stream = client.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.Latin1);
        return await reader.ReadToEndAsync();
    }
}
