using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Redirector.Links;
using Redirector.Tests.Infrastructure;
using static Redirector.Tests.Outbound.OutboundTestHelpers;

namespace Redirector.Tests.Outbound;

/// <summary>
/// Open-redirect payload families and seeded random bytes through every door a visitor's URL comes in by: /out,
/// /{slug} (path and query), link creation and the rewriter. Nothing may answer a 5xx, nothing may be stored that a
/// browser cannot follow, and /out never sends a stranger off the site.
/// </summary>
public sealed class UrlPayloadPropertyTests
{
    private const int Seed = 20261129;
    private const int RandomCases = 250;

    // Hundreds of API calls in a few seconds: the rate limits are not what these tests are about.
    private static readonly Dictionary<string, string?> Unlimited = new()
    {
        ["RateLimits:ApiPerMinute"] = "1000000", ["RateLimits:LinkCreationsPerMinute"] = "1000000",
    };

    public static IReadOnlyList<string> Families { get; } =
    [
        // IPv6 literals, IPv4-mapped and embedded IPv4, zone ids
        "http://[::216.58.214.206]", "http://[::1]/", "http://[::1]:8080/", "http://[::ffff:216.58.214.206]/", "http://[::ffff:127.0.0.1]:8080/x",
        "http://[0:0:0:0:0:ffff:d83a:d6ce]/", "http://[64:ff9b::216.58.214.206]/", "http://[2001:db8::1]:65535/p?q=1#f", "http://[::]/",
        "http://[fe80::1%25eth0]/", "http://[fe80::1%eth0]/", "http://[fe80::1%2525eth0]/", "http://[::1%25]/", "https://[::ffff:7f00:1]/",
        // odd and unbalanced brackets
        "http://[::1/", "http://::1]/", "http://[[::1]]/", "http://[]/", "http://[::1]]/", "http://[evil.example]/", "http://[::1]evil.example/",
        "http://evil.example[::1]/", "http://[v1.fe80::a+en1]/", "http://[::1]:/", "http://[::1]:99999/", "http://[::1]:-1/", "http://[:::1]/",
        // IPv4 forms browsers read differently, or not at all
        "http://472.314.470.462", "http://1.2.3.4.5/", "http://0x7f.1/", "http://2130706433/", "http://0177.0.0.1/", "http://127.0.0.1.evil.example/",
        "http://evil.example.127/", "http://256.256.256.256/", "http://0x/", "http://1.2.3.0x/", "http://1.2.3.09/", "http://4294967296/",
        // userinfo
        "http://good@evil.example", "http://blog.example.com@evil.example/", "http://blog.example.com:pass@evil.example", "http://@evil.example",
        "http://:@evil.example", "http://evil.example%40blog.example.com/", "http://a%2540b@evil.example", "http://[::1]@evil.example/",
        "http://evil.example@[::1]/",
        // backslashes
        "http://blog.example.com\\@evil.example", "http:\\\\evil.example", "http://evil.example\\blog.example.com", "/\\evil.example", "\\\\evil.example",
        // percent and double encodings
        "http%3A%2F%2Fevil.example", "http://evil%2Eexample", "http://%65vil.example", "http://evil.example%252F@blog.example.com",
        "http://evil.example/%2e%2e%2f", "http://evil.example%00.blog.example.com", "http://evil.example%E3%80%82blog.example.com",
        "http://%F0%9F%92%A9.example/", "http://xn--/", "http://xn--zz.example/", "http://%/", "http://%zz.example/", "http://ex%41mple.com/",
        "http://evil.example/%C0%AE%C0%AE/", "http://%C0%AE.example/", "http://evil.example/%25%32%65", "//evil.example", "///evil.example",
        // overlong
        "http://" + new string('a', 64) + ".example/", "http://" + string.Join('.', Enumerable.Repeat("a", 200)) + "/",
        "https://example.com/" + new string('x', 5000), "https://example.com/?" + new string('%', 3000), "http://" + new string('1', 300),
        "https://example.com/?" + string.Join('&', Enumerable.Range(0, 2000).Select(i => $"k{i}=v")),
        // control and look-alike characters
        "http://evil.example\r\nX: y", "http://evil.example/\u0000", "http://evil\u200B.example/", "http://evil.example\u3002/", "http://ｅｖｉｌ.example/",
        "\u0000http://evil.example", "http://evil.example\t/", "http://evil.example/\u2028", "http://evil.example/\uD800", "http://\uDC00.example/",
    ];

