using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Redirector.Stats;

public static class StatsServices
{
    /// <summary>Reading counts back from the Redis counters that the click write path (AddClickTracking) keeps.</summary>
    public static IHostApplicationBuilder AddStats(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<StatsReader>();
        builder.Services.AddSingleton<FilteredStats>();
        builder.Services.AddSingleton<LinkClickOrder>();
        return builder;
    }
}
