using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Redirector.Clicks;
using Redirector.Domains;
using Redirector.Links;
using Redirector.Settings;
using Redirector.UserAgents;

namespace Redirector.Redirects;

/// <summary>
/// The hot path: GET and HEAD /{slug}. The request's host picks the short domain (an unregistered host is the default
/// domain), the slug the link, both from memory; it answers the redirect and hands the click to the tracker. No
/// database or Redis call happens on a hit; a link the cache does not hold is read through <see cref="LinkCacheLookup"/>
/// (one catalogue query shared by concurrent misses), and a catalogue that does not answer gets the visitor a 503.
/// Each domain also answers its root, unknown slugs and its well-known files.
/// </summary>
public static class RedirectEndpoints
{
    // A redirect served from a cache is a click nobody counts.
    private static readonly StringValues NoStore = "private, no-store";
    private const string RobotsHeader = "X-Robots-Tag";
    private static readonly StringValues NoIndex = "noindex";
    private static readonly StringValues Html = "text/html; charset=utf-8";
    private static readonly StringValues Json = "application/json";
    private static readonly byte[] NotFoundPage = Encoding.UTF8.GetBytes(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">" +
        "<title>Link not found</title><style>body{font:16px/1.5 system-ui,sans-serif;color:#334;display:grid;place-items:center;" +
        "min-height:90vh;margin:0}main{text-align:center}h1{font-size:1.4rem}</style><main><h1>This link does not exist</h1>" +
        "<p>It may have expired or been switched off.</p></main></html>");

    /// <summary>The services of the redirect path besides the link cache and the click tracker: password attempts.</summary>
    public static IHostApplicationBuilder AddRedirects(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<LinkPasswordOptions>().BindSettings("Links:Passwords").ValidateOnStart();
        builder.Services.AddSingleton<LinkPasswordAttempts>();
        return builder;
    }