    /// <summary>Seeded random strings: raw bytes read as Latin-1 and as UTF-8, alone and after "http://".</summary>
    public static IReadOnlyList<string> RandomInputs()
    {
        var random = new Random(Seed);
        var inputs = new List<string>(RandomCases);
        for (var i = 0; i < RandomCases; i++)
        {
            var bytes = new byte[random.Next(0, 120)];
            random.NextBytes(bytes);
            var text = i % 2 == 0 ? Encoding.Latin1.GetString(bytes) : Encoding.UTF8.GetString(bytes);
            inputs.Add(i % 3 == 0 ? text : (i % 3 == 1 ? "http://" : "https://[") + text);
        }
        return inputs;
    }

    private static IEnumerable<string> AllInputs() => Families.Concat(RandomInputs());

    [Fact]
    public void Every_normalised_destination_reads_back_as_itself()
    {
        foreach (var input in AllInputs())
        {
            if (!DestinationUrl.TryNormalize(input, out var normalized, out _))
                continue;
            Assert.True(Uri.TryCreate(normalized, UriKind.Absolute, out var parsed), normalized);
            Assert.True(DestinationUrl.TryNormalize(normalized, out var again, out var error), error);
            Assert.Equal(normalized, again);
            Assert.Equal(parsed.Host, DestinationUrl.HostOf(normalized));
            Assert.DoesNotContain(normalized, c => char.IsControl(c) || c > 127 || c == '\\');
        }
    }

