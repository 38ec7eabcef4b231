using Microsoft.AspNetCore.Routing.Template;

namespace Redirector.Api;

/// <summary>
/// What the API answers for a request no API endpoint takes: problem details, like every other API error, instead
/// of the public "link not found" page that the site-wide fallback serves. Routing picks a fallback over its own
/// 405 and 415 answers, so this one works them out again: the path names an API route but not with this method
/// (405, with Allow), the path and method match but the body's content type is not one the route reads (415),
/// or no API route has this path (404).
/// </summary>
public static class ApiFallback
{
    private const string Prefix = "/api";

    public static IEndpointRouteBuilder MapApiFallback(this IEndpointRouteBuilder app)
    {
        var sources = app.DataSources;
        // Built at the first miss, when every endpoint has been mapped.
        var routes = new Lazy<IReadOnlyList<(TemplateMatcher Matcher, IReadOnlyList<string> Methods)>>(() =>
            [.. sources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
                .Where(e => e.RoutePattern.RawText is { } raw && ("/" + raw.TrimStart('/')).StartsWith(Prefix + "/", StringComparison.OrdinalIgnoreCase) &&
                            e.Metadata.GetMetadata<IHttpMethodMetadata>() is not null)
                .Select(e => (new TemplateMatcher(new RouteTemplate(e.RoutePattern), []),
                              e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods))]);
        app.MapFallback(Prefix + "/{**path}", (HttpContext context) => Answer(context, routes.Value)).ExcludeFromDescription();
        return app;
    }

    private static IResult Answer(HttpContext context, IReadOnlyList<(TemplateMatcher Matcher, IReadOnlyList<string> Methods)> routes)
    {
        var request = context.Request;
        var allowed = new List<string>();
        foreach (var (matcher, methods) in routes)
        {
            if (!matcher.TryMatch(request.Path, []))
                continue;
            foreach (var method in methods)
            {
                if (string.Equals(method, request.Method, StringComparison.OrdinalIgnoreCase))
                {
                    return TypedResults.Problem(
                        statusCode: StatusCodes.Status415UnsupportedMediaType,
                        title: "The request body's content type is not supported.",
                        detail: "Send the body as JSON with Content-Type: application/json.");
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
        return TypedResults.Problem(
            statusCode: StatusCodes.Status404NotFound,
            title: "No API endpoint has this path.",
            detail: "The API is described at /openapi/v1.json.");
    }
}
