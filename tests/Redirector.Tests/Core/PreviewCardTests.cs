using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Core;

/// <summary>Preview cards through real HTTP: link-preview agents get Open Graph tags, people the redirect.</summary>
public sealed class PreviewCardTests
{
    private const string Destination = "https://shop.example.com/secret-sale?ref=card";
    private const string Googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    private const string Mastodon = "http.rb/5.1.1 (Mastodon/4.2.10; +https://mastodon.example/)";

    [Fact]
    public async Task Preview_agents_get_the_escaped_card_and_count_as_bots_while_people_are_redirected()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new
        {
            url = Destination,
            slug = "card",
            preview = new { title = "Sale <script>alert(1)</script> \"now\" & 'then'", description = "Up to 50% off\nthis week", image = "https://cdn.example.com/card.png?a=1&b=2" },
        });
        using var visitor = app.CreateVisitorClient();

        var previews = new[] { Agents.Slackbot, Agents.Facebook, "Twitterbot/1.0", "WhatsApp/2.23.20.0", "TelegramBot (like TwitterBot)", Mastodon };
        foreach (var agent in previews)
        {
            using var card = await Send(visitor, HttpMethod.Get, "/card?utm_source=slack", agent);
            Assert.Equal(HttpStatusCode.OK, card.StatusCode);
            Assert.Null(card.Headers.Location);
            Assert.Equal("text/html", card.Content.Headers.ContentType?.MediaType);
            var html = await card.Content.ReadAsStringAsync();
            Assert.Contains("<meta property=\"og:title\" content=\"Sale &lt;script&gt;alert(1)&lt;/script&gt; &quot;now&quot; &amp; &#x27;then&#x27;\">", html, StringComparison.Ordinal);
            Assert.Contains("<meta name=\"twitter:card\" content=\"summary_large_image\">", html, StringComparison.Ordinal);
            Assert.Contains("<meta property=\"og:image\" content=\"https://cdn.example.com/card.png?a=1&amp;b=2\">", html, StringComparison.Ordinal);
            Assert.Contains("<meta property=\"og:description\" content=\"Up to 50% off&#xA;this week\">", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
            Assert.DoesNotContain("secret-sale", html, StringComparison.Ordinal);
        }
        using (var head = await Send(visitor, HttpMethod.Head, "/card", Agents.Slackbot))
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        using (var person = await Send(visitor, HttpMethod.Get, "/card", Agents.ChromeWindows))
        {
            Assert.Equal(HttpStatusCode.Found, person.StatusCode);
            Assert.Equal(Destination, person.Headers.Location!.ToString());
        }
        using (var crawler = await Send(visitor, HttpMethod.Get, "/card", Googlebot))
            Assert.Equal(HttpStatusCode.Found, crawler.StatusCode);
        await app.FlushClicksAsync();

        var stats = await CountingTests.GetStatsAsync(app, "card");
        Assert.Equal(1, stats.Clicks);
        Assert.Equal(previews.Length + 1, stats.Bots);
    }

    [Fact]
    public async Task Bad_cards_are_refused_and_a_password_link_shows_previews_only_its_form()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        foreach (var (preview, field) in new (object Preview, string Field)[]
        {
            (new { title = "t", image = "javascript:alert(1)" }, "preview.image"),
            (new { title = "t", image = "data:image/png;base64,AAAA" }, "preview.image"),
            (new { title = new string('x', 201) }, "preview.title"),
            (new { title = "a\u0000b" }, "preview.title"),
            (new { description = new string('x', 501) }, "preview.description"),
        })
        {
            using var response = await api.PostAsJsonAsync("/api/links", new { url = Destination, preview });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
        }
        await app.CreateLinkAsync(new { url = Destination, slug = "both", password = "pw", preview = new { title = "Members only" } });
        using var visitor = app.CreateVisitorClient();
        using var slack = await Send(visitor, HttpMethod.Get, "/both", Agents.Slackbot);
        var html = await slack.Content.ReadAsStringAsync();
        Assert.Contains("name=\"password\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-sale", html, StringComparison.Ordinal);

        using (var cleared = await api.PatchAsJsonAsync("/api/links/both", new { preview = new { title = "" } }))
            Assert.Equal(JsonValueKind.Null, (await cleared.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("preview").ValueKind);
    }

    private static async Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, string agent)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("User-Agent", agent);
        return await client.SendAsync(request);
    }
}
