using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Text.Encodings.Web;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Redirector.Redirects;

public sealed class LinkPasswordOptions
{
    /// <summary>Wrong passwords one client address may send per minute, over all links; beyond it the form answers 429.</summary>
    [Range(1, 10_000)]
    public int WrongAttemptsPerMinute { get; set; } = 10;
}

/// <summary>
/// Wrong passwords per client address (after the trusted-proxy rules), in a fixed one-minute window. A right password
/// uses up nothing, but is not checked while the client is over its limit, so guessing costs a minute per few tries.
/// </summary>
public sealed class LinkPasswordAttempts(IOptions<LinkPasswordOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<IPAddress> _limiter = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address =>
        RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.Value.WrongAttemptsPerMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));

    /// <summary>Whether the client may try a password now (no attempt is used up by asking).</summary>
    public bool MayTry(IPAddress? client)
    {
        using var lease = _limiter.AttemptAcquire(client ?? IPAddress.None, 0);
        return lease.IsAcquired;
    }

    public void RecordWrong(IPAddress? client) => _limiter.AttemptAcquire(client ?? IPAddress.None).Dispose();

    public void Dispose() => _limiter.Dispose();
}

/// <summary>
/// The page a password link answers instead of its redirect: a form that posts the field <c>password</c> to the link's
/// own URL (the query string included, so UTM tags and forwarded parameters survive). No store, no index, no
/// third-party resource (the policy allows nothing but its own inline style), and never anything of the destination.
/// </summary>
internal static class PasswordForm
{
    /// <summary>The referrer the visitor came with, carried through the form so the click counts it rather than the form's URL.</summary>
    public const string ReferrerField = "referrer";

    public const string PasswordField = "password";

    private const int MaxReferrerLength = 1024;

    private const string Style =
        "body{font:16px/1.5 system-ui,sans-serif;color:#223;display:grid;place-items:center;min-height:90vh;margin:0}" +
        "main{max-width:24rem;padding:1rem}h1{font-size:1.4rem}label{display:block;margin:.5rem 0 .25rem}" +
        "input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}button{font:inherit;margin-top:.75rem;padding:.5rem 1rem;" +
        "background:#2450b2;color:#fff;border:0;border-radius:.3rem}.e{color:#a11}";

    public static Task Write(HttpContext context, int status, string? referrer, string? error)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "text/html; charset=utf-8";
        var headers = response.Headers;
        headers.CacheControl = "private, no-store";
        headers["X-Robots-Tag"] = "noindex";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        // No form-action: browsers apply it to the redirect that answers the form's POST too, and that goes to the
        // link's destination on another origin (Chromium blocked it). The page has no script to retarget the form.
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";
        if (HttpMethods.IsHead(context.Request.Method))
            return Task.CompletedTask;
        var errorLine = error is null ? "" : $"<p class=\"e\" role=\"alert\">{Html(error)}</p>";
        var carried = referrer is { Length: > 0 and <= MaxReferrerLength }
            ? $"<input type=\"hidden\" name=\"{ReferrerField}\" value=\"{Html(referrer)}\">"
            : "";
        return response.WriteAsync(
            "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">" +
            $"<meta name=\"robots\" content=\"noindex\"><title>Password required</title><style>{Style}</style><main>" +
            "<h1>This link is protected</h1><p>Enter the password you were given to continue.</p>" + errorLine +
            $"<form method=\"post\">{carried}<label for=\"password\">Password</label>" +
            $"<input id=\"password\" name=\"{PasswordField}\" type=\"password\" autocomplete=\"current-password\" required autofocus>" +
            "<button type=\"submit\">Continue</button></form></main></html>");
    }

    private static string Html(string value) => HtmlEncoder.Default.Encode(value);
}
