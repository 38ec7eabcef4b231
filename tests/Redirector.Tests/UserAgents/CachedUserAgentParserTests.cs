using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Redirector.UserAgents;

namespace Redirector.Tests.UserAgents;

public sealed class CachedUserAgentParserTests
{
    private const string Chrome =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

    [Fact]
    public void Returns_what_the_parser_returns_and_serves_repeats_from_the_cache()
    {
        var cached = new CachedUserAgentParser(UserAgentParser.Default);

        var first = cached.Parse(Chrome);

        Assert.Equal(UserAgentParser.Default.Parse(Chrome), first);
        Assert.Same(first, cached.Parse(Chrome));
        Assert.Equal(1, cached.Count);
    }

    [Fact]
    public void Never_holds_more_than_its_capacity()
    {
        var cached = new CachedUserAgentParser(UserAgentParser.Default, capacity: 10);

        for (var i = 0; i < 100; i++)
            cached.Parse($"Example/{i}.0");

        Assert.InRange(cached.Count, 1, 10);
        Assert.Equal("Other", cached.Parse("Example/1.0").Browser.Family);
    }

    [Fact]
    public void Recently_used_agents_survive_a_rotation()
    {
        var cached = new CachedUserAgentParser(UserAgentParser.Default, capacity: 4);
        var kept = cached.Parse(Chrome);

        cached.Parse("Example/1");
        cached.Parse(Chrome);
        cached.Parse("Example/2");
        cached.Parse("Example/3");

        Assert.Same(kept, cached.Parse(Chrome));
    }

    [Fact]
    public void Oversized_and_missing_agents_are_parsed_but_not_cached()
    {
        var cached = new CachedUserAgentParser(UserAgentParser.Default);

        cached.Parse(new string('x', CachedUserAgentParser.MaxCachedLength + 1));
        Assert.Equal(DeviceType.Bot, cached.Parse(null).DeviceType);

        Assert.Equal(0, cached.Count);
    }

    [Fact]
    public async Task Is_safe_under_concurrent_use()
    {
        var cached = new CachedUserAgentParser(UserAgentParser.Default, capacity: 16);
        var agents = Enumerable.Range(0, 64).Select(i => $"Example/{i}").Append(Chrome).ToArray();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            agents.Select(cached.Parse).Last())));

        Assert.All(results, r => Assert.Equal("Chrome", r.Browser.Family));
        Assert.InRange(cached.Count, 1, 16 + 8);
    }

    [Fact]
    public void Registration_loads_a_configured_rules_file()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "user_agent_parsers:\n  - regex: '(Custom)/(\\d+)'\n");
        try
        {
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { [UserAgentParsingExtensions.RegexesPathKey] = path })
                .Build();
            using var services = new ServiceCollection().AddUserAgentParsing(configuration).BuildServiceProvider();

            var info = services.GetRequiredService<CachedUserAgentParser>().Parse("Custom/7");

            Assert.Equal(new BrowserInfo("Custom", "7", null, null), info.Browser);
            Assert.Equal("Other", services.GetRequiredService<UserAgentParser>().Parse(Chrome).Browser.Family);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Registration_defaults_to_the_embedded_rules()
    {
        using var services = new ServiceCollection()
            .AddUserAgentParsing(new ConfigurationBuilder().Build())
            .BuildServiceProvider();

        Assert.Same(UserAgentParser.Default, services.GetRequiredService<UserAgentParser>());
    }
}
