using Microsoft.Extensions.Primitives;

namespace Redirector.Api;

public static class SecurityHeaders
{
    private static readonly StringValues NoSniff = "nosniff";

    /// <summary>
    /// Every answer forbids MIME sniffing, so no body (the 404 page, the "you are leaving" page, the sign-in form,
    /// admin pages, problem details) is ever run as another type than the one it declares. It must come before
    /// routing: short-circuited endpoints (the redirect, the 404 for unknown slugs) skip everything after it.
    /// </summary>
    public static IApplicationBuilder UseNoSniff(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            context.Response.Headers.XContentTypeOptions = NoSniff;
            return next(context);
        });

    /// <summary>API answers are data, never pages: no sniffing, no framing, no referrer leaks.</summary>
    public static IApplicationBuilder UseApiSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/openapi"))
            {
                var headers = context.Response.Headers;
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
                headers.CacheControl = "no-store";
            }
            return next(context);
        });
}
