using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Redirector.Settings;

namespace Redirector.Bots;

public static class BotServices
{
    /// <summary>
    /// Registers <see cref="BotOptions"/> (section "Bots"), <see cref="HostingNetworks"/> (the built-in list and data,
    /// loaded once per process) and the <see cref="BurstDetector"/>.
    /// </summary>
    public static IServiceCollection AddBotDetection(this IServiceCollection services)
    {
        services.AddOptions<BotOptions>().BindSettings("Bots")
            .Validate(o => o.BurstWindow > TimeSpan.Zero && o.BurstWindow <= TimeSpan.FromMinutes(1), "Bots:BurstWindow must be more than 0 and at most 1 minute.")
            .ValidateOnStart();
        services.TryAddSingleton(_ => HostingNetworks.Default);
        services.TryAddSingleton(provider => new BurstDetector(provider.GetRequiredService<IOptions<BotOptions>>().Value));
        return services;
    }
}
