using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Redirector.Links;
using Redirector.Qr;
using Redirector.Tests.Admin;
using Redirector.Tests.Core;

namespace Redirector.Tests.Qr;

/// <summary>The QR marker (?qr=1): stripped from the Location, and clicks counted by the dimension via.</summary>
public sealed class QrMarkerTests
{
    private static RedirectTarget Target(string destination) => RedirectTarget.For(new Link { Id = 1, Slug = "s", Destination = destination });

    [Fact]
    public void The_marker_is_never_forwarded_and_a_bare_marker_reuses_the_cached_location()
    {
        var target = Target("https://example.com/p?x=1#top");
        Assert.Same(target.Location, RedirectLocation.Build(target, "?qr=1"));
        Assert.Equal("https://example.com/p?x=1&a=1#top", RedirectLocation.Build(target, "?qr=1&a=1"));
        Assert.Equal("https://example.com/p?x=1&a=1&utm_source=poster#top", RedirectLocation.Build(target, "?a=1&qr=1&utm_source=poster"));
        // Only the exact pair is the marker: another value is the visitor's own parameter and is forwarded.
        Assert.Equal("https://example.com/p?x=1&qr=2#top", RedirectLocation.Build(target, "?qr=2"));
        Assert.Equal("https://example.com/p?x=1&qr#top", RedirectLocation.Build(target, "?qr"));
        // The destination's own qr parameter is the destination's, not a marker.
        Assert.Equal("https://example.com/?qr=1", RedirectLocation.Build(Target("https://example.com/?qr=1"), "?qr=1"));
    }

    [Fact]
    public void Reading_and_stripping_the_marker_allocates_nothing()
    {
        var target = Target("https://example.com/p?x=1");
        RedirectLocation.Build(target, "?qr=1");
        QrMarker.IsIn("?a=b&qr=1");
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            RedirectLocation.Build(target, "?qr=1");
            QrMarker.IsIn("?a=b&qr=1");
            QrMarker.IsIn("?utm_source=mail&gclid=Cj0KCQiA");
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData("?qr=1", true)]
    [InlineData("qr=1", true)]
    [InlineData("?a=b&qr=1", true)]
    [InlineData("?qr=1&a=b", true)]
    [InlineData("?qr=10", false)]
    [InlineData("?xqr=1", false)]
    [InlineData("?a=qr=1", false)]
    [InlineData("?qr=2&b=qr=1", false)]
    [InlineData("", false)]
    public void The_marker_is_the_exact_pair(string query, bool expected) => Assert.Equal(expected, QrMarker.IsIn(query));

    [Fact]
    public async Task Scans_and_plain_clicks_are_counted_exactly_by_via_and_land_without_the_marker()
    {
        await using var app = AdminHttp.NewApp();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/poster?ref=wall", slug = "poster" });
        using var visitor = app.CreateVisitorClient();
        const int scans = 7, plain = 4;
        async Task ClickAsync(string path, string expectedLocation)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.TryAddWithoutValidation("User-Agent", Agents.SafariIphone);
            using var response = await visitor.SendAsync(request);
            Assert.Equal(HttpStatusCode.Found, response.StatusCode);
            Assert.Equal(expectedLocation, response.Headers.Location!.OriginalString);
        }
        for (var i = 0; i < scans - 1; i++)
            await ClickAsync("/poster?qr=1", "https://shop.example.com/poster?ref=wall");
        await ClickAsync("/poster?qr=1&utm_source=flyer", "https://shop.example.com/poster?ref=wall&utm_source=flyer");
        for (var i = 0; i < plain - 1; i++)
            await ClickAsync("/poster", "https://shop.example.com/poster?ref=wall");
        await ClickAsync("/poster?qr=2", "https://shop.example.com/poster?ref=wall&qr=2");
        // A bot's scan is a bot, not a via: counted apart as ever.
        using (var bot = new HttpRequestMessage(HttpMethod.Get, "/poster?qr=1"))
        {
            bot.Headers.TryAddWithoutValidation("User-Agent", Agents.Slackbot);
            (await visitor.SendAsync(bot)).Dispose();
        }
        await app.FlushClicksAsync();

        using var api = app.CreateApiClient();
        (string?, long)[] expected = [("qr", scans), ("link", plain)];
        foreach (var path in new[] { "/api/links/poster/stats", "/api/stats/summary" })
        {
            var stats = await api.GetFromJsonAsync<JsonElement>(path);
            Assert.Equal(expected, stats.GetProperty("via").EnumerateArray().Select(k => (k.GetProperty("key").GetString(), k.GetProperty("clicks").GetInt64())));
            Assert.Equal(scans + plain, stats.GetProperty("clicks").GetInt64());
        }

        using var admin = AdminHttp.NewClient(app);
        await AdminHttp.SignInAsync(admin);
        var page = await admin.GetStringAsync("/admin/links/poster");
        Assert.Contains(">Link or QR code<", page, StringComparison.Ordinal);
        var csv = await admin.GetStringAsync("/admin/export/Via.csv?scope=link&key=poster");
        Assert.Equal($"key,clicks\r\nqr,{scans}\r\nlink,{plain}\r\n", csv.TrimStart('\uFEFF'));
    }
}
