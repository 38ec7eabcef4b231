using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization.Metadata;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Redirector.Catalog;
using Redirector.Clicks;
using Redirector.Stats;
using Redirector.Links;
using Redirector.Security;
using Redirector.Text;
using Redirector.Settings;
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
    /// <summary>Any valid API key; writes (any method but GET and HEAD) also need an editor's or administrator's key.</summary>
    public const string ApiPolicy = "api";

    /// <summary>An administrator's key: for routes that manage secrets (webhooks), on top of <see cref="ApiPolicy"/>.</summary>
    public const string ApiAdministratorPolicy = "api-administrator";

    /// <summary>
    /// An editor's or administrator's key: for routes that answer raw per-click data (<c>GET /api/events</c>,
    /// <c>GET /api/links/{slug}/clicks</c>), on top of <see cref="ApiPolicy"/>. Counts stay a viewer's, as in the admin
    /// area, whose raw clicks export needs its editor policy too.
    /// </summary>
    public const string ApiEditorPolicy = "api-editor";
    public const string LinkCreationPolicy = "link-creation";

    /// <summary>The bodies' strictness, read by the JSON contracts and described by the OpenAPI document alike.</summary>
    private static readonly StrictBodies Strict = new(new Dictionary<Type, Type>
    {
        [typeof(UpdateLinkRequest)] = typeof(LinkResponse),
        [typeof(Domains.UpdateDomainRequest)] = typeof(Domains.DomainResponse),
        [typeof(Sites.UpdateSiteRequest)] = typeof(Tracking.SiteResponse),
        [typeof(Webhooks.UpdateWebhookRequest)] = typeof(Webhooks.WebhookResponse),
    });

    public static IHostApplicationBuilder AddApi(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RedirectorOptions>().BindSettings("Redirector").ValidateOnStart();
        services.AddOptions<RateLimitOptions>().BindSettings("RateLimits").ValidateOnStart();
        // A body over Kestrel's limit is refused before any handler sees it: the answer names the limit.
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            if (context.ProblemDetails.Status == StatusCodes.Status413PayloadTooLarge)
                context.ProblemDetails.Detail ??= Hosting.KestrelLimits.BodyTooLarge(context.HttpContext);
        });
        // Counts carry visitor-supplied text (referrers, UTM values); escaping markup in JSON keeps a careless
        // consumer that pastes it into a page from running it.
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default;
            // Times in and out are UTC whatever the server's zone (see UtcTime): a GET then PATCH moves nothing.
            options.SerializerOptions.Converters.Add(new UtcTime.DateTimeOffsetJsonConverter());
            options.SerializerOptions.Converters.Add(new UtcTime.DateTimeJsonConverter());
            // {"url":"a","URL":"b"} names one property twice: refused (DuplicateProperties), never "the last wins".
            options.SerializerOptions.AllowDuplicateProperties = false;
            // {"redirectType":"301"} is a string where a number goes: refused with the field's type, as any other
            // wrong type is (the web defaults would read numbers from strings).
            options.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
            options.SerializerOptions.TypeInfoResolver = (options.SerializerOptions.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver())
                .WithAddedModifier(Strict.Modify);
        });
        // A body or parameter that does not bind throws, so BadRequestHandler can say which one and why; by default
        // minimal APIs answer a bare 400 that names nothing.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddExceptionHandler<BadRequestHandler>();
        services.AddExceptionHandler<StatsUnavailableHandler>();
        services.AddSingleton<StatsSources>();
        services.AddExceptionHandler<EventStoreUnavailableHandler>();
        services.AddExceptionHandler<CatalogBusyHandler>();
        services.AddOpenApi(options => options.AddSchemaTransformer(Strict.MarkReadOnlyAsync).AddSchemaTransformer(DimensionSchemas.AddDimensionsAsync)
            .AddOperationTransformer(DimensionSchemas.AddFilterParametersAsync)
            .AddSchemaTransformer(OpenApiDates.TypeAsStringsAsync));
        services.TryAddSingleton<SharedRateLimits>();

        services.AddAuthentication()
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiPolicy, policy => policy.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser()
                .RequireAssertion(context => context.Resource is HttpContext http && (HttpMethods.IsGet(http.Request.Method) ||
                    HttpMethods.IsHead(http.Request.Method) || Roles.Editors.Any(context.User.IsInRole))))
            .AddPolicy(ApiAdministratorPolicy, policy => policy.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
                .RequireRole(Roles.Administrator))
            .AddPolicy(ApiEditorPolicy, policy => policy.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
                .RequireRole(Roles.Editors));

        var limits = builder.Configuration.GetSettings<RateLimitOptions>("RateLimits");
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

    /// <summary>
    /// A group of API endpoints: API key required, rate limited, listed under <paramref name="tag"/> in OpenAPI; a body
    /// with properties the endpoint does not know is refused (<see cref="StrictBodies"/>), and so is a query parameter
    /// (<see cref="KnownQueryParameters"/>). Every error its endpoints answer goes through the problem-details service
    /// (<see cref="ApiProblems"/>).
    /// </summary>
    public static RouteGroupBuilder MapApiGroup(this IEndpointRouteBuilder app, string prefix, string tag)
    {
        var group = app.MapGroup(prefix).WithTags(tag).RequireAuthorization(ApiPolicy).RequireRateLimiting(ApiPolicy);
        // First added, so outermost: it also sees the refusals of the filters below.
        group.AddEndpointFilter(ApiProblems.ThroughServiceAsync);
        group.AddEndpointFilter(StrictBodies.RefuseUnknownAsync);
        group.RefuseUnknownQueryParameters();
        return group;
    }

    /// <summary>
    /// Partitions by API key when one is sent, else by the client's address (the real one: see forwarded headers);
    /// counted by all nodes together (<see cref="SharedRateLimits"/>).
    /// </summary>
    private static RateLimitPartition<string> PerMinute(HttpContext context, string name, int permits)
    {
        var key = context.Request.Headers[ApiKeyAuthenticationHandler.HeaderName].ToString();
        var partition = key.Length > 0
            ? name + ":key:" + ApiKeys.ApiKeyService.HashOf(key)
            : name + ":ip:" + context.Connection.RemoteIpAddress;
        return context.RequestServices.GetRequiredService<SharedRateLimits>().FixedWindow(partition, permits, TimeSpan.FromMinutes(1));
    }
}

