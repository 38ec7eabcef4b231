using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Redirector.Clicks;
using Redirector.Geo;
using Redirector.Tests.Core;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Geo;

/// <summary>
/// Countries from the client address, through real HTTP on a real port (so the connection address is loopback),
/// the trusted-proxy rules, the pipeline and Redis, read back from the stats API.
/// </summary>
public sealed class GeoCountingTests
{
    private static RedirectorApplication BehindLoopbackProxy(Dictionary<string, string?>? settings = null)
    {
        settings ??= [];
        settings["Proxy:KnownProxies:0"] = "127.0.0.1";
        return new RedirectorApplication(settings: settings);
    }

    [Fact]
    public async Task Forwarded_public_addresses_are_counted_under_their_countries_and_loopback_as_unknown()
    {
        await using var app = BehindLoopbackProxy();
        app.StartKestrel();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "geo" });
        using var visitor = app.CreateVisitorClient();

        const int us = 13, gb = 7, mappedUs = 3, ipv6Us = 4, direct = 5, privateForwarded = 2;
        for (var i = 0; i < us; i++)
            await ClickFromAsync(visitor, "8.8.8.8");
        for (var i = 0; i < gb; i++)
            await ClickFromAsync(visitor, "81.2.69.142");
        for (var i = 0; i < mappedUs; i++)
            await ClickFromAsync(visitor, "::ffff:8.8.8.8");
        for (var i = 0; i < ipv6Us; i++)
            await ClickFromAsync(visitor, "2001:4860:4860::8888");
        for (var i = 0; i < direct; i++)
            await ClickFromAsync(visitor, forwardedFor: null);
        for (var i = 0; i < privateForwarded; i++)
            await ClickFromAsync(visitor, "10.0.0.1");
        await app.FlushClicksAsync();

        var stats = await CountingTests.GetStatsAsync(app, "geo");
        Assert.Equal(us + gb + mappedUs + ipv6Us + direct + privateForwarded, stats.Clicks);
        Assert.Equal(
            [("(unknown)", direct + privateForwarded), ("GB", gb), ("US", us + mappedUs + ipv6Us)],
            stats[Dimensions.Country].Select(k => (k.Key, (int)k.Clicks)).OrderBy(k => k.Key, StringComparer.Ordinal));
        // The built-in database is a country one: no city or region is counted, not even "(unknown)".
        Assert.Empty(stats[Dimensions.City]);
        Assert.Empty(stats[Dimensions.Region]);
    }

    [Fact]
    public async Task Forwarded_addresses_in_legacy_or_broken_forms_are_taken_as_absent_and_the_connections_address_stands()
    {
        await using var app = BehindLoopbackProxy();
        app.StartKestrel();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "geo" });
        using var visitor = app.CreateVisitorClient();

        // IPAddress.TryParse reads 1.2.3 as 1.2.0.3 (CN) and 0x55.214.132.117 as 85.214.132.117 (DE); a scope id is no
        // client's. The rightmost entry is the trusted proxy's: a broken one is not skipped for the client's own left of it.
        string[] broken = ["1.2.3", "0x55.214.132.117", "8.8.8.8, 1.2.3", "2001:4860:4860::8888%1", "81.2.69.142:99999"];
        foreach (var forwarded in broken)
            await ClickFromAsync(visitor, forwarded);
        // A port, and an IPv6 address in brackets with one, as proxies write them: read.
        await ClickFromAsync(visitor, "81.2.69.142:51234");
        await ClickFromAsync(visitor, "[2001:4860:4860::8888]:443");
        await app.FlushClicksAsync();

        var stats = await CountingTests.GetStatsAsync(app, "geo");
        Assert.Equal(
            [("(unknown)", broken.Length), ("GB", 1), ("US", 1)],
            stats[Dimensions.Country].Select(k => (k.Key, (int)k.Clicks)).OrderBy(k => k.Key, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(null, "(unknown)")]
    // Proxy__KnownProxies=10.9.9.9,127.0.0.1 in the environment: one value at the list's own key.
    [InlineData("10.9.9.9, 127.0.0.1", "GB")]
    public async Task A_forwarded_address_is_read_only_from_a_trusted_proxy(string? knownProxies, string country)
    {
        await using var app = new RedirectorApplication(settings: new Dictionary<string, string?> { ["Proxy:KnownProxies"] = knownProxies });
        app.StartKestrel();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "geo" });
        using var visitor = app.CreateVisitorClient();

        for (var i = 0; i < 4; i++)
            await ClickFromAsync(visitor, "81.2.69.142");
        await app.FlushClicksAsync();

        var stats = await CountingTests.GetStatsAsync(app, "geo");
        Assert.Equal([(country, 4)], stats[Dimensions.Country].Select(k => (k.Key, (int)k.Clicks)));
    }

    [Fact]
    public async Task A_configured_country_header_wins_over_the_address()
    {
        await using var app = BehindLoopbackProxy(new() { ["Analytics:CountryHeader"] = "CF-IPCountry" });
        app.StartKestrel();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "geo" });
        using var visitor = app.CreateVisitorClient();

        for (var i = 0; i < 3; i++)
            await ClickFromAsync(visitor, "8.8.8.8", ("CF-IPCountry", "fr"));
        for (var i = 0; i < 2; i++)
            await ClickFromAsync(visitor, "81.2.69.142", ("CF-IPCountry", "XX"));
        await ClickFromAsync(visitor, "81.2.69.142");
        await app.FlushClicksAsync();

        var stats = await CountingTests.GetStatsAsync(app, "geo");
        Assert.Equal(
            [("FR", 3), ("GB", 3)],
            stats[Dimensions.Country].Select(k => (k.Key, (int)k.Clicks)).OrderBy(k => k.Key, StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_database_at_the_configured_path_is_the_one_used()
    {
        await using var app = BehindLoopbackProxy(new() { [GeoOptions.DatabasePathKey] = GeoLookupTests.TestCityDatabase });
        app.StartKestrel();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "geo" });
        using var visitor = app.CreateVisitorClient();

        // The made-up city file knows 81.2.69.0/24 and 2001:4860::/32; the built-in database would also place 1.1.1.1.
        for (var i = 0; i < 6; i++)
            await ClickFromAsync(visitor, "81.2.69.142");
        for (var i = 0; i < 2; i++)
            await ClickFromAsync(visitor, "2001:4860:4860::8844");
        await ClickFromAsync(visitor, "1.1.1.1");
        await app.FlushClicksAsync();

        Assert.Equal("Redirector-City-Test", app.Services.GetRequiredService<GeoLookup>().DatabaseType);
        var stats = await CountingTests.GetStatsAsync(app, "geo");
        Assert.Equal(
            [("(unknown)", 1), ("GB", 6), ("US", 2)],
            stats[Dimensions.Country].Select(k => (k.Key, (int)k.Clicks)).OrderBy(k => k.Key, StringComparer.Ordinal));
    }

    [Fact]
    public async Task With_a_city_database_people_are_counted_under_their_city_and_region_with_the_country_code()
    {
        await using var app = BehindLoopbackProxy(new()
        {
            [GeoOptions.DatabasePathKey] = GeoLookupTests.TestCityDatabase,
            ["Analytics:CountryHeader"] = "CF-IPCountry",
        });
        app.StartKestrel();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "geo" });
        using var visitor = app.CreateVisitorClient();

        // test-city.mmdb: 81.2.69.0/24 London, England, GB; 2001:4860::/32 Mountain View, California, US; 8.8.8.0/24
        // US without region or city; 1.1.1.1 not listed.
        const int london = 6, mountainView = 3, usWithoutCity = 4, unlisted = 2, headerElsewhere = 5, headerAgrees = 2, bots = 7;
        for (var i = 0; i < london; i++)
            await ClickFromAsync(visitor, "81.2.69.142");
        for (var i = 0; i < mountainView; i++)
            await ClickFromAsync(visitor, "2001:4860:4860::8844");
        for (var i = 0; i < usWithoutCity; i++)
            await ClickFromAsync(visitor, "8.8.8.8");
        for (var i = 0; i < unlisted; i++)
            await ClickFromAsync(visitor, "1.1.1.1");
        // The proxy's country wins; a London address then names no city, since London is not in France.
        for (var i = 0; i < headerElsewhere; i++)
            await ClickFromAsync(visitor, "81.2.69.142", ("CF-IPCountry", "FR"));
        for (var i = 0; i < headerAgrees; i++)
            await ClickFromAsync(visitor, "81.2.69.142", ("CF-IPCountry", "gb"));
        for (var i = 0; i < bots; i++)
            await ClickFromAsync(visitor, "81.2.69.142", userAgent: Agents.Slackbot);
        await app.FlushClicksAsync();

        var stats = await CountingTests.GetStatsAsync(app, "geo");
        var people = london + mountainView + usWithoutCity + unlisted + headerElsewhere + headerAgrees;
        Assert.Equal(people, stats.Clicks);
        Assert.Equal(bots, stats.Bots);
        Assert.Equal(
            [("(unknown)", usWithoutCity + unlisted + headerElsewhere), ("London, GB", london + headerAgrees), ("Mountain View, US", mountainView)],
            Sorted(stats[Dimensions.City]));
        Assert.Equal(
            [("(unknown)", usWithoutCity + unlisted + headerElsewhere), ("California, US", mountainView), ("England, GB", london + headerAgrees)],
            Sorted(stats[Dimensions.Region]));
        Assert.Equal(
            [("(unknown)", unlisted), ("FR", headerElsewhere), ("GB", london + headerAgrees), ("US", mountainView + usWithoutCity)],
            Sorted(stats[Dimensions.Country]));
    }

    [Fact]
    public async Task A_missing_database_file_stops_start_up_naming_the_setting()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"redirector-no-such-{Guid.NewGuid():N}.mmdb");
        await using var app = new RedirectorApplication(settings: new Dictionary<string, string?> { [GeoOptions.DatabasePathKey] = missing });

        var error = Assert.Throws<OptionsValidationException>(() => app.Services);
        Assert.Contains(GeoOptions.DatabasePathKey, error.Message, StringComparison.Ordinal);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_corrupt_database_file_stops_start_up_naming_the_setting()
    {
        var directory = Directory.CreateTempSubdirectory("redirector-geo-").FullName;
        var corrupt = Path.Combine(directory, "GeoLite2-City.mmdb");
        File.WriteAllText(corrupt, "<html>Sign in to download GeoLite2</html>");
        try
        {
            await using var app = new RedirectorApplication(settings: new Dictionary<string, string?> { [GeoOptions.DatabasePathKey] = corrupt });

            var error = Assert.Throws<OptionsValidationException>(() => app.Services);
            Assert.Contains(GeoOptions.DatabasePathKey, error.Message, StringComparison.Ordinal);
            Assert.Contains("not a MaxMind DB", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task ClickFromAsync(HttpClient visitor, string? forwardedFor, (string Name, string Value)? header = null,
        string userAgent = Agents.ChromeWindows)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/geo");
        request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        if (forwardedFor is not null)
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        if (header is var (name, value))
            request.Headers.TryAddWithoutValidation(name, value);
        using var response = await visitor.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.Found, response.StatusCode);
    }

    private static IEnumerable<(string, int)> Sorted(IEnumerable<Redirector.Stats.KeyCount> counts) =>
        counts.Select(k => (k.Key, (int)k.Clicks)).OrderBy(k => k.Item1, StringComparer.Ordinal);
}
