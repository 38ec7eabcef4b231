using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing.Template;

namespace Redirector.Api;

/// <summary>
/// What the API answers for a request no API endpoint takes: problem details, like every other API error, instead
/// of the public "link not found" page that the site-wide fallback serves. Routing picks a fallback over its own
/// 405 and 415 answers, so this one works them out again: the path names an API route but not with this method
/// (405, with Allow), the path and method match but the body's content type is not one the route reads (415),
/// or no API route has this path (404; one naming the value when a route's constraint refused it, as
/// <c>/api/webhooks/abc</c>'s id, since the template matcher alone does not check constraints).
/// </summary>
public static class ApiFallback
{
    private const string Prefix = "/api";

    public static IEndpointRouteBuilder MapApiFallback(this IEndpointRouteBuilder app)
    {
        var sources = app.DataSources;
        // Built at the first miss, when every endpoint has been mapped.
        var routes = new Lazy<IReadOnlyList<ApiRoute>>(() =>
            [.. sources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
                .Where(e => e.RoutePattern.RawText is { } raw && ("/" + raw.TrimStart('/')).StartsWith(Prefix + "/", StringComparison.OrdinalIgnoreCase) &&
                            e.Metadata.GetMetadata<IHttpMethodMetadata>() is not null)
                .Select(e => new ApiRoute(new TemplateMatcher(new RouteTemplate(e.RoutePattern), []), e.RoutePattern,
                              e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods, e.Metadata.GetMetadata<IAcceptsMetadata>()?.ContentTypes))]);
        app.MapFallback(Prefix + "/{**path}", (HttpContext context) => Answer(context, routes.Value)).ExcludeFromDescription();
        // The API's root, with or without its slash: a fallback comes after every other route, and the redirects'
        // "/{slug}" takes "/api" (a slug Slugs reserves, so no link has it) and answers the public HTML 404. A literal
        // route comes before that parameter.
        app.Map(Prefix, (HttpContext context) => Answer(context, routes.Value)).ExcludeFromDescription();
        return app;
    }

    /// <param name="ContentTypes">The body types the route reads (its accepts metadata; JSON when it names none).</param>
    private sealed record ApiRoute(TemplateMatcher Matcher, Microsoft.AspNetCore.Routing.Patterns.RoutePattern Pattern, IReadOnlyList<string> Methods,
        IReadOnlyList<string>? ContentTypes);

    private static IResult Answer(HttpContext context, IReadOnlyList<ApiRoute> routes)
    {
        var request = context.Request;
        var allowed = new List<string>();
        (string Name, string? Value, string Constraint)? refused = null;
        foreach (var (matcher, pattern, methods, contentTypes) in routes)
        {
            var values = new RouteValueDictionary();
            if (!matcher.TryMatch(request.Path, values))
                continue;
            if (RefusedParameter(context, pattern, values) is { } parameter)
            {
                refused ??= parameter;
                continue;
            }
            foreach (var method in methods)
            {
                if (string.Equals(method, request.Method, StringComparison.OrdinalIgnoreCase))
                {
                    return TypedResults.Problem(
                        statusCode: StatusCodes.Status415UnsupportedMediaType,
                        title: "The request body's content type is not supported.",
                        detail: contentTypes is { Count: > 0 } && !contentTypes.Contains("application/json")
                            ? $"Send the body with Content-Type: {string.Join(" or ", contentTypes)}."
                            : "Send the body as JSON with Content-Type: application/json.");
                }
                if (!allowed.Contains(method, StringComparer.OrdinalIgnoreCase))
                    allowed.Add(method);
            }
        }
        if (allowed.Count > 0)
        {
            context.Response.Headers.Allow = string.Join(", ", allowed);
            return TypedResults.Problem(
                statusCode: StatusCodes.Status405MethodNotAllowed,
                title: "This method is not allowed here.",
                detail: $"This path accepts {string.Join(", ", allowed)}.");
        }
        if (refused is var (name, value, constraint))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: $"No {name} '{value}' exists.",
                detail: $"'{value}' is not a valid {name}: it must be {constraint}.");
        }
        return TypedResults.Problem(
            statusCode: StatusCodes.Status404NotFound,
            title: "No API endpoint has this path.",
            detail: "The API is described at /openapi/v1.json.");
    }

    /// <summary>The first route parameter whose constraint (<c>{id:long}</c>) its value does not meet; null when all do.</summary>
    private static (string Name, string? Value, string Constraint)? RefusedParameter(HttpContext context,
        Microsoft.AspNetCore.Routing.Patterns.RoutePattern pattern, RouteValueDictionary values)
    {
        var policies = context.RequestServices.GetRequiredService<ParameterPolicyFactory>();
        foreach (var (name, references) in pattern.ParameterPolicies)
        {
            var parameter = pattern.GetParameter(name);
            foreach (var reference in references)
            {
                if (policies.Create(parameter, reference) is IRouteConstraint constraint &&
                    !constraint.Match(context, null, name, values, RouteDirection.IncomingRequest))
                {
                    var text = reference.Content ?? constraint.GetType().Name;
                    return (name, values[name]?.ToString(), text is "long" or "int" ? "a whole number" : text);
                }
            }
        }
        return null;
    }
}
