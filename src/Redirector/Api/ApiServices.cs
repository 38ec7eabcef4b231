using System.ComponentModel.DataAnnotations;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Diagnostics;
using Redirector.Catalog;
using Redirector.Clicks;
using Redirector.Stats;
using Redirector.Links;
using Redirector.Times;

namespace Redirector.Api;

/// <summary>Limits on API calls (section "RateLimits"), per API key or, without one, per client address.</summary>
public sealed class RateLimitOptions
{
    [Range(1, 1_000_000)] public int ApiPerMinute { get; set; } = 1200;
    [Range(1, 1_000_000)] public int LinkCreationsPerMinute { get; set; } = 300;
}

public static class ApiServices
{
    public const string ApiPolicy = "api";
    public const string LinkCreationPolicy = "link-creation";

    public static IHostApplicationBuilder AddApi(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RedirectorOptions>().BindConfiguration("Redirector").ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RateLimitOptions>().BindConfiguration("RateLimits").ValidateDataAnnotations().ValidateOnStart();
        services.AddProblemDetails();
        // Counts carry visitor-supplied text (referrers, UTM values); escaping markup in JSON keeps a careless
        // consumer that pastes it into a page from running it.
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default;
            // Times in and out are UTC whatever the server's zone (see UtcTime): a GET then PATCH moves nothing.
            options.SerializerOptions.Converters.Add(new UtcTime.DateTimeOffsetJsonConverter());
            options.SerializerOptions.Converters.Add(new UtcTime.DateTimeJsonConverter());
        });
        services.AddExceptionHandler<AnalyticsUnavailableHandler>();
        services.AddExceptionHandler<CatalogBusyHandler>();
        services.AddOpenApi();
        services.AddSingleton<ShortUrls>();

        services.AddAuthentication()
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiPolicy, policy => policy.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser());

        var limits = builder.Configuration.GetSection("RateLimits").Get<RateLimitOptions>() ?? new RateLimitOptions();
        services.AddRateLimiter(options =>
        {
            // ASP.NET answers 503 by default; a client that is over its limit should see 429 and back off.
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = async (context, ct) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "60";
                await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests.", Detail = "Retry after a minute." },
                });
            };
            options.AddPolicy(ApiPolicy, context => PerMinute(context, "api", limits.ApiPerMinute));
            options.AddPolicy(LinkCreationPolicy, context => PerMinute(context, "create", limits.LinkCreationsPerMinute));
        });
        return builder;
    }

    /// <summary>A group of API endpoints: API key required, rate limited, listed under <paramref name="tag"/> in OpenAPI.</summary>
    public static RouteGroupBuilder MapApiGroup(this IEndpointRouteBuilder app, string prefix, string tag) =>
        app.MapGroup(prefix).WithTags(tag).RequireAuthorization(ApiPolicy).RequireRateLimiting(ApiPolicy);

    /// <summary>Partitions by API key when one is sent, else by the client's address (the real one: see forwarded headers).</summary>
    private static RateLimitPartition<string> PerMinute(HttpContext context, string name, int permits)
    {
        var key = context.Request.Headers[ApiKeyAuthenticationHandler.HeaderName].ToString();
        var partition = key.Length > 0
            ? name + ":key:" + ApiKeys.ApiKeyService.HashOf(key)
            : name + ":ip:" + context.Connection.RemoteIpAddress;
        return RateLimitPartition.GetFixedWindowLimiter(partition, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
    }
}

/// <summary>Redis being away is not a server bug: reading counts answers 503 with a clear message.</summary>
internal sealed class AnalyticsUnavailableHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not (StatsUnavailableException or StackExchange.Redis.RedisException or TimeoutException))
            return false;
        return await WriteAsync(problems, httpContext, "Counts are unavailable right now.",
            "The analytics store (Redis) is not reachable. Redirects still work and clicks are kept in the spool.");
    }

    /// <summary>Answers 503 with Retry-After: 5 and a problem-details body: a store is away, not a bug.</summary>
    internal static async ValueTask<bool> WriteAsync(IProblemDetailsService problems, HttpContext httpContext, string title, string detail)
    {
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = { Status = StatusCodes.Status503ServiceUnavailable, Title = title, Detail = detail },
        });
    }
}

/// <summary>
/// A catalogue locked by another connection is not a server bug either: the write was not made, the client may
/// send it again. Serves the API and the admin area alike (the exception handler is the whole app's).
/// </summary>
internal sealed class CatalogBusyHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!CatalogBusyException.IsBusy(exception))
            return false;
        return await AnalyticsUnavailableHandler.WriteAsync(problems, httpContext, "The catalogue is busy.",
            "Another writer holds the catalogue's lock; nothing was changed. Send the request again in a few seconds.");
    }
}
