using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Redirector.Clicks;
using Redirector.Links;
using Redirector.Tests.Infrastructure;
using Redirector.UserAgents;

namespace Redirector.Tests.Core;

/// <summary>Targeting rules and A/B variants through real HTTP: who goes where, what is counted, what is refused.</summary>
public sealed class TargetingTests
{
    private const string Web = "https://shop.example.com/app";
    private const string AppStore = "https://apps.apple.com/app/id123";
    private const string Android = "https://play.google.com/store/apps/details?id=com.example";
    private const string AndroidAgent = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
    private const string FirefoxLinux = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

    [Fact]
    public async Task The_first_rule_whose_conditions_all_hold_decides_and_the_link_url_is_the_fallback()
    {
        await using var app = new RedirectorApplication(settings: new Dictionary<string, string?> { ["Analytics:CountryHeader"] = "CF-IPCountry" });
        await app.CreateLinkAsync(new
        {
            url = Web,
            slug = "app",
            utm = new { source = "qr" },
            rules = new object[]
            {
                new { when = new { os = "iOS" }, url = AppStore },
                new { when = new { os = new[] { "android" }, deviceType = "mobile" }, url = Android },
                new { when = new { country = new[] { "de", "AT" }, language = "de" }, url = "https://shop.example.de/app" },
                new { when = new { query = new { src = new[] { "tv", "radio" } } }, url = "https://shop.example.com/broadcast" },
                new { when = new { browser = "Firefox", deviceType = new[] { "desktop", "tablet" } }, url = "https://shop.example.com/firefox" },
                new { when = new { before = "2001-01-01T00:00:00Z" }, url = "https://shop.example.com/never" },
                new { when = new { after = "2001-01-01T00:00:00Z", before = "2999-01-01T00:00:00Z", language = "fr" }, url = "https://shop.example.com/fr" },
            },
        });
        using var visitor = app.CreateVisitorClient();

        async Task<string> Land(string path, string agent, string? country = null, string? language = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.TryAddWithoutValidation("User-Agent", agent);
            if (country is not null)
                request.Headers.TryAddWithoutValidation("CF-IPCountry", country);
            if (language is not null)
                request.Headers.TryAddWithoutValidation("Accept-Language", language);
            using var response = await visitor.SendAsync(request);
            Assert.Equal(HttpStatusCode.Found, response.StatusCode);
            return response.Headers.Location!.ToString();
        }

        Assert.Equal(AppStore + "?utm_source=qr", await Land("/app", Agents.SafariIphone, "DE", "de-DE"));
        Assert.Equal(Android + "&utm_source=qr&x=1", await Land("/app?x=1", AndroidAgent));
        Assert.Equal("https://shop.example.de/app?utm_source=qr", await Land("/app", Agents.ChromeWindows, "AT", "de-AT,de;q=0.9"));
        Assert.Equal(Web + "?utm_source=qr", await Land("/app", Agents.ChromeWindows, "AT", "en-US"));
        Assert.Equal("https://shop.example.com/broadcast?utm_source=radio&src=radio", await Land("/app?utm_source=radio&src=radio", Agents.ChromeWindows));
        Assert.Equal(Web + "?utm_source=qr&src=web", await Land("/app?src=web", Agents.ChromeWindows));
        Assert.Equal("https://shop.example.com/firefox?utm_source=qr", await Land("/app", FirefoxLinux));
        Assert.Equal("https://shop.example.com/fr?utm_source=qr", await Land("/app", Agents.ChromeWindows, null, "fr-CA"));
        Assert.Equal(Web + "?utm_source=qr", await Land("/app", Agents.ChromeWindows));
        await app.FlushClicksAsync();

        var stats = await CountingTests.GetStatsAsync(app, "app");
        Assert.Equal(9, stats.Clicks);
        using var api = app.CreateApiClient();
        var domains = await api.GetFromJsonAsync<List<Redirector.Stats.KeyCount>>("/api/stats/domains");
        Assert.Equal(1, domains!.Single(d => d.Key == "apps.apple.com").Clicks);
        Assert.Equal(1, domains!.Single(d => d.Key == "play.google.com").Clicks);
    }