/// <summary>Redis being away is not a server bug: reading counts answers 503 with a clear message.</summary>
internal sealed class StatsUnavailableHandler(IProblemDetailsService problems) : IExceptionHandler
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
/// The event store being away is not a server bug either: filtered stats and raw events answer 503, saying why when
/// the store failed (a server away, a file it refuses) and logging it, since the operator must act on it.
/// </summary>
internal sealed partial class EventStoreUnavailableHandler(IProblemDetailsService problems, ILogger<EventStoreUnavailableHandler> logger) : IExceptionHandler
{
    private const string StillWorks = "Unfiltered counts and redirects still work; events wait in the spool.";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not Events.EventStoreUnavailableException)
            return false;
        string detail;
        if (exception.InnerException is { } cause)
        {
            LogStoreFailed(logger, cause.GetType().Name, cause.Message);
            detail = $"The event store failed: {cause.Message} {StillWorks}";
        }
        else
        {
            detail = $"The event store is turned off (Events:Enabled). {StillWorks}";
        }
        return await StatsUnavailableHandler.WriteAsync(problems, httpContext, "Filtered counts are unavailable right now.", detail);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Filtered counts answered 503: the event store failed ({Error}: {Message})")]
    private static partial void LogStoreFailed(ILogger logger, string error, string message);
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
        return await StatsUnavailableHandler.WriteAsync(problems, httpContext, "The catalogue is busy.",
            "Another writer holds the catalogue's lock; nothing was changed. Send the request again in a few seconds.");
    }
}

