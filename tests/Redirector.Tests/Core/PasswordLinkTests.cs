using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Redirector.Clicks;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Core;

/// <summary>Password links through real HTTP: the form, right and wrong answers, bots, limits and exact counts.</summary>
public sealed class PasswordLinkTests
{
    private const string Destination = "https://private.example.com/members?x=1";
    private const string Password = "correct horse";

    [Fact]
    public async Task The_password_is_write_only_and_validated()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        using (var created = await api.PostAsJsonAsync("/api/links", new { url = Destination, slug = "vip", password = Password }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var json = await created.Content.ReadAsStringAsync();
            Assert.DoesNotContain(Password, json, StringComparison.Ordinal);
            var link = JsonDocument.Parse(json).RootElement;
            Assert.True(link.GetProperty("hasPassword").GetBoolean());
            Assert.False(link.TryGetProperty("password", out _));
            Assert.False(link.TryGetProperty("passwordHash", out _));
        }
        using (var tooLong = await api.PostAsJsonAsync("/api/links", new { url = Destination, password = new string('x', 201) }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
            Assert.True((await tooLong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("password", out _));
        }
        using (var badHash = await api.PostAsJsonAsync("/api/links", new { url = Destination, passwordHash = "not-a-hash" }))
            Assert.Equal(HttpStatusCode.BadRequest, badHash.StatusCode);
        Assert.True((await api.GetFromJsonAsync<JsonElement>("/api/links/vip")).GetProperty("hasPassword").GetBoolean());
        using (var cleared = await api.PatchAsJsonAsync("/api/links/vip", new { password = (string?)null }))
            Assert.False((await cleared.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hasPassword").GetBoolean());
        using var visitor = app.CreateVisitorClient();
        using var open = await Send(visitor, HttpMethod.Get, "/vip", Agents.ChromeWindows);
        Assert.Equal(Destination, open.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Visitors_get_a_private_form_and_only_the_right_password_redirects_and_counts()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = Destination, slug = "vip", password = Password });
        using var visitor = app.CreateVisitorClient();

        using (var form = await Send(visitor, HttpMethod.Get, "/vip?utm_source=mail", Agents.ChromeWindows, referrer: "https://news.example.org/issue/7"))
        {
            Assert.Equal(HttpStatusCode.OK, form.StatusCode);
            Assert.Null(form.Headers.Location);
            Assert.True(form.Headers.CacheControl is { NoStore: true });
            Assert.Equal("noindex", form.Headers.GetValues("X-Robots-Tag").Single());
            Assert.StartsWith("default-src 'none'", form.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            var html = await form.Content.ReadAsStringAsync();
            Assert.Contains("<form method=\"post\">", html, StringComparison.Ordinal);
            Assert.Contains("name=\"password\"", html, StringComparison.Ordinal);
            Assert.Contains("value=\"https://news.example.org/issue/7\"", html, StringComparison.Ordinal);
            Assert.DoesNotContain("private.example.com", html, StringComparison.Ordinal);
            Assert.DoesNotContain(" src=", html, StringComparison.Ordinal);
            Assert.DoesNotContain(" href=", html, StringComparison.Ordinal);
        }
        using (var head = await Send(visitor, HttpMethod.Head, "/vip", Agents.ChromeWindows))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Null(head.Headers.Location);
        }

        for (var i = 0; i < 3; i++)
        {
            using var wrong = await Post(visitor, "/vip?utm_source=mail", Agents.ChromeWindows, "Correct horse");
            Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
            Assert.Null(wrong.Headers.Location);
            var html = await wrong.Content.ReadAsStringAsync();
            Assert.Contains("That password is not right.", html, StringComparison.Ordinal);
            Assert.DoesNotContain("private.example.com", html, StringComparison.Ordinal);
        }
        const int rightAnswers = 4;
        for (var i = 0; i < rightAnswers; i++)
        {
            using var right = await Post(visitor, "/vip?utm_source=mail", Agents.ChromeWindows, Password, referrer: "https://news.example.org/issue/7");
            Assert.Equal(HttpStatusCode.SeeOther, right.StatusCode);
            Assert.Equal(Destination + "&utm_source=mail", right.Headers.Location!.ToString());
            Assert.True(right.Headers.CacheControl is { NoStore: true });
        }
        await app.FlushClicksAsync();

        var stats = await CountingTests.GetStatsAsync(app, "vip");
        Assert.Equal(rightAnswers, stats.Clicks);
        Assert.Equal(0, stats.Bots);
        Assert.Equal([("mail", (long)rightAnswers)], stats[Dimensions.UtmSource].Select(k => (k.Key, k.Clicks)));
        Assert.Equal([("https://news.example.org/issue/7", (long)rightAnswers)], stats[Dimensions.Referrer].Select(k => (k.Key, k.Clicks)));
    }

    [Fact]
    public async Task Bots_and_link_previews_get_the_form_never_the_destination()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = Destination, slug = "vip", password = Password });
        using var visitor = app.CreateVisitorClient();
        foreach (var agent in new[] { Agents.Slackbot, "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "curl/8.5.0" })
        {
            using var get = await Send(visitor, HttpMethod.Get, "/vip", agent);
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Null(get.Headers.Location);
            Assert.DoesNotContain("private.example.com", await get.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            using var post = await Post(visitor, "/vip", agent, Password);
            Assert.Equal(HttpStatusCode.OK, post.StatusCode);
            Assert.Null(post.Headers.Location);
            Assert.DoesNotContain("private.example.com", await post.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        await app.FlushClicksAsync();
        var stats = await CountingTests.GetStatsAsync(app, "vip");
        Assert.Equal(0, stats.Clicks);
    }

    [Fact]
    public async Task Wrong_passwords_are_limited_per_client_and_bad_bodies_are_a_4xx()
    {
        await using var app = new RedirectorApplication(settings: new Dictionary<string, string?> { ["Links:Passwords:WrongAttemptsPerMinute"] = "3" });
        await app.CreateLinkAsync(new { url = Destination, slug = "vip", password = Password });
        using var visitor = app.CreateVisitorClient();
        for (var i = 0; i < 3; i++)
        {
            using var wrong = await Post(visitor, "/vip", Agents.ChromeWindows, "guess-" + i);
            Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        }
        using (var limited = await Post(visitor, "/vip", Agents.ChromeWindows, Password))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.Null(limited.Headers.Location);
            Assert.Equal("60", limited.Headers.GetValues("Retry-After").Single());
        }

        await using var fresh = new RedirectorApplication();
        await fresh.CreateLinkAsync(new { url = Destination, slug = "vip", password = Password });
        await fresh.CreateLinkAsync(new { url = Destination, slug = "plain" });
        using var client = fresh.CreateVisitorClient();
        using (var json = await client.PostAsJsonAsync("/vip", new { password = Password }))
            Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
        using (var broken = await client.PostAsync("/vip", new StringContent("password=%ZZ%&&&=", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded")))
            Assert.True((int)broken.StatusCode is >= 400 and < 500, $"{(int)broken.StatusCode}");
        using (var huge = await client.PostAsync("/vip", new FormUrlEncodedContent([new("password", new string('a', 100_000))])))
            Assert.True((int)huge.StatusCode is >= 400 and < 500, $"{(int)huge.StatusCode}");
        using (var noPassword = await Post(client, "/plain", Agents.ChromeWindows, Password))
            Assert.Equal(HttpStatusCode.NotFound, noPassword.StatusCode);
    }

    private static async Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, string agent, string? referrer = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("User-Agent", agent);
        if (referrer is not null)
            request.Headers.TryAddWithoutValidation("Referer", referrer);
        return await client.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> Post(HttpClient client, string path, string agent, string password, string? referrer = null)
    {
        var fields = new List<KeyValuePair<string, string>> { new("password", password) };
        if (referrer is not null)
            fields.Add(new("referrer", referrer));
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.TryAddWithoutValidation("User-Agent", agent);
        // The form's own URL, as a browser sends it: it must not become the click's referrer.
        request.Headers.TryAddWithoutValidation("Referer", "http://localhost" + path);
        return await client.SendAsync(request);
    }
}
