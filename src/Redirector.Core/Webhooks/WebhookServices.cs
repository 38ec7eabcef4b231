using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Telemetry;
using Redirector.Clicks;
using Redirector.Settings;

namespace Redirector.Webhooks;

public static class WebhookServices
{
    /// <summary>
    /// Webhook endpoints and delivery: the catalogue of endpoints, the spool consumer that sends link.clicked events to
    /// healthy endpoints (the "webhooks-direct" HttpClient) and queues the rest, the queue, and the dispatcher whose
    /// workers send queued events through the "webhooks" HttpClient (addresses checked at connect, a timeout per try, a
    /// few quick retries from Microsoft.Extensions.Http.Resilience).
    /// </summary>
    public static IHostApplicationBuilder AddWebhooks(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<WebhookOptions>().BindSettings("Webhooks")
            .Validate(o => o.Timeout > TimeSpan.Zero && o.DirectTimeout > TimeSpan.Zero && o.RetryInitial > TimeSpan.Zero && o.RetryMax >= o.RetryInitial &&
                o.PollInterval > TimeSpan.Zero && o.QueueAfterFailure >= TimeSpan.Zero,
                "Webhooks: Timeout, DirectTimeout, RetryInitial and PollInterval must be positive, QueueAfterFailure not negative and RetryMax at least RetryInitial.")
            .ValidateOnStart();
        services.AddSingleton<WebhookCatalog>();
        services.AddSingleton<WebhookSubscriptions>();
        services.AddSingleton<WebhookQueue>();
        services.AddSingleton<WebhookConnector>();
        services.AddSingleton<WebhookSender>();
        services.AddSpoolConsumer<WebhookClickConsumer>(WebhookClickConsumer.ConsumerName);
        services.AddHostedService<WebhookDispatcher>();

        AddClient(services, WebhookSender.ClientName, direct: false);
        AddClient(services, WebhookSender.DirectClientName, direct: true);
        return builder;
    }

    /// <summary>
    /// The worker's client (quick retries, then <see cref="WebhookOptions.Timeout"/> per try) or the spool consumer's
    /// (tries of <see cref="WebhookOptions.DirectTimeout"/>, a second one only at once after a connection error: a
    /// failure queues the events for the worker, which retries). Neither logs its requests: the consumer and the
    /// dispatcher log one line per failed attempt, and IHttpClientFactory's default records (four lines at
    /// Information per request, a stack trace per failed try) would flood a log at thousands of clicks a second.
    /// </summary>
    private static void AddClient(IServiceCollection services, string name, bool direct)
    {
        services.AddHttpClient(name, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                ConnectCallback = sp.GetRequiredService<WebhookConnector>().ConnectAsync,
                // A proxy would connect on our behalf to an address nobody checked.
                UseProxy = false,
                AllowAutoRedirect = false,
                UseCookies = false,
                MaxResponseHeadersLength = 16,
                ConnectTimeout = sp.GetRequiredService<IOptions<WebhookOptions>>().Value.Timeout,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            .RemoveAllLoggers()
            .AddResilienceHandler(name, (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<WebhookOptions>>().Value;
                // The dispatcher logs one line per failed delivery attempt; Polly's records of each try (with the
                // exception's stack trace at Warning) would repeat it several times over, so they go to Debug.
                pipeline.ConfigureTelemetry(new TelemetryOptions(context.ServiceProvider.GetRequiredService<IOptions<TelemetryOptions>>().Value)
                {
                    SeverityProvider = _ => ResilienceEventSeverity.Debug,
                });
                if (direct)
                {
                    // A pooled connection the receiver had closed (a server answering HTTP/1.0 and hanging up) fails
                    // before any answer; sent again on a new connection it goes through.
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = 1,
                        Delay = TimeSpan.Zero,
                        ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is HttpRequestException),
                    });
                }
                else if (options.QuickRetries > 0)
                {
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = options.QuickRetries,
                        Delay = options.QuickRetryDelay,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                    });
                }
                pipeline.AddTimeout(direct ? options.DirectTimeout : options.Timeout);
            });
    }
}