    [Fact]
    public async Task A_50_50_split_keeps_each_of_1000_visitors_on_one_side_and_counts_each_click_with_its_variant()
    {
        const int visitors = 1000;
        await using var app = new RedirectorApplication();
        app.StartKestrel();
        await app.CreateLinkAsync(new
        {
            url = Web,
            slug = "ab",
            rules = new[] { new { when = new { os = "iOS" }, url = AppStore } },
            variants = new[] { new { url = "https://shop.example.com/a", weight = 50 }, new { url = "https://shop.example.com/b", weight = 50 } },
        });
        using var client = app.CreateVisitorClient();
        // The first click of the day makes the pipeline load the day's visitor salt, which the split hashes with.
        var warm = await Visit(client, "/ab", FirefoxLinux);
        await app.FlushClicksAsync();

        var sides = new string[visitors];
        for (var pass = 0; pass < 2; pass++)
        {
            for (var i = 0; i < visitors; i++)
            {
                var location = await Visit(client, "/ab", AgentOf(i));
                if (pass == 0)
                    sides[i] = location;
                else
                    Assert.Equal(sides[i], location);
            }
        }
        var a = sides.Count(s => s == "https://shop.example.com/a");
        var b = sides.Count(s => s == "https://shop.example.com/b");
        Assert.Equal(visitors, a + b);
        // The day's salt is random, so each run splits anew: 400-600 is 6.3 standard deviations of a fair split of
        // 1,000 (a false failure fewer than once in a billion runs; 450-550, 3.2 deviations, was once in 600).
        Assert.InRange(a, 400, 600);
        Assert.InRange(b, 400, 600);
        // Rules come before variants.
        Assert.Equal(AppStore, await Visit(client, "/ab", Agents.SafariIphone));
        await app.FlushClicksAsync();

        var stats = await CountingTests.GetStatsAsync(app, "ab");
        Assert.Equal(2 * visitors + 2, stats.Clicks);
        var variants = stats[Dimensions.Variant].ToDictionary(k => k.Key, k => k.Clicks);
        Assert.Equal(2, variants.Count);
        Assert.Equal(2L * a + (warm == "https://shop.example.com/a" ? 1 : 0), variants["https://shop.example.com/a"]);
        Assert.Equal(2L * b + (warm == "https://shop.example.com/b" ? 1 : 0), variants["https://shop.example.com/b"]);
    }

