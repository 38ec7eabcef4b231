using System.Globalization;
using Microsoft.Net.Http.Headers;

namespace Redirector.Hosting;

/// <summary>
/// Requests whose headers ASP.NET Core cannot read without throwing are answered here with a 4xx, before anything
/// reads them: a <c>Host</c> (or a forwarded host) that is punycode but no valid IDN name (<c>xn--zz.com</c>:
/// <see cref="HttpRequest.Host"/> throws <see cref="ArgumentException"/>), and an API body declared as JSON in a
/// charset other than UTF-8 (RFC 8259 section 8.1: JSON exchanged between systems is UTF-8; the framework throws for
/// a charset it does not know).
/// </summary>
public static class UnreadableRequests
{
    private static readonly IdnMapping Idn = new();

    public static IApplicationBuilder UseUnreadableRequestChecks(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            var request = context.Request;
            if (!IsReadableHost(request.Headers.Host) || !IsReadableHost(request.Headers["X-Forwarded-Host"]))
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return context.Response.WriteAsync("The Host header is not a valid host name.");
            }
            if (request.Path.StartsWithSegments("/api") && !IsUtf8IfJson(request.ContentType))
            {
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status415UnsupportedMediaType,
                    title: "The request body's charset is not supported.",
                    detail: "Send JSON as UTF-8: Content-Type: application/json, with no charset or charset=utf-8.").ExecuteAsync(context);
            }
            return next(context);
        });

    /// <summary>
    /// Whether every host in the header (a forwarded one may list several) decodes: only labels starting with
    /// <c>xn--</c> are decoded by the framework, so only hosts holding one are tried.
    /// </summary>
    internal static bool IsReadableHost(Microsoft.Extensions.Primitives.StringValues values)
    {
        foreach (var value in values)
        {
            if (value is null || !value.Contains("xn--", StringComparison.OrdinalIgnoreCase))
                continue;
            foreach (var host in value.Split(','))
            {
                var name = host.Trim();
                var port = name.LastIndexOf(':');
                if (port > 0 && !name.StartsWith('['))
                    name = name[..port];
                if (!TryDecode(name))
                    return false;
            }
        }
        return true;
    }

    private static bool TryDecode(string name)
    {
        try
        {
            Idn.GetUnicode(name);
            return true;
        }
        catch (ArgumentException)
        {
            // IdnMapping has no Try method; this is the exception HostString.FromUriComponent lets through.
            return false;
        }
    }

    private static bool IsUtf8IfJson(string? contentType)
    {
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var media) || media.Charset.Length == 0)
            return true;
        var json = media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase);
        return !json || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || media.Charset.Equals("utf8", StringComparison.OrdinalIgnoreCase);
    }
}
