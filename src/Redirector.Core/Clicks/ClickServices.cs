using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Redirector.Bots;
using Redirector.Catalog;
using Redirector.Geo;
using Redirector.Settings;
using Redirector.UserAgents;

namespace Redirector.Clicks;

public static class ClickServices
{
    /// <summary>The click write path: queue, enrichment, batching, spool and the Redis counters it writes.</summary>
    public static IHostApplicationBuilder AddClickTracking(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AnalyticsOptions>().BindSettings("Analytics")
            .Validate<IOptions<Events.EventsOptions>>((analytics, events) => analytics.LinkBreakdowns == LinkBreakdowns.Counters || events.Value.Enabled,
                "Analytics:LinkBreakdowns=Events counts links' breakdowns in the event store only, which Events:Enabled=false turns off.")
            .ValidateOnStart();
        services.AddOptions<RedisOptions>().BindSettings("Redis").ValidateOnStart();
        services.TryAddTimeProvider();

        services.AddSingleton<RedisConnection>();
        services.AddSingleton<StatsKeys>();
        services.AddSingleton<RedisClickWriter>();
        services.AddSingleton<ClickQueue>();
        services.AddSingleton<NodeIdentity>();
        services.AddSingleton<VisitorHasher>();
        services.AddUserAgentParsing(builder.Configuration);
        services.AddGeoLookup();
        services.AddBotDetection();
        services.AddSingleton<ClickEnricher>();
        services.AddSingleton<ClickTracker>();
        services.AddSingleton<Links.TargetChooser>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AnalyticsOptions>>().Value;
            string[] consumers = [ClickPipeline.RedisConsumer, .. sp.GetServices<SpoolConsumerName>().Select(c => c.Name)];
            return new ClickSpool(Path.Combine(options.DataDirectory, "spool"), options.SpoolMaxBytes, consumers);
        });
        services.AddSingleton<ClickPipeline>();
        services.AddHostedService(sp => sp.GetRequiredService<ClickPipeline>());
        services.AddHostedService<Links.ClickAllowanceLeaser>();
        return builder;
    }

    /// <summary>
    /// Adds a reader of the click spool: the spool opens with a cursor of this name (a batch stays until it has
    /// passed), the consumer runs as a hosted service on its own thread, and /readyz reports its lag. The name is
    /// lowercase letters, digits and dashes and must be the one the consumer passes to its base constructor.
    /// </summary>
    public static IServiceCollection AddSpoolConsumer<TConsumer>(this IServiceCollection services, string name)
        where TConsumer : SpoolConsumer
    {
        services.AddSingleton(new SpoolConsumerName(name));
        services.AddSingleton<TConsumer>();
        services.AddSingleton<SpoolConsumer>(sp => sp.GetRequiredService<TConsumer>());
        services.AddHostedService(sp => sp.GetRequiredService<TConsumer>());
        return services;
    }
}

/// <summary>A consumer the spool is opened with (registered by <see cref="ClickServices.AddSpoolConsumer{TConsumer}"/>).</summary>
public sealed record SpoolConsumerName(string Name);