    [Fact]
    public async Task Bad_rules_and_variants_are_refused_with_problem_details()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        var bad = new (object Body, string Field)[]
        {
            (new { url = Web, rules = new[] { new { when = new { os = "iOS" }, url = "javascript:alert(1)" } } }, "rules"),
            (new { url = Web, rules = new[] { new { when = new { deviceType = "watch" }, url = AppStore } } }, "rules"),
            (new { url = Web, rules = new[] { new { when = new { country = "Germany" }, url = AppStore } } }, "rules"),
            (new { url = Web, rules = new[] { new { when = new { language = "de-DE" }, url = AppStore } } }, "rules"),
            (new { url = Web, rules = new[] { new { when = new { }, url = AppStore } } }, "rules"),
            (new { url = Web, rules = new[] { new { when = new { after = "2030-01-02T00:00:00Z", before = "2030-01-01T00:00:00Z" }, url = AppStore } } }, "rules"),
            (new { url = Web, variants = new[] { new { url = AppStore, weight = 0 }, new { url = Android, weight = 1 } } }, "variants"),
            (new { url = Web, variants = new[] { new { url = AppStore, weight = -3 }, new { url = Android, weight = 1 } } }, "variants"),
            (new { url = Web, variants = new[] { new { url = AppStore, weight = 1 } } }, "variants"),
            (new { url = Web, variants = new[] { new { url = AppStore, weight = 1 }, new { url = AppStore, weight = 1 } } }, "variants"),
            (new { url = Web, variants = new[] { new { url = "ftp://example.com/", weight = 1 }, new { url = AppStore, weight = 1 } } }, "variants"),
        };
        foreach (var (body, field) in bad)
        {
            using var response = await api.PostAsJsonAsync("/api/links", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }
        foreach (var json in new[]
        {
            """{"url":"https://a.example/","variants":[{"url":"https://b.example/","weight":"half"},{"url":"https://c.example/","weight":1}]}""",
            """{"url":"https://a.example/","variants":[{"url":"https://b.example/","weight":0.5},{"url":"https://c.example/","weight":1}]}""",
            """{"url":"https://a.example/","rules":[{"when":{"os":42},"url":"https://b.example/"}]}""",
            """{"url":"https://a.example/","rules":{"when":{}}}""",
        })
        {
            using var response = await api.PostAsync("/api/links", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(0, (await api.GetFromJsonAsync<JsonElement>("/api/links")).GetProperty("total").GetInt32());

        await app.CreateLinkAsync(new { url = Web, slug = "t" });
        using (var patch = await api.PatchAsJsonAsync("/api/links/t", new
        {
            rules = new[] { new { when = new { os = "ios" }, url = AppStore } },
            variants = new[] { new { url = "https://shop.example.com/a", weight = 1 }, new { url = "https://shop.example.com/b", weight = 3 } },
        }))
        {
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
            var link = await patch.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("iOS", link.GetProperty("rules")[0].GetProperty("when").GetProperty("os")[0].GetString());
            Assert.Equal(3, link.GetProperty("variants")[1].GetProperty("weight").GetInt32());
        }
        using var visitor = app.CreateVisitorClient();
        Assert.Equal(AppStore, await Visit(visitor, "/t", Agents.SafariIphone));
        using (var clear = await api.PatchAsJsonAsync("/api/links/t", new { rules = (object?)null, variants = Array.Empty<object>() }))
        {
            var link = await clear.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(JsonValueKind.Null, link.GetProperty("rules").ValueKind);
            Assert.Equal(JsonValueKind.Null, link.GetProperty("variants").ValueKind);
        }
        Assert.Equal(Web, await Visit(visitor, "/t", Agents.SafariIphone));
    }

    [Fact]
    public async Task Rule_values_the_counts_never_give_are_refused_naming_the_rule_and_field_and_any_case_is_stored_as_the_counts_spell_it()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        var bad = new (object When, string Says)[]
        {
            (new { os = "iOSS" }, "Rule 2: os \"iOSS\" is no operating system the counts name (did you mean 'iOS'?); the operating systems are Android, "),
            (new { os = "" }, "Rule 2: os \"\" is no operating system the counts name; the operating systems are Android, "),
            (new { deviceType = "phonee" }, "Rule 2: deviceType \"phonee\" is not a device type; the device types are desktop, mobile, tablet, bot, other."),
            (new { browser = "Chrom" }, "Rule 2: browser \"Chrom\" is no browser the counts name (did you mean 'Chrome'?); browsers are named as the stats name them, such as Chrome, "),
            (new { country = "DEU" }, "Rule 2: country \"DEU\" is not a country code (did you mean 'DE'?); countries are ISO 3166-1 alpha-2 codes such as DE or US."),
            (new { language = "de-DE" }, "Rule 2: language \"de-DE\" is not a primary language subtag"),
        };
        foreach (var (when, says) in bad)
            Assert.StartsWith(says, Assert.Single(await RuleErrors(api, new { when = new { os = "Android" }, url = Android }, new { when, url = AppStore })));

        await app.CreateLinkAsync(new { url = Web, slug = "t" });
        using (var patch = await api.PatchAsJsonAsync("/api/links/t", new { rules = new[] { new { when = new { os = "iPhone OS" }, url = AppStore } } }))
            Assert.Equal(HttpStatusCode.BadRequest, patch.StatusCode);
        using (var patch = await api.PatchAsJsonAsync("/api/links/t", new
        {
            rules = new object[]
            {
                new { when = new { os = new[] { "ios", "MAC OS X" }, browser = "mobile safari", deviceType = "Mobile" }, url = AppStore },
                new { when = new { country = "de", language = "DE" }, url = Android },
            },
        }))
        {
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
            var rules = (await patch.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rules");
            Assert.Equal(["iOS", "Mac OS X"], rules[0].GetProperty("when").GetProperty("os").EnumerateArray().Select(v => v.GetString()));
            Assert.Equal("Mobile Safari", rules[0].GetProperty("when").GetProperty("browser")[0].GetString());
            Assert.Equal("mobile", rules[0].GetProperty("when").GetProperty("deviceType")[0].GetString());
            Assert.Equal("DE", rules[1].GetProperty("when").GetProperty("country")[0].GetString());
            Assert.Equal("de", rules[1].GetProperty("when").GetProperty("language")[0].GetString());
        }
        using var visitor = app.CreateVisitorClient();
        Assert.Equal(AppStore, await Visit(visitor, "/t", Agents.SafariIphone));
    }

    [Fact]
    public async Task Names_people_type_for_a_system_or_browser_are_refused_with_the_name_the_counts_give()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        var bad = new (object When, string Says)[]
        {
            // One edit from the classic 'Mac OS', which no Mac of this century reports.
            (new { os = "macOS" }, "Rule 1: os \"macOS\" is no operating system the counts name (did you mean 'Mac OS X'?); "),
            (new { os = "OS X" }, "Rule 1: os \"OS X\" is no operating system the counts name (did you mean 'Mac OS X'?); "),
            (new { os = "osx" }, "Rule 1: os \"osx\" is no operating system the counts name (did you mean 'Mac OS X'?); "),
            (new { os = "iPadOS" }, "Rule 1: os \"iPadOS\" is no operating system the counts name (did you mean 'iOS', with deviceType 'tablet' for iPads alone?); "),
            (new { os = "iPhone" }, "Rule 1: os \"iPhone\" is no operating system the counts name (did you mean 'iOS', with deviceType 'mobile' for iPhones alone?); "),
            (new { os = "Android phone" }, "Rule 1: os \"Android phone\" is no operating system the counts name (did you mean 'Android', with deviceType 'mobile' for phones alone?); "),
            (new { os = "Windows 11" }, "Rule 1: os \"Windows 11\" is no operating system the counts name (did you mean 'Windows'?); "),
            (new { browser = "iOS Safari" }, "Rule 1: browser \"iOS Safari\" is no browser the counts name (did you mean 'Mobile Safari'?); "),
            (new { browser = "Internet Explorer" }, "Rule 1: browser \"Internet Explorer\" is no browser the counts name (did you mean 'IE'?); "),
        };
        foreach (var (when, says) in bad)
            Assert.StartsWith(says, Assert.Single(await RuleErrors(api, new { when, url = AppStore })));
        Assert.Equal(0, (await api.GetFromJsonAsync<JsonElement>("/api/links")).GetProperty("total").GetInt32());
    }

    [Fact]
    public void An_unknown_systems_error_lists_every_known_system_or_only_the_common_ones_as_the_caller_asks()
    {
        var os = UserAgentParser.Default.OsFamilies;
        string ErrorListing(KnownNames listed)
        {
            var errors = new Dictionary<string, string[]>();
            LinkRules.NormalizeRules([new LinkRule { When = new RuleConditions { Os = ["iOSS"] }, Url = AppStore }], UserAgentParser.Default, listed, errors);
            return Assert.Single(errors["rules"]);
        }

        const string Refused = "Rule 1: os \"iOSS\" is no operating system the counts name (did you mean 'iOS'?); the operating systems are ";
        // Every system a rule takes: 'Mac OS', which the counts name but a rule refuses, is not offered.
        var offered = os.All.Where(family => family != "Mac OS").ToList();
        Assert.Equal(offered.Count + 1, os.All.Count);
        Assert.Equal(Refused + string.Join(", ", offered) + ".", ErrorListing(KnownNames.All));
        // The form and the import ask the rules for the short list; they no longer cut it out of the full one.
        Assert.Equal(Refused + $"iOS, Android, Windows, Mac OS X, Linux, Chrome OS, Ubuntu, Windows Phone, KaiOS, Tizen, Fedora, Debian and {offered.Count - 12} more.",
            ErrorListing(KnownNames.Common));
    }

    [Fact]
    public async Task A_rule_refuses_the_PowerPC_era_Mac_OS_with_Mac_OS_X_as_the_hint_and_stats_filters_still_take_it()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        const string Says = "Rule 1: os \"Mac OS\" names a system almost no visitor reports now (did you mean 'Mac OS X'?).";
        Assert.Equal([Says], await RuleErrors(api, new { when = new { os = "Mac OS" }, url = AppStore }));
        // Any case, and beside a name that is fine: the error quotes it as the counts spell it.
        Assert.Equal([Says], await RuleErrors(api, new { when = new { os = new[] { "iOS", "mac os" } }, url = AppStore }));
        await app.CreateLinkAsync(new { url = Web, slug = "mac" });
        using (var patch = await api.PatchAsJsonAsync("/api/links/mac", new { rules = new[] { new { when = new { os = "Mac OS" }, url = AppStore } } }))
            Assert.Equal(HttpStatusCode.BadRequest, patch.StatusCode);
        // The only name the counts give that a rule refuses so.
        Assert.Equal(["Mac OS"], UserAgentParser.Default.OsFamilies.All.Where(FamilyAliases.Os.MeansAnother));

        // Clicks counted as 'Mac OS' are still found by a stats filter of that name.
        using var visitor = app.CreateVisitorClient();
        Assert.Equal(Web, await Visit(visitor, "/mac", "Mozilla/4.0 (compatible; MSIE 5.23; Mac_PowerPC)"));
        await app.WaitForEventsAsync();
        using var stats = await api.GetAsync("/api/links/mac/stats?os=mac%20os");
        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
        Assert.Equal(1, (await stats.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("clicks").GetInt64());
    }

    [Fact]
    public async Task Every_bad_value_of_a_condition_is_named_with_its_hint_not_only_the_first()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        var errors = await RuleErrors(api,
            new { when = new { os = new[] { "iOSS", "Android", "Andriod", "iOSS" }, country = new[] { "DEU", "AT", "FRA" } }, url = AppStore },
            new { when = new { browser = new[] { "Chrom", "Firefox", "iOS Safari" }, deviceType = new[] { "phone", "tablet", "" } }, url = Android });
        Assert.Equal(4, errors.Count);
        Assert.StartsWith("Rule 1: os \"iOSS\" (did you mean 'iOS'?) and \"Andriod\" (did you mean 'Android'?) are no operating systems the counts name; the operating systems are Android, ", errors[0]);
        Assert.Equal("Rule 1: country \"DEU\" (did you mean 'DE'?) and \"FRA\" (did you mean 'FR'?) are not country codes; countries are ISO 3166-1 alpha-2 codes such as DE or US.", errors[1]);
        Assert.Equal("Rule 2: deviceType \"phone\" and \"\" are not device types; the device types are desktop, mobile, tablet, bot, other.", errors[2]);
        Assert.StartsWith("Rule 2: browser \"Chrom\" (did you mean 'Chrome'?) and \"iOS Safari\" (did you mean 'Mobile Safari'?) are no browsers the counts name; ", errors[3]);

        // Past ten, the rest are counted rather than quoted back.
        var many = Assert.Single(await RuleErrors(api, new { when = new { country = Enumerable.Range(0, 40).Select(i => $"X{i}").ToArray() }, url = AppStore }));
        Assert.Equal("Rule 1: country \"X0\", \"X1\", \"X2\", \"X3\", \"X4\", \"X5\", \"X6\", \"X7\", \"X8\", \"X9\" and 30 more are not country codes; "
                     + "countries are ISO 3166-1 alpha-2 codes such as DE or US.", many);
    }

