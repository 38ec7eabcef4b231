using System.Text;
using Microsoft.Extensions.Primitives;
using Redirector.Clicks;
using Redirector.Links;
using Redirector.UserAgents;

namespace Redirector.Redirects;

/// <summary>
/// The hot path: GET and HEAD /{slug}. It resolves the link from memory, answers the redirect and hands the
/// click to the tracker; no database or Redis call happens here.
/// </summary>
public static class RedirectEndpoints
{
    // A redirect served from a cache is a click nobody counts.
    private static readonly StringValues NoStore = "private, no-store";
    private const string RobotsHeader = "X-Robots-Tag";
    private static readonly StringValues NoIndex = "noindex";
    private static readonly StringValues Html = "text/html; charset=utf-8";
    private static readonly byte[] NotFoundPage = Encoding.UTF8.GetBytes(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">" +
        "<title>Link not found</title><style>body{font:16px/1.5 system-ui,sans-serif;color:#334;display:grid;place-items:center;" +
        "min-height:90vh;margin:0}main{text-align:center}h1{font-size:1.4rem}</style><main><h1>This link does not exist</h1>" +
        "<p>It may have expired or been switched off.</p></main></html>");

    public static IEndpointRouteBuilder MapRedirects(this IEndpointRouteBuilder app)
    {
        var cache = app.ServiceProvider.GetRequiredService<LinkCache>();
        var tracker = app.ServiceProvider.GetRequiredService<ClickTracker>();
        var time = app.ServiceProvider.GetRequiredService<TimeProvider>();
        var agents = app.ServiceProvider.GetRequiredService<CachedUserAgentParser>();

        app.MapMethods("/{slug}", [HttpMethods.Get, HttpMethods.Head], context => Redirect(context, cache, tracker, time, agents))
            .WithName("Redirect")
            .ExcludeFromDescription()
            .ShortCircuit();
        // Anything else that no route claims gets the same small page as an unknown slug.
        app.MapFallback(NotFound).ExcludeFromDescription();
        return app;
    }

    private static Task Redirect(HttpContext context, LinkCache cache, ClickTracker tracker, TimeProvider time, CachedUserAgentParser agents)
    {
        var slug = context.Request.RouteValues["slug"] as string;
        if (slug is null || !cache.TryGet(slug, out var target))
            return NotFound(context);

        if (ClickTracker.IsPrefetch(context.Request.Headers))
            return RefusePrefetch(context);

        var refusal = target.RefusalAt(time.GetUtcNow().UtcDateTime);
        // Only a person's GET is a click that uses up the maximum; HEAD requests and bots are answered from what is left.
        if (refusal == Refusal.None && target.Allowance is { } allowance && HttpMethods.IsGet(context.Request.Method) &&
            !agents.Parse(ClickTracker.CappedUserAgent(context.Request.Headers)).IsBot && !allowance.TryTake())
            refusal = Refusal.MaxClicks;
        if (refusal != Refusal.None)
            return Refuse(context, target, refusal, tracker);

        var response = context.Response;
        response.StatusCode = target.StatusCode;
        var headers = response.Headers;
        headers.Location = context.Request.QueryString.HasValue
            ? RedirectLocation.Build(target, context.Request.QueryString.Value)
            : target.Location;
        headers.CacheControl = NoStore;
        headers[RobotsHeader] = NoIndex;
        tracker.Track(context, target);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A link that may not redirect now (disabled, expired, not yet valid, used up) sends visitors to its expired URL
    /// when it has one, else answers the 404 page. The visit is counted apart (the <c>refused</c> breakdown), never as a click.
    /// </summary>
    private static Task Refuse(HttpContext context, RedirectTarget target, Refusal refusal, ClickTracker tracker)
    {
        tracker.TrackRefused(context, target, refusal);
        if (target.ExpiredLocation is not { } location)
            return NotFound(context);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status302Found;
        response.Headers.Location = location;
        response.Headers.CacheControl = NoStore;
        response.Headers[RobotsHeader] = NoIndex;
        return Task.CompletedTask;
    }

    /// <summary>
    /// A browser prefetch (speculation rules, <c>&lt;link rel=prefetch&gt;</c>) of a tracked link gets 503 with no-store, no
    /// redirect. Chromium keeps a successful prefetch, a 302 included, and serves the navigation from it without asking
    /// again, so the click would never be counted; a non-2xx/3xx answer is discarded, and the navigation that follows
    /// (if any) is an ordinary, counted request. 503 is what the speculation-rules authors advise for declining a
    /// prefetch (WICG nav-speculation issue 138). The price: the prefetch saves the visitor nothing.
    /// </summary>
    public static Task RefusePrefetch(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.Headers.CacheControl = NoStore;
        response.Headers[RobotsHeader] = NoIndex;
        response.ContentLength = 0;
        return Task.CompletedTask;
    }

    public static Task NotFound(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status404NotFound;
        response.Headers.CacheControl = NoStore;
        response.Headers[RobotsHeader] = NoIndex;
        response.ContentType = Html;
        if (HttpMethods.IsHead(context.Request.Method))
            return Task.CompletedTask;
        response.ContentLength = NotFoundPage.Length;
        return response.Body.WriteAsync(NotFoundPage).AsTask();
    }
}
