using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Redirector.Catalog;
using Redirector.Geo;
using Redirector.UserAgents;

namespace Redirector.Clicks;

public static class ClickServices
{
    /// <summary>The click write path: queue, enrichment, batching, spool and the Redis counters it writes.</summary>
    public static IHostApplicationBuilder AddClickTracking(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AnalyticsOptions>().BindConfiguration("Analytics").ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RedisOptions>().BindConfiguration("Redis").ValidateDataAnnotations().ValidateOnStart();
        services.TryAddTimeProvider();

        services.AddSingleton<RedisConnection>();
        services.AddSingleton<StatsKeys>();
        services.AddSingleton<RedisClickWriter>();
        services.AddSingleton<ClickQueue>();
        services.AddSingleton<NodeIdentity>();
        services.AddSingleton<VisitorHasher>();
        services.AddUserAgentParsing(builder.Configuration);
        services.AddGeoLookup();
        services.AddSingleton<ClickEnricher>();
        services.AddSingleton<ClickTracker>();
        services.AddSingleton<Links.TargetChooser>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AnalyticsOptions>>().Value;
            return new ClickSpool(Path.Combine(options.DataDirectory, "spool"), options.SpoolMaxBytes, [ClickPipeline.RedisConsumer]);
        });
        services.AddSingleton<ClickPipeline>();
        services.AddHostedService(sp => sp.GetRequiredService<ClickPipeline>());
        services.AddHostedService<Links.ClickAllowanceLeaser>();
        return builder;
    }
}