    [Fact]
    public async Task Countries_and_languages_the_counts_never_give_are_refused_with_the_code_they_stand_for_and_GB_matches_a_GB_visitor()
    {
        await using var app = new RedirectorApplication(settings: new Dictionary<string, string?> { ["Analytics:CountryHeader"] = "CF-IPCountry" });
        using var api = app.CreateApiClient();
        var errors = await RuleErrors(api,
            new { when = new { country = "UK" }, url = AppStore },
            new { when = new { country = new[] { "XX", "ZZ", "DE", "Germany" } }, url = AppStore },
            new { when = new { language = new[] { "english", "eng", "xx", "de-DE", "en" } }, url = AppStore });
        Assert.Equal(
        [
            "Rule 1: country \"UK\" is not a country code (did you mean 'GB'?); countries are ISO 3166-1 alpha-2 codes such as DE or US.",
            "Rule 2: country \"XX\", \"ZZ\" and \"Germany\" (did you mean 'DE'?) are not country codes; countries are ISO 3166-1 alpha-2 codes such as DE or US.",
            "Rule 3: language \"english\" (did you mean 'en'?), \"eng\" (did you mean 'en'?), \"xx\" and \"de-DE\" (did you mean 'de'?) are not primary language subtags; "
            + "languages are ISO 639 codes, two letters where there is one, such as de or en.",
        ], errors);

        // The codes the hints give are the ones the counts give, so the rules they make match.
        await app.CreateLinkAsync(new
        {
            url = Web,
            slug = "uk",
            rules = new object[]
            {
                new { when = new { country = "gb" }, url = "https://shop.example.com/gb" },
                new { when = new { language = new[] { "EN", "fil" } }, url = "https://shop.example.com/en" },
            },
        });
        using var visitor = app.CreateVisitorClient();
        foreach (var (country, language, lands) in new[] { ("GB", "de", "https://shop.example.com/gb"), ("US", "en-GB,en;q=0.9", "https://shop.example.com/en"), ("US", "fil-PH", "https://shop.example.com/en"), ("US", "de", Web) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/uk");
            request.Headers.TryAddWithoutValidation("CF-IPCountry", country);
            request.Headers.TryAddWithoutValidation("Accept-Language", language);
            using var response = await visitor.SendAsync(request);
            Assert.Equal(lands, response.Headers.Location?.ToString());
        }
    }

    /// <summary>The <c>errors.rules</c> of the 400 problem a create with these rules is answered.</summary>
    private static async Task<List<string>> RuleErrors(HttpClient api, params object[] rules)
    {
        using var response = await api.PostAsJsonAsync("/api/links", new { url = Web, rules });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. problem.GetProperty("errors").GetProperty("rules").EnumerateArray().Select(e => e.GetString()!)];
    }

    private static string AgentOf(int visitor) =>
        $"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.{visitor}.0 Safari/537.36";

    private static async Task<string> Visit(HttpClient client, string path, string agent)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("User-Agent", agent);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        return response.Headers.Location!.ToString();
    }
}