    [Fact]
    public async Task Out_answers_every_input_without_a_5xx_and_sends_no_stranger_off_the_site()
    {
        await using var app = new RedirectorApplication();
        var site = await app.CreateSiteAsync("Blog", false, "blog.example.com");
        using var visitor = app.CreateVisitorClient();
        var failures = new List<string>();
        foreach (var input in AllInputs())
        {
            var escaped = Uri.EscapeDataString(input);
            foreach (var (path, referrer) in new[]
            {
                ("/out?site=" + site.Key + "&url=" + escaped, (string?)null),
                ("/out?site=" + site.Key + "&url=" + escaped, "https://evil.example/"),
                ("/out?site=" + site.Key + "&url=" + escaped + "&confirm=x", null),
                ("/out?site=" + site.Key + "&url=" + escaped + "&sig=x", "https://blog.example.com/"),
                ("/out?site=nosuchsite&url=" + escaped, "https://blog.example.com/"),
            })
            {
                using var response = await GetAsync(visitor, path, referrer);
                if ((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.Found || response.Headers.Location is not null)
                    failures.Add($"{(int)response.StatusCode} for {Show(input)} (Referer {referrer})");
            }

            // Clicked on the site's own page: a redirect, if any, goes to the normalised, re-parsable URL.
            using var own = await GetAsync(visitor, OutPath(site.Key, input), "https://blog.example.com/post");
            if ((int)own.StatusCode >= 500)
                failures.Add($"{(int)own.StatusCode} from the site's page for {Show(input)}");
            else if (own.Headers.Location is { } location && !ReadsBackAsItself(location.OriginalString))
                failures.Add($"unsafe Location {Show(location.OriginalString)} for {Show(input)}");
        }
        Assert.Empty(failures);
    }

    [Fact]
    public async Task Link_creation_and_short_links_answer_every_input_without_a_5xx_and_store_only_followable_urls()
    {
        await using var app = new RedirectorApplication(settings: Unlimited);
        await app.CreateLinkAsync(new { url = "https://example.com/landing", slug = "x" });
        using var api = app.CreateApiClient();
        using var visitor = app.CreateVisitorClient();
        var failures = new List<string>();
        var n = 0;
        foreach (var input in AllInputs())
        {
            var slug = "p" + n++;
            using (var created = await api.PostAsJsonAsync("/api/links", new { url = input, slug }))
            {
                if ((int)created.StatusCode >= 500)
                    failures.Add($"{(int)created.StatusCode} creating {Show(input)}");
                else if (created.StatusCode == HttpStatusCode.Created)
                {
                    var link = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString()!;
                    if (!ReadsBackAsItself(link))
                        failures.Add($"stored {Show(link)} for {Show(input)}");
                    using var followed = await visitor.GetAsync("/" + slug);
                    if (followed.Headers.Location?.OriginalString != link)
                        failures.Add($"/{slug} went to {followed.Headers.Location} instead of {Show(link)}");
                }
                else if (created.StatusCode != HttpStatusCode.BadRequest)
                    failures.Add($"{(int)created.StatusCode} creating {Show(input)}");
            }
            using (var asSlug = await api.PostAsJsonAsync("/api/links", new { url = "https://example.com/", slug = input }))
            {
                if ((int)asSlug.StatusCode >= 500)
                    failures.Add($"{(int)asSlug.StatusCode} creating slug {Show(input)}");
            }

            var escaped = Uri.EscapeDataString(input);
            // A NUL in the path never reaches the application (Kestrel answers 400, see BadInputTests), and the test host refuses to send it.
            foreach (var path in new[] { "/" + Uri.EscapeDataString(input.Replace("\0", "", StringComparison.Ordinal)), "/x?" + escaped, "/x?u=" + escaped, "/x?utm_source=" + escaped + "&" + escaped + "=1" })
            {
                using var response = await GetAsync(visitor, path, input.Length < 200 ? "https://ref.example/?" + escaped : null);
                if ((int)response.StatusCode >= 500)
                    failures.Add($"{(int)response.StatusCode} for {Show(path)}");
                else if (response.Headers.Location is { } location &&
                         !location.OriginalString.StartsWith("https://example.com/landing", StringComparison.Ordinal))
                    failures.Add($"{Show(path)} went to {Show(location.OriginalString)}");
            }
        }
        Assert.Empty(failures);
    }

    [Fact]
    public async Task The_rewriter_answers_every_input_without_a_5xx_and_signs_only_normalised_targets()
    {
        await using var app = new RedirectorApplication(settings: Unlimited);
        var site = await app.CreateSiteAsync("Blog", false, "blog.example.com");
        using var api = app.CreateApiClient();
        var failures = new List<string>();
        foreach (var input in AllInputs())
        {
            var attribute = System.Net.WebUtility.HtmlEncode(input);
            var html = $"<p><a href=\"{attribute}\">one</a> <a href='{attribute}'>two</a> <a href={attribute.Replace(" ", "", StringComparison.Ordinal)}>three</a></p>";
            foreach (var sourcePage in new string?[] { null, "https://blog.example.com/post", input })
            {
                using var response = await api.PostAsJsonAsync("/api/rewrite", new { site = site.Key, sourcePage, html });
                if ((int)response.StatusCode >= 500)
                {
                    failures.Add($"{(int)response.StatusCode} rewriting {Show(input)} on {Show(sourcePage ?? "")}");
                    continue;
                }
                if (response.StatusCode != HttpStatusCode.OK)
                    continue;
                var rewritten = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("html").GetString()!;
                foreach (System.Text.RegularExpressions.Match match in System.Text.RegularExpressions.Regex.Matches(rewritten, "href=\"(http://localhost/out\\?[^\"]+)\""))
                {
                    var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(System.Net.WebUtility.HtmlDecode(match.Groups[1].Value)).Query);
                    if (!ReadsBackAsItself(query["url"].ToString()))
                        failures.Add($"signed {Show(query["url"].ToString())} for {Show(input)}");
                }
            }
        }
        Assert.Empty(failures);
    }

    /// <summary>An http(s) URL that normalises to itself: re-parsable, ASCII, no user info, a host browsers read the same.</summary>
    private static bool ReadsBackAsItself(string url) =>
        DestinationUrl.TryNormalize(url, out var normalized, out _) && normalized == url;

    private static string Show(string value)
    {
        var shown = value.Length > 80 ? value[..80] + "…" : value;
        return JsonSerializer.Serialize(shown);
    }
}
