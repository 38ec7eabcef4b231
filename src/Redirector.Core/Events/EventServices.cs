using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Redirector.Clicks;
using Redirector.Settings;

namespace Redirector.Events;

public static class EventServices
{
    /// <summary>
    /// The event store (<c>Events:Provider</c>: DuckDB by default, ClickHouse) and its spool consumer "events".
    /// Call after AddClickTracking. With <c>Events:Enabled=false</c> no events are kept.
    /// </summary>
    public static IHostApplicationBuilder AddEventStore(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<EventsOptions>().BindSettings("Events").ValidateOnStart();
        services.AddSingleton<EventStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EventsOptions>>().Value;
            var address = sp.GetRequiredService<IConfiguration>().GetConnectionString("Events");
            return options.Provider switch
            {
                EventStoreProvider.ClickHouse => new ClickHouseEventStore(
                    Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                        ? uri
                        : throw new OptionsValidationException("ConnectionStrings:Events", typeof(EventsOptions),
                            ["ConnectionStrings:Events must be ClickHouse's HTTP address (http://host:8123) when Events:Provider is ClickHouse"]),
                    options),
                _ => new DuckDbEventStore(address ?? $"Data Source={Path.Combine(sp.GetRequiredService<IOptions<AnalyticsOptions>>().Value.DataDirectory, "events.duckdb")}", options.CachedValueCodes),
            };
        });
        if (builder.Configuration.GetSettings<EventsOptions>("Events").Enabled)
            services.AddSpoolConsumer<EventStoreConsumer>(EventStoreConsumer.ConsumerName);
        return builder;
    }
}