/// <summary>
/// A request whose body or parameters cannot be bound (broken JSON, a value of the wrong type, a time that is not
/// ISO 8601, a query parameter that is not a number or a date) answers 400 problem details that name the field and
/// say what was wrong, as every other 4xx of the API does. The field is the JSON path's last member for a body
/// (<c>expiresAt</c> for <c>$.expiresAt</c>) or the parameter's name; no type names or stack traces are shown. A body
/// that is not JSON at all (cut short, a missing comma) is told where it breaks: line and column (in characters), both
/// counted from 1, and the JSON path. A body that is JSON but not an object (null, an array, a string) is told that
/// an object is needed. A body that gives a property twice is named by <see cref="DuplicateProperties"/>.
/// </summary>
internal sealed class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
            return false;
        string? text = null;
        if (badRequest.InnerException is System.Text.Json.JsonException && await DuplicateProperties.BodyAsync(httpContext.Request, cancellationToken) is { } body)
        {
            if (DuplicateProperties.Find(body) is { Count: > 0 } duplicates)
            {
                httpContext.Response.StatusCode = StatusCodes.Status400BadRequest;
                return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = DuplicateProperties.Problem(duplicates) });
            }
            text = System.Text.Encoding.UTF8.GetString(body);
        }
        var status = badRequest.StatusCode;
        var (field, message) = status == StatusCodes.Status413PayloadTooLarge
            ? (null, Hosting.KestrelLimits.BodyTooLarge(httpContext))
            : Describe(badRequest, text);
        httpContext.Response.StatusCode = status;
        var problem = new HttpValidationProblemDetails
        {
            Status = status,
            Title = status == StatusCodes.Status400BadRequest ? "The request could not be read." : null,
            Detail = message,
        };
        if (field is not null)
            problem.Errors[field] = [message];
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem });
    }

    /// <param name="text">The body as sent, to count where it broke in characters; null when it cannot be read again.</param>
    private static (string? Field, string Message) Describe(BadHttpRequestException exception, string? text)
    {
        if (exception.InnerException is System.Text.Json.JsonException json)
        {
            var path = json.Path;
            // The reader's own exception inside: the text is not JSON at all (cut short, a missing comma or quote).
            if (json.InnerException is System.Text.Json.JsonException)
                return (null, $"The body is not valid JSON: it breaks at {PositionOf(json, text)}. Check for a body cut short or a missing quote, comma or bracket.");
            if (string.IsNullOrEmpty(path) || path == "$")
                return (null, $"The body must be a JSON object of the expected shape, not an array, a string or a number (at {PositionOf(json, text)}).");
            // Keyed by its whole path ("utm.source", "variants[0].weight"), as unknown properties are (StrictBodies).
            var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
            return (field, $"The value of '{field}' ({JsonPosition.Of(json, text)}) is not valid: {ExpectedIn(field) ?? ExpectedOf(json)}.");
        }
        // Messages of parameter binding read 'Failed to bind parameter "DateOnly from" from "garbage".'
        var message = exception.Message;
        var quoted = message.Split('"');
        if (message.StartsWith("Failed to bind parameter", StringComparison.Ordinal) && quoted.Length >= 4)
        {
            var declaration = quoted[1];
            var field = declaration[(declaration.LastIndexOf(' ') + 1)..];
            // The framework names the type for people: "DateOnly?", "Nullable<DateOnly>", "int".
            var type = declaration[..Math.Max(declaration.LastIndexOf(' '), 0)].TrimEnd('?');
            if (type.StartsWith("Nullable<", StringComparison.Ordinal))
                type = type["Nullable<".Length..].TrimEnd('>');
            var expected = type switch
            {
                "DateOnly" => ": it should be a date as yyyy-MM-dd, such as 2026-12-31",
                "int" or "Int32" or "long" or "Int64" => ": it should be a whole number",
                "DateTimeOffset" or "DateTime" => ": it should be a time in ISO 8601, such as 2026-12-31T23:59:00Z",
                "bool" or "Boolean" => ": it should be true or false",
                _ => "",
            };
            return (field, $"The value \"{quoted[3]}\" of '{field}' is not valid{expected}.");
        }
        // A body of null, or none, reads "Implicit body inferred for parameter ... but no body was provided".
        if (message.StartsWith("Required parameter", StringComparison.Ordinal) || message.StartsWith("Implicit body inferred", StringComparison.Ordinal) ||
            message.Contains("request body", StringComparison.Ordinal))
            return (null, "The request needs a body: a JSON object of the expected shape (not null).");
        return (null, "The request could not be read.");
    }

    /// <summary>
    /// What a number field of a link takes when its values are fewer than its .NET type's (a redirect type is one of
    /// four codes, not any 32-bit number): the values it takes, from the same rules that check them once bound. Null
    /// for another field, which <see cref="ExpectedOf"/> describes by its type.
    /// </summary>
    private static string? ExpectedIn(string field) => field switch
    {
        "redirectType" => $"it should be one of the numbers {string.Join(", ", Links.LinkRules.RedirectTypes)}, without quotes",
        "maxClicks" => "it should be a whole number of at least 1, without quotes, or null for no maximum",
        _ when field.StartsWith("variants[", StringComparison.Ordinal) && field.EndsWith("].weight", StringComparison.Ordinal) =>
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"it should be a whole number from 1 to {Links.LinkRules.MaxWeight:N0}, without quotes"),
        _ => null,
    };

    /// <summary>
    /// What the field takes, in words rather than the .NET type the serializer names ("The JSON value could not be
    /// converted to System.Collections.Generic.List`1[System.String]. Path: ..."): a list of strings, a time, a whole
    /// number. A type it does not know gets the general advice.
    /// </summary>
    private static string ExpectedOf(System.Text.Json.JsonException json)
    {
        const string marker = "converted to ";
        var message = json.Message;
        if (message.StartsWith(Redirector.Times.UtcTime.JsonFormatError, StringComparison.Ordinal))
            return "it should be a time in ISO 8601, such as \"2026-12-31T23:59:00Z\" (without an offset, UTC)";
        var at = message.IndexOf(marker, StringComparison.Ordinal);
        var end = message.IndexOf(". Path:", StringComparison.Ordinal);
        var type = at >= 0 && end > at ? message[(at + marker.Length)..end] : "";
        var nullable = type.StartsWith("System.Nullable`1[", StringComparison.Ordinal);
        if (nullable)
            type = type["System.Nullable`1[".Length..^1];
        return type switch
        {
            "System.DateTime" or "System.DateTimeOffset" => "it should be a time in ISO 8601, such as \"2026-12-31T23:59:00Z\"",
            "System.DateOnly" => "it should be a date in ISO 8601, such as \"2026-12-31\"",
            "System.Int32" => "it should be a whole number from -2,147,483,648 to 2,147,483,647",
            "System.Int64" => "it should be a whole number from -9,223,372,036,854,775,808 to 9,223,372,036,854,775,807",
            "System.Double" or "System.Decimal" => "it should be a number",
            "System.Boolean" => "it should be true or false",
            "System.String" => "it should be a string",
            _ when type.EndsWith("[System.String]", StringComparison.Ordinal) || type == "System.String[]" => "it should be a list of strings, such as [\"spring\"]",
            _ => "check its type and format against the API reference (/openapi/v1.json)",
        };
    }

    /// <summary>
    /// Where the body broke, as an editor shows it: "line 1, column 8" (<see cref="JsonPosition"/>: both counted from 1,
    /// the column in characters, as the admin form tells its rules' JSON), then the JSON path when it is inside a property.
    /// </summary>
    private static string PositionOf(System.Text.Json.JsonException json, string? text) =>
        json.Path is { Length: > 1 } path ? $"{JsonPosition.Of(json, text)} ({path})" : JsonPosition.Of(json, text);
}
