using System.Net.Http.Json;
using System.Text.Json;
using Redirector.Clicks;
using Redirector.Tests.Admin;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Core;

/// <summary>The language dimension: the primary subtag of Accept-Language, counted for people.</summary>
public sealed class LanguageTests
{
    [Theory]
    [InlineData("de-DE,de;q=0.9,en;q=0.8", "de")]
    [InlineData("en-US", "en")]
    [InlineData("EN_gb", "en")]
    [InlineData("fr;q=0.5, pt-BR", "pt")]
    [InlineData("zh-Hant-TW;q=0.8,ja;q=0.8", "zh")]
    [InlineData("12-xx;q=abc, fr;q=0.5", "fr")]
    [InlineData("de;q=1.5", AcceptLanguage.None)]
    [InlineData("*", AcceptLanguage.None)]
    [InlineData("*;q=1, es;q=0.1", AcceptLanguage.None)]
    [InlineData("", AcceptLanguage.None)]
    [InlineData(null, AcceptLanguage.None)]
    [InlineData(";;;,,,q=", AcceptLanguage.None)]
    [InlineData("x-klingon-but-much-too-long-primary", AcceptLanguage.None)]
    [InlineData("x-klingon, nl;q=0.5", AcceptLanguage.None)]
    [InlineData("i-klingon", AcceptLanguage.None)]
    [InlineData("abcdefghi-DE", AcceptLanguage.None)]
    public void The_primary_subtag_of_the_preferred_language_is_taken(string? header, string expected) =>
        Assert.Equal(expected, AcceptLanguage.PrimaryOf(header));

    [Fact]
    public void A_long_header_is_read_only_up_to_its_cap()
    {
        Assert.Equal(AcceptLanguage.None, AcceptLanguage.PrimaryOf(new string('a', 100_000)));
        Assert.Equal("nl", AcceptLanguage.PrimaryOf("nl," + new string(';', 100_000)));
        Assert.Equal(AcceptLanguage.None, AcceptLanguage.PrimaryOf(new string(' ', AcceptLanguage.MaxHeaderLength) + "de"));
    }

    [Fact]
    public async Task Every_click_of_a_person_is_counted_by_language_in_every_stats_answer_and_in_the_admin()
    {
        await using var app = AdminHttp.NewApp();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "lang" });
        using var visitor = app.CreateVisitorClient();
        var sent = new (string? Header, string Agent, int Times)[]
        {
            ("de-DE,de;q=0.9,en;q=0.8", Agents.ChromeWindows, 5),
            ("en-US,en;q=0.9", Agents.SafariIphone, 3),
            ("*", Agents.ChromeWindows, 2),
            (null, Agents.ChromeWindows, 1),
            (new string('x', 5000) + ",de", Agents.ChromeWindows, 1),
            ("de-DE", Agents.Slackbot, 4),
        };
        foreach (var (header, agent, times) in sent)
        {
            for (var i = 0; i < times; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/lang");
                request.Headers.TryAddWithoutValidation("User-Agent", agent);
                if (header is not null)
                    request.Headers.TryAddWithoutValidation("Accept-Language", header);
                using var response = await visitor.SendAsync(request);
                Assert.Equal(System.Net.HttpStatusCode.Found, response.StatusCode);
            }
        }
        await app.FlushClicksAsync();

        using var api = app.CreateApiClient();
        (string?, long)[] expected = [("de", 5), ("(none)", 4), ("en", 3)];
        foreach (var path in new[] { "/api/links/lang/stats", "/api/stats/summary" })
        {
            var stats = await api.GetFromJsonAsync<JsonElement>(path);
            Assert.Equal(expected, stats.GetProperty("languages").EnumerateArray().Select(k => (k.GetProperty("key").GetString(), k.GetProperty("clicks").GetInt64())));
            Assert.Equal(4, stats.GetProperty("bots").GetInt64());
        }

        using var admin = AdminHttp.NewClient(app);
        await AdminHttp.SignInAsync(admin);
        var dashboard = await admin.GetStringAsync("/admin");
        Assert.Contains("Languages", dashboard, StringComparison.Ordinal);
        var csv = await admin.GetStringAsync("/admin/export/Language.csv?scope=link&key=lang");
        Assert.Equal("key,clicks\r\nde,5\r\n(none),4\r\nen,3\r\n", csv.TrimStart('\uFEFF'));
    }
}
