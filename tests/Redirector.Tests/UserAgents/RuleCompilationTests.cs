using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Redirector.UserAgents;

namespace Redirector.Tests.UserAgents;

/// <summary>A host serves with interpreted user-agent rules and compiles them once it has started.</summary>
public sealed class RuleCompilationTests
{
    [Fact]
    public async Task The_rules_are_interpreted_until_the_host_has_started_then_compiled()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "user_agent_parsers:\n  - regex: '(Custom)/(\\d+)'\n  - regex: '(Other)/(\\d+)'\nos_parsers:\n  - regex: '(Plan9)'\n");
        try
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [UserAgentParsingExtensions.RegexesPathKey] = path });
            builder.Services.AddUserAgentParsing(builder.Configuration);
            using var host = builder.Build();
            var parser = host.Services.GetRequiredService<UserAgentParser>();
            Assert.Equal(0, parser.CompiledRuleCount);

            await host.StartAsync();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (parser.CompiledRuleCount < parser.RuleCount && DateTime.UtcNow < deadline)
                await Task.Delay(20);

            Assert.Equal(3, parser.RuleCount);
            Assert.Equal(3, parser.CompiledRuleCount);
            Assert.Equal(new BrowserInfo("Custom", "7", null, null), parser.Parse("Custom/7").Browser);
            await host.StopAsync();
        }
        finally
        {
            File.Delete(path);
        }
    }
}
