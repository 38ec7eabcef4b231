using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Redirector.UserAgents;

public static class UserAgentParsingExtensions
{
    /// <summary>Configuration key of an optional newer regexes.yaml to use instead of the embedded one.</summary>
    public const string RegexesPathKey = "UserAgents:RegexesPath";

    /// <summary>Configuration key of the number of recent user agents to remember (default 10,000).</summary>
    public const string CacheCapacityKey = "UserAgents:CacheCapacity";

    /// <summary>Registers <see cref="UserAgentParser"/> and <see cref="CachedUserAgentParser"/> as singletons.</summary>
    public static IServiceCollection AddUserAgentParsing(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(_ => configuration[RegexesPathKey] is { Length: > 0 } path
            ? UserAgentParser.FromFile(path)
            : UserAgentParser.Default);
        services.TryAddSingleton(provider => new CachedUserAgentParser(
            provider.GetRequiredService<UserAgentParser>(),
            configuration.GetValue(CacheCapacityKey, 10_000)));
        return services;
    }
}
