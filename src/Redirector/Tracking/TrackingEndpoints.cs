using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Primitives;
using Redirector.Clicks;
using Redirector.Links;
using Redirector.Redirects;
using Redirector.Sites;

namespace Redirector.Tracking;

/// <summary>
/// The public side of outbound tracking: the tracker script, its page views and /out, the redirect for links that
/// leave a site. /out never redirects to a URL that neither carries a valid signature, nor was clicked on a page of
/// the site (by Referer), nor was confirmed by a person on the warning page; it reads sites from memory only.
/// </summary>
public static class TrackingEndpoints
{
    public const int MaxPageViewBytes = 4096;
    private const string NonceCookie = "rd_out";
    private static readonly TimeSpan ConfirmLifetime = TimeSpan.FromMinutes(10);
    private static readonly StringValues NoStore = "private, no-store";

    public static IEndpointRouteBuilder MapTracking(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/" + TrackerSnippet.ScriptPath, [HttpMethods.Get, HttpMethods.Head], ServeScript).ExcludeFromDescription().ShortCircuit();
        app.MapPost("/pv", CountPageView).ExcludeFromDescription().ShortCircuit();
        app.MapMethods("/out", [HttpMethods.Get, HttpMethods.Head], Out).ExcludeFromDescription().ShortCircuit();
        return app;
    }

    public static Task ServeScript(HttpContext context, TrackerScript script)
    {
        var response = context.Response;
        var headers = response.Headers;
        headers.ETag = script.ETag;
        headers.CacheControl = "public, max-age=3600";
        if (context.Request.Headers.IfNoneMatch == script.ETag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
        response.ContentType = "text/javascript; charset=utf-8";
        response.ContentLength = script.Content.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(script.Content).AsTask();
    }

    /// <summary>
    /// A page view from the script's sendBeacon: a text/plain body (no CORS preflight) holding {"site","url"}. The answer
    /// is never read by the browser, so errors are plain status codes.
    /// </summary>
    // Its own cap, not the server's body limit that a bare 413 is told of (KestrelLimits.BodyTooLarge).
    private static IResult PageViewTooLarge() => Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge,
        detail: $"A page view's body is at most {MaxPageViewBytes} bytes.");

    public static async Task<IResult> CountPageView(HttpContext context, SiteCache sites, ClickTracker tracker)
    {
        if (context.Request.ContentLength > MaxPageViewBytes)
            return PageViewTooLarge();
        var buffer = new byte[MaxPageViewBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted)) > 0)
            length += read;
        if (length > MaxPageViewBytes)
            return PageViewTooLarge();
        if (!TryReadPageView(buffer.AsSpan(0, length), out var siteKey, out var page) ||
            !sites.TryGet(siteKey, out var site) || !site.OwnsUrl(page))
            return Results.BadRequest();
        tracker.TrackPageView(context, page);
        return Results.NoContent();
    }

    private static bool TryReadPageView(ReadOnlySpan<byte> body, out string? site, out string? page)
    {
        site = page = null;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                var value = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
                if (name == "site")
                    site = value;
                else if (name == "url")
                    page = value;
            }
            return site is not null && page is not null;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public static Task Out(HttpContext context, SiteCache sites, OutboundSigner signer, ClickTracker tracker, TimeProvider time)
    {
        var query = context.Request.Query;
        string? url = query["url"], from = NullIfEmpty(query["from"]), text = NullIfEmpty(query["text"]), siteKey = query["site"];
        var signature = query["sig"].ToString();
        var response = context.Response;
        response.Headers.CacheControl = NoStore;
        response.Headers["X-Robots-Tag"] = "noindex";

        if (!DestinationUrl.TryNormalize(url, out var target, out _))
            return OutboundPages.Write(context, StatusCodes.Status400BadRequest, OutboundPages.Broken());
        var host = DestinationUrl.HostOf(target);
        if (!sites.TryGet(siteKey, out var site))
            return OutboundPages.Write(context, StatusCodes.Status404NotFound, OutboundPages.Refused(host, "it names a site this service does not know"));

        string? sourcePage;
        if (signature.Length > 0)
        {
            // A signature that does not verify is a link someone altered: it is never followed, not even after a warning.
            if (!signer.Verify(site.Key, url!, from, signature))
                return OutboundPages.Write(context, StatusCodes.Status400BadRequest, OutboundPages.Refused(host, "it was altered after it was made"));
            sourcePage = from;
        }
        else
        {
            var referrer = context.Request.Headers.Referer.ToString();
            var clickedOnSite = site.OwnsUrl(referrer);
            if (!clickedOnSite && !signer.VerifyConfirm(query["confirm"], context.Request.Cookies[NonceCookie], site.Key, url!, from, time.GetUtcNow()))
                return Interstitial(context, signer, site, url!, from, text, host, time);
            sourcePage = site.OwnsUrl(from) ? from : clickedOnSite ? referrer : null;
        }

        if (ClickTracker.IsPrefetch(context.Request.Headers))
            return RedirectEndpoints.RefusePrefetch(context);

        response.StatusCode = StatusCodes.Status302Found;
        response.Headers.Location = target;
        var utm = target.Contains("utm_", StringComparison.OrdinalIgnoreCase) ? RedirectLocation.Prepare(target, UtmTags.Empty).Utm : UtmTags.Empty;
        tracker.Track(context, linkId: null, DestinationUrl.DomainOf(target), utm, sourcePage, target, text);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The warning page: the real destination host, shown to a person, with a continue link that works only in this
    /// browser (its cookie nonce) for a few minutes. Nothing redirects by itself, and nothing is counted until continued.
    /// </summary>
    private static Task Interstitial(HttpContext context, OutboundSigner signer, SiteEntry site, string url, string? from, string? text, string host, TimeProvider time)
    {
        var nonce = context.Request.Cookies[NonceCookie] is { Length: 22 } existing ? existing : Nonce();
        context.Response.Cookies.Append(NonceCookie, nonce, new CookieOptions
        {
            HttpOnly = true,
            Secure = context.Request.IsHttps,
            SameSite = SameSiteMode.Strict,
            Path = context.Request.PathBase + "/out",
            MaxAge = ConfirmLifetime,
        });
        var token = signer.ConfirmToken(nonce, site.Key, url, from, time.GetUtcNow() + ConfirmLifetime);
        var continueUrl = context.Request.PathBase + "/out" + OutboundUrls.Query(site.Key, url, from, text, ("confirm", token));
        return OutboundPages.Write(context, StatusCodes.Status200OK, OutboundPages.Leaving(host, url, site.Name, continueUrl));
    }

    private static string Nonce() => Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    private static string? NullIfEmpty(StringValues value) => StringValues.IsNullOrEmpty(value) ? null : value.ToString();
}

