using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using static Redirector.Tests.Admin.AdminHttp;

namespace Redirector.Tests.Admin;

/// <summary>Sessions and sign-in against an attacker: ended sessions, hostile return URLs, forged hosts, throttling.</summary>
public sealed class AdminSignInTests(SharedAdminApplication shared) : IClassFixture<SharedAdminApplication>
{
    private const string CookieName = ".Redirector.Admin";

    [Fact]
    public async Task Signing_out_ends_the_session_on_every_node_even_for_a_saved_cookie()
    {
        var settings = new Dictionary<string, string?> { ["Admin:SessionCheckInterval"] = "00:00:00" };
        await using var first = NewApp(settings);
        _ = first.Services;
        // The second node shares the catalogue (which holds the key ring) and Redis, and has a data folder of its own.
        await using var second = NewApp(new(settings)
        {
            ["ConnectionStrings:Catalog"] = $"Data Source={Path.Combine(first.DataDirectory, "catalog.db")}",
        }, first.Redis);
        _ = second.Services;

        using var browser = NewClient(first);
        using var signIn = await PostSignInAsync(browser);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var saved = SessionCookieOf(signIn);
        Assert.Equal(HttpStatusCode.OK, await KeysPageWithAsync(first, saved));
        Assert.Equal(HttpStatusCode.OK, await KeysPageWithAsync(second, saved));

        var page = await browser.GetStringAsync("/admin/keys");
        using var signOut = await browser.PostAsync("/admin/account/logout",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = TokenOf(page) }));
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, await KeysPageWithAsync(first, saved));
        Assert.Equal(HttpStatusCode.Redirect, await KeysPageWithAsync(second, saved));
        // Signing in again starts a new session that works on both nodes.
        using var again = await PostSignInAsync(NewClient(second));
        var fresh = SessionCookieOf(again);
        Assert.Equal(HttpStatusCode.OK, await KeysPageWithAsync(first, fresh));
    }

    [Theory]
    [InlineData("/admin/\t/evil.example")]
    [InlineData("/admin/%09/evil.example")]
    [InlineData("/admin/%2509/evil.example")]
    [InlineData("/admin\t")]
    [InlineData("/admin/\n/evil.example")]
    [InlineData("/admin/\r\nLocation: https://evil.example")]
    [InlineData("/admin/%0d%0aSet-Cookie:%20x=1")]
    [InlineData("/admin/\0")]
    [InlineData("/admin/\u007f")]
    [InlineData("/admin/\u00a0/evil.example")]
    [InlineData("/admin//evil.example")]
    [InlineData("/admin/%2F/evil.example")]
    [InlineData("/admin/%2f%2fevil.example")]
    [InlineData("/admin/%252F%252Fevil.example")]
    [InlineData("/admin/\\evil.example")]
    [InlineData("/admin/%5Cevil.example")]
    [InlineData("/admin/%5c%5cevil.example")]
    [InlineData("/admin/../evil")]
    [InlineData("/admin/%2e%2e/%2e%2e/evil")]
    [InlineData("/admin/%")]
    [InlineData("/admin/%zz")]
    [InlineData("/admin/%E0%A4%A")]
    [InlineData("/administrators")]
    [InlineData("//evil.example/admin")]
    [InlineData("/\\evil.example/admin")]
    [InlineData("\\\\evil.example\\admin")]
    [InlineData("https://evil.example/admin")]
    [InlineData("http:/evil.example/admin")]
    [InlineData("javascript:alert(1)//admin")]
    [InlineData(" /admin")]
    [InlineData("\t/admin")]
    [InlineData("%2Fadmin")]
    [InlineData("/Admin/../../evil")]
    [InlineData("/admin?\u2028")]
    public async Task Hostile_return_urls_sign_in_to_the_dashboard_without_5xx(string returnUrl)
    {
        using var client = NewClient(shared.App);

        using var response = await PostSignInAsync(client, returnUrl: returnUrl);

        // A NUL in a form field is refused by form reading itself (400); everything else signs in.
        if (returnUrl.Contains('\0', StringComparison.Ordinal))
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        else
        {
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/admin", response.Headers.Location!.OriginalString);
        }
    }

    [Theory]
    [InlineData("/admin")]
    [InlineData("/admin/keys")]
    [InlineData("/admin/links?search=a%20b&page=2")]
    [InlineData("/admin/pages?url=https%3A%2F%2Fexample.com%2Fa")]
    [InlineData("/admin/pages?url=https://example.com/a#top")]
    public async Task Return_urls_of_the_admin_area_are_followed(string returnUrl)
    {
        await using var app = NewApp();
        using var client = NewClient(app);

        Assert.Equal(returnUrl, await SignInAsync(client, returnUrl: returnUrl));
    }

    [Theory]
    [InlineData("/admin/keys")]
    [InlineData("/admin/links?search=x")]
    public async Task The_sign_in_redirect_ignores_a_forged_host(string path)
    {
        await using var app = NewApp();
        using var client = NewClient(app);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = "evil.example";

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.False(location.IsAbsoluteUri, $"Location {location} is absolute");
        Assert.Equal($"/admin/login?ReturnUrl={Uri.EscapeDataString(path)}", location.OriginalString);
    }

    [Fact]
    public async Task A_failed_sign_in_keeps_the_email_in_the_form_but_out_of_the_address()
    {
        await using var app = NewApp();
        using var client = NewClient(app);

        var location = await SignInAsync(client, "wrong-password");
        Assert.Equal("/admin/login?error=invalid&returnUrl=%2Fadmin", location);
        Assert.Contains($"value=\"{Email}\"", await client.GetStringAsync(location), StringComparison.Ordinal);

        Assert.Equal("/admin", await SignInAsync(client, Password));
        Assert.DoesNotContain(Email, await client.GetStringAsync("/admin/login?error=invalid"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failures_from_one_client_hold_back_that_client_but_not_the_owner_elsewhere()
    {
        await using var app = NewApp(new()
        {
            ["Admin:LoginAttemptsPerMinute"] = "1000",
            ["Proxy:KnownProxies:0"] = "127.0.0.1",
        });
        using var attacker = ClientAt(app, "203.0.113.7");
        using var owner = ClientAt(app, "198.51.100.20");

        var answers = new List<string>();
        for (var i = 0; i < 10; i++)
            answers.Add(await SignInAsync(attacker, "wrong-password"));
        Assert.All(answers.Take(4), answer => Assert.Contains("error=invalid", answer, StringComparison.Ordinal));
        Assert.All(answers.Skip(4), answer => Assert.Contains("error=throttled", answer, StringComparison.Ordinal));

        Assert.Contains("error=throttled", await SignInAsync(attacker, Password), StringComparison.Ordinal);
        Assert.Equal("/admin", await SignInAsync(owner, Password));
        using var dashboard = await owner.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains("error=throttled", await SignInAsync(attacker, Password), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_account_gets_the_same_answers_as_a_known_one()
    {
        await using var app = NewApp(new()
        {
            ["Admin:LoginAttemptsPerMinute"] = "1000",
            ["Proxy:KnownProxies:0"] = "127.0.0.1",
        });
        const string Unknown = "nobody@example.com";
        using var known = ClientAt(app, "203.0.113.8");
        using var unknown = ClientAt(app, "203.0.113.9");
        _ = await SignInAsync(known, "warm-up-the-hasher", email: "warm@example.com");

        for (var i = 0; i < 7; i++)
        {
            var knownAnswer = await AnswerAsync(known, Email);
            var unknownAnswer = await AnswerAsync(unknown, Unknown);
            Assert.Equal(knownAnswer.Replace(Uri.EscapeDataString(Email), "EMAIL", StringComparison.Ordinal),
                unknownAnswer.Replace(Uri.EscapeDataString(Unknown), "EMAIL", StringComparison.Ordinal));
        }

        // Timing: both pay one password hash, so the medians stay close (a lookup alone is many times faster).
        var knownTimes = new List<double>();
        var unknownTimes = new List<double>();
        for (var i = 0; i < 9; i++)
        {
            using var first = ClientAt(app, $"203.0.113.{20 + i}");
            using var second = ClientAt(app, $"203.0.113.{40 + i}");
            knownTimes.Add(await TimeAsync(() => PostSignInAsync(first, "wrong-password")));
            unknownTimes.Add(await TimeAsync(() => PostSignInAsync(second, "wrong-password", email: $"nobody{i}@example.com")));
        }
        var ratio = Median(unknownTimes) / Median(knownTimes);
        Assert.InRange(ratio, 0.4, 2.5);

        static async Task<string> AnswerAsync(HttpClient client, string email)
        {
            using var response = await PostSignInAsync(client, "wrong-password", email: email);
            return $"{(int)response.StatusCode} {response.Headers.Location?.OriginalString} {await response.Content.ReadAsStringAsync()}";
        }
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static async Task<double> TimeAsync(Func<Task<HttpResponseMessage>> request)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        (await request()).Dispose();
        return System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private static HttpClient ClientAt(Infrastructure.RedirectorApplication app, string address)
    {
        var client = NewClient(app);
        client.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return client;
    }

    private static string SessionCookieOf(HttpResponseMessage response) =>
        response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith(CookieName + "=", StringComparison.Ordinal));

    private static async Task<HttpStatusCode> KeysPageWithAsync(Infrastructure.RedirectorApplication app, string cookie)
    {
        using var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/keys");
        request.Headers.Add("Cookie", cookie);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