    /// <summary>
    /// Answers GET and HEAD /{slug} for a link the cache holds before routing runs, as the routed redirect endpoint
    /// would: routing's matcher over every endpoint of the app cost about 0.4 us of a hot link's request (bench/README.md,
    /// "Held links answered before routing"). Goes after the trusted-proxy rules, whose host and client address it
    /// reads, and before <c>UseRouting</c>. Every other request, a slug the cache does not hold included, goes on to
    /// routing, so misses, read-through and unknown slugs keep one path. A held link cannot hide a route: route names
    /// are reserved as slugs (<see cref="Slugs"/>) and a path of more than one segment is never a slug.
    /// </summary>
    public static IApplicationBuilder UseHeldLinkRedirects(this IApplicationBuilder app)
    {
        var services = app.ApplicationServices;
        var cache = services.GetRequiredService<LinkCache>();
        var tracker = services.GetRequiredService<ClickTracker>();
        var time = services.GetRequiredService<TimeProvider>();
        var agents = services.GetRequiredService<CachedUserAgentParser>();
        var chooser = services.GetRequiredService<TargetChooser>();
        return app.Use((context, next) =>
        {
            var request = context.Request;
            if (request.Path.Value is { Length: > 1 } path && Slugs.IsWellFormed(path.AsSpan(1))
                && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)))
            {
                var domain = cache.ForHost(HostOf(context));
                if (domain.TryGet(path.AsSpan(1), out var target))
                    return Redirect(context, domain, target, tracker, time, agents, chooser);
            }
            return next(context);
        });
    }

    public static IEndpointRouteBuilder MapRedirects(this IEndpointRouteBuilder app)
    {
        var cache = app.ServiceProvider.GetRequiredService<LinkCache>();
        var tracker = app.ServiceProvider.GetRequiredService<ClickTracker>();
        var time = app.ServiceProvider.GetRequiredService<TimeProvider>();
        var agents = app.ServiceProvider.GetRequiredService<CachedUserAgentParser>();
        var attempts = app.ServiceProvider.GetRequiredService<LinkPasswordAttempts>();
        var chooser = app.ServiceProvider.GetRequiredService<TargetChooser>();
        var lookup = app.ServiceProvider.GetRequiredService<LinkCacheLookup>();

        app.MapMethods("/", [HttpMethods.Get, HttpMethods.Head], context => Root(context, cache))
            .ExcludeFromDescription()
            .ShortCircuit();
        app.MapMethods("/.well-known/apple-app-site-association", [HttpMethods.Get, HttpMethods.Head],
                context => WellKnown(context, cache.ForHost(HostOf(context)).Settings?.AppleAppSiteAssociation))
            .ExcludeFromDescription()
            .ShortCircuit();
        app.MapMethods("/.well-known/assetlinks.json", [HttpMethods.Get, HttpMethods.Head],
                context => WellKnown(context, cache.ForHost(HostOf(context)).Settings?.AssetLinks))
            .ExcludeFromDescription()
            .ShortCircuit();
        app.MapMethods("/{slug}", [HttpMethods.Get, HttpMethods.Head], context => Redirect(context, cache, lookup, tracker, time, agents, chooser))
            .WithName("Redirect")
            .ExcludeFromDescription()
            .ShortCircuit();
        // Not short-circuited: the trusted-proxy rules must have run, since wrong passwords are limited per client address.
        app.MapPost("/{slug}", context => Unlock(context, cache, lookup, tracker, time, agents, attempts, chooser))
            .ExcludeFromDescription();
        // Anything else that no route claims gets the same small page as an unknown slug.
        app.MapFallback(NotFound).ExcludeFromDescription();
        return app;
    }

    private static Task Redirect(HttpContext context, LinkCache cache, LinkCacheLookup lookup, ClickTracker tracker, TimeProvider time,
        CachedUserAgentParser agents, TargetChooser chooser)
    {
        var domain = cache.ForHost(HostOf(context));
        if (context.Request.RouteValues["slug"] is not string slug)
            return UnknownSlug(context, domain);
        return domain.TryGet(slug, out var target)
            ? Redirect(context, domain, target, tracker, time, agents, chooser)
            : RedirectAfterLookup(context, domain, slug, lookup, tracker, time, agents, chooser);
    }

    private static async Task RedirectAfterLookup(HttpContext context, DomainLinks domain, string slug, LinkCacheLookup lookup, ClickTracker tracker,
        TimeProvider time, CachedUserAgentParser agents, TargetChooser chooser)
    {
        var found = await lookup.FindAsync(domain, slug);
        await (found switch
        {
            { Unavailable: true } => CatalogUnavailable(context),
            { Target: { } target } => Redirect(context, domain, target, tracker, time, agents, chooser),
            _ => UnknownSlug(context, domain),
        });
    }

    private static Task Redirect(HttpContext context, DomainLinks domain, RedirectTarget target, ClickTracker tracker, TimeProvider time,
        CachedUserAgentParser agents, TargetChooser chooser)
    {
        if (ClickTracker.IsPrefetch(context.Request.Headers))
            return RefusePrefetch(context);

        var refusal = target.RefusalAt(time.GetUtcNow().UtcDateTime);
        if (refusal != Refusal.None)
            return Refuse(context, domain, target, refusal, tracker);
        // Everyone, bots and link previews included, gets the form: the destination only answers the right password.
        if (target.PasswordHash is not null)
            return PasswordForm.Write(context, StatusCodes.Status200OK, context.Request.Headers.Referer.ToString(), error: null);
        if (target.PreviewPage is { } card && LinkPreviewAgents.Matches(context.Request.Headers.UserAgent.ToString()))
            return AnswerPreview(context, target, card, tracker);
        // Only a person's GET is a click that uses up the maximum; HEAD requests and bots are answered from what is left.
        if (target.Allowance is { } allowance && HttpMethods.IsGet(context.Request.Method) && !IsBot(context, agents) && !allowance.TryTake())
            return Refuse(context, domain, target, Refusal.MaxClicks, tracker);

        var chosen = target.IsTargeted ? chooser.Choose(context, target) : target;
        AnswerRedirect(context, chosen, target.StatusCode);
        tracker.Track(context, chosen);
        return Task.CompletedTask;
    }

    private static readonly FormOptions PasswordFormLimits = new()
    {
        ValueCountLimit = 8,
        KeyLengthLimit = 64,
        ValueLengthLimit = 4096,
        MultipartBodyLengthLimit = 16 * 1024,
        BufferBody = false,
    };

    /// <summary>
    /// POST /{slug}: the password form's answer. The right password answers 303 to the destination (never 307/308,
    /// which would post the password on to it) and counts the click; a wrong one answers the form again (403) and
    /// counts against the client's limit; bots get the form whatever they send.
    /// </summary>
    private static async Task Unlock(HttpContext context, LinkCache cache, LinkCacheLookup lookup, ClickTracker tracker, TimeProvider time,
        CachedUserAgentParser agents, LinkPasswordAttempts attempts, TargetChooser chooser)
    {
        var domain = cache.ForHost(HostOf(context));
        if (context.Request.RouteValues["slug"] is not string slug)
        {
            await NotFound(context);
            return;
        }
        var found = domain.TryGet(slug, out var held) ? new LinkLookup(held, false) : await lookup.FindAsync(domain, slug);
        if (found.Unavailable)
        {
            await CatalogUnavailable(context);
            return;
        }
        if (found.Target is not { PasswordHash: { } hash } target)
        {
            await NotFound(context);
            return;
        }
        var refusal = target.RefusalAt(time.GetUtcNow().UtcDateTime);
        if (refusal != Refusal.None)
        {
            await Refuse(context, domain, target, refusal, tracker);
            return;
        }
        var client = context.Connection.RemoteIpAddress;
        if (!attempts.MayTry(client))
        {
            context.Response.Headers.RetryAfter = "60";
            await PasswordForm.Write(context, StatusCodes.Status429TooManyRequests, null, "Too many wrong passwords from your network. Try again in a minute.");
            return;
        }
        if (!context.Request.HasFormContentType || context.Request.ContentLength > PasswordFormLimits.MultipartBodyLengthLimit)
        {
            await PasswordForm.Write(context, StatusCodes.Status400BadRequest, null, "Send the password through the form.");
            return;
        }
        IFormCollection form;
        try
        {
            form = await new FormFeature(context.Request, PasswordFormLimits).ReadFormAsync(context.RequestAborted);
        }
        catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException or IOException)
        {
            await PasswordForm.Write(context, StatusCodes.Status400BadRequest, null, "Send the password through the form.");
            return;
        }
        var referrer = form[PasswordForm.ReferrerField].ToString();
        if (!LinkPasswords.Verify(hash, form[PasswordForm.PasswordField].ToString()))
        {
            attempts.RecordWrong(client);
            await PasswordForm.Write(context, StatusCodes.Status403Forbidden, referrer, "That password is not right.");
            return;
        }
        if (IsBot(context, agents))
        {
            await PasswordForm.Write(context, StatusCodes.Status200OK, referrer, error: null);
            return;
        }
        if (target.Allowance is { } allowance && !allowance.TryTake())
        {
            await Refuse(context, domain, target, Refusal.MaxClicks, tracker);
            return;
        }
        var chosen = target.IsTargeted ? chooser.Choose(context, target) : target;
        AnswerRedirect(context, chosen, StatusCodes.Status303SeeOther);
        tracker.Track(context, chosen, referrer);
    }

    /// <summary>A link-preview agent gets the link's card instead of the redirect; it is counted as a bot, as when redirected.</summary>
    private static Task AnswerPreview(HttpContext context, RedirectTarget target, byte[] card, ClickTracker tracker)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = Html;
        response.Headers.CacheControl = NoStore;
        response.Headers[RobotsHeader] = NoIndex;
        response.Headers.ContentSecurityPolicy = "default-src 'none'";
        tracker.Track(context, target);
        if (HttpMethods.IsHead(context.Request.Method))
            return Task.CompletedTask;
        response.ContentLength = card.Length;
        return response.Body.WriteAsync(card).AsTask();
    }

    private static void AnswerRedirect(HttpContext context, RedirectTarget target, int status)
    {
        var response = context.Response;
        response.StatusCode = status;
        var headers = response.Headers;
        headers.Location = context.Request.QueryString.HasValue
            ? RedirectLocation.Build(target, context.Request.QueryString.Value)
            : target.Location;
        headers.CacheControl = NoStore;
        headers[RobotsHeader] = NoIndex;
    }

    private static bool IsBot(HttpContext context, CachedUserAgentParser agents) =>
        agents.Parse(ClickTracker.CappedUserAgent(context.Request.Headers)).IsBot;

    /// <summary>
    /// A link that may not redirect now (disabled, expired, not yet valid, used up) sends visitors to its expired URL,
    /// else its domain's, else answers the 404 page. The visit is counted apart (the <c>refused</c> breakdown), never
    /// as a click; a disabled link with nowhere to send visitors answers as if it did not exist, uncounted.
    /// </summary>
    private static Task Refuse(HttpContext context, DomainLinks domain, RedirectTarget target, Refusal refusal, ClickTracker tracker)
    {
        var location = target.ExpiredLocation ?? domain.Settings?.ExpiredLocation;
        if (location is null && refusal == Refusal.Disabled)
            return NotFound(context);
        tracker.TrackRefused(context, target, refusal);
        return location is null ? NotFound(context) : RedirectTo(context, location);
    }

    private static Task RedirectTo(HttpContext context, string location)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status302Found;
        response.Headers.Location = location;
        response.Headers.CacheControl = NoStore;
        response.Headers[RobotsHeader] = NoIndex;
        return Task.CompletedTask;
    }

    /// <summary>
    /// The link is not in memory and the catalogue did not answer in time: 503 with Retry-After, uncounted, so the
    /// visitor (or a crawler) tries again rather than taking the link for gone.
    /// </summary>
    private static Task CatalogUnavailable(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.Headers.RetryAfter = "5";
        response.Headers.CacheControl = NoStore;
        response.Headers[RobotsHeader] = NoIndex;
        response.ContentLength = 0;
        return Task.CompletedTask;
    }

    /// <summary>
    /// The host the request came to as the catalogue keys it, in ASCII (an internationalised name in punycode): the Host
    /// header as sent, which HttpRequest.Host's setter (the forwarded-headers rules) writes in that form too. Not
    /// HttpRequest.Host.Value, which decodes punycode ("bücher.example"), so that a link on such a domain was never found.
    /// </summary>
    private static string HostOf(HttpContext context) => context.Request.Headers.Host.ToString();

    /// <summary>An unknown slug goes to the domain's not-found URL when it has one, else gets the 404 page.</summary>
    private static Task UnknownSlug(HttpContext context, DomainLinks domain) =>
        domain.Settings?.NotFoundLocation is { } location ? RedirectTo(context, location) : NotFound(context);

    /// <summary><c>/</c> goes to the domain's root URL when it has one, else gets the 404 page.</summary>
    private static Task Root(HttpContext context, LinkCache cache) =>
        cache.ForHost(HostOf(context)).Settings?.RootLocation is { } location ? RedirectTo(context, location) : NotFound(context);

    /// <summary>
    /// A well-known document of the request's domain (apple-app-site-association, assetlinks.json) as application/json,
    /// which both Apple's and Google's verifiers require, without redirects (they follow none); 404 when not configured.
    /// </summary>
    private static Task WellKnown(HttpContext context, byte[]? document)
    {
        if (document is null)
            return NotFound(context);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = Json;
        response.ContentLength = document.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(document).AsTask();
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