/// <summary>Builds the query of a tracked /out URL, shared by the rewriter and the warning page.</summary>
public static class OutboundUrls
{
    public static string Query(string site, string url, string? from, string? text, (string Name, string Value)? proof = null)
    {
        var query = new QueryBuilder { { "site", site }, { "url", url } };
        if (from is not null)
            query.Add("from", from);
        if (!string.IsNullOrEmpty(text))
            query.Add("text", text);
        if (proof is { } p)
            query.Add(p.Name, p.Value);
        return query.ToQueryString().Value!;
    }
}

/// <summary>The small pages /out answers instead of a redirect. Every value is HTML-encoded.</summary>
internal static class OutboundPages
{
    private const string Style =
        "body{font:16px/1.5 system-ui,sans-serif;color:#223;display:grid;place-items:center;min-height:90vh;margin:0}" +
        "main{max-width:34rem;padding:1rem}h1{font-size:1.6rem;word-break:break-all}.u{color:#556;word-break:break-all;font-size:.9rem}" +
        "a.c{display:inline-block;padding:.5rem 1rem;background:#2450b2;color:#fff;border-radius:.3rem;text-decoration:none}";

    public static string Leaving(string host, string url, string siteName, string continueUrl) =>
        Document($"You are leaving for {host}",
            $"<p>You are leaving {Html(siteName)} for</p><h1>{Html(host)}</h1><p class=\"u\">{Html(url)}</p>" +
            $"<p><a class=\"c\" rel=\"noreferrer\" href=\"{Html(continueUrl)}\">Continue to {Html(host)}</a></p>" +
            "<p>If you did not expect to leave for this site, close this page.</p>");

    public static string Refused(string host, string reason) =>
        Document("This link cannot be followed",
            $"<h1>This link cannot be followed</h1><p>It points to <strong>{Html(host)}</strong>, but {Html(reason)}.</p>");

    public static string Broken() =>
        Document("This link is broken", "<h1>This link is broken</h1><p>It does not lead to a web address that can be opened.</p>");

    public static Task Write(HttpContext context, int status, string page)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "text/html; charset=utf-8";
        var headers = response.Headers;
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.WriteAsync(page);
    }

    private static string Document(string title, string body) =>
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">" +
        $"<meta name=\"robots\" content=\"noindex\"><title>{Html(title)}</title><style>{Style}</style><main>{body}</main></html>";

    private static string Html(string value) => HtmlEncoder.Default.Encode(value);
}
