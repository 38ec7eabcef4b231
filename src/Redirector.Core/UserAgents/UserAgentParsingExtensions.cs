using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Redirector.Settings;

namespace Redirector.UserAgents;

public static class UserAgentParsingExtensions
{
    /// <summary>Configuration key of an optional newer regexes.yaml to use instead of the embedded one.</summary>
    public const string RegexesPathKey = "UserAgents:RegexesPath";

    /// <summary>Configuration key of the number of recent user agents to remember (default 10,000).</summary>
    public const string CacheCapacityKey = "UserAgents:CacheCapacity";

    /// <summary>
    /// Registers <see cref="UserAgentParser"/> and <see cref="CachedUserAgentParser"/> as singletons, and the
    /// <see cref="UserAgentRulesCompiler"/> that compiles the rules' regexes once the host has started. The embedded
    /// rules start loading on a thread-pool thread now, beside the rest of the host's start.
    /// </summary>
    public static IServiceCollection AddUserAgentParsing(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration[RegexesPathKey] is not { Length: > 0 })
            _ = Task.Run(() => UserAgentParser.Default);
        services.TryAddSingleton(_ => configuration[RegexesPathKey] is { Length: > 0 } path
            ? UserAgentParser.FromFile(path)
            : UserAgentParser.Default);
        services.TryAddSingleton(provider => new CachedUserAgentParser(
            provider.GetRequiredService<UserAgentParser>(),
            configuration.GetSetting(CacheCapacityKey, 10_000)));
        services.AddHostedService<UserAgentRulesCompiler>();
        return services;
    }
}

/// <summary>
/// Compiles the user-agent rules' regexes once the host has started (<see cref="UserAgentParser.CompileRules"/>), so
/// that the node serves first with interpreted ones instead of waiting for ~1,200 regexes to compile.
/// </summary>
internal sealed class UserAgentRulesCompiler(UserAgentParser parser, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            await started.Task.WaitAsync(stoppingToken);
        await Task.Run(() => parser.CompileRules(stoppingToken), stoppingToken);
    }
}
