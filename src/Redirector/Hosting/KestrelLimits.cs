using System.Text;

namespace Redirector.Hosting;

public static class KestrelLimits
{
    private static readonly Encoding LenientUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>
    /// Redirects must answer whatever clients send. Header values are decoded as UTF-8 with invalid bytes
    /// replaced (Kestrel would otherwise answer 400 to a stray byte in a Referer), and request lines may be
    /// long enough for a 10 KB path to reach the uniform 404 instead of a 414. Settings under <c>Kestrel</c>
    /// (<c>Kestrel:Limits:MaxRequestBodySize</c>, in bytes, 30,000,000 by default) override these: ASP.NET Core reads
    /// only the endpoints from that section by itself.
    /// </summary>
    public static IHostApplicationBuilder AddLenientRequestParsing(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(options =>
        {
            options.RequestHeaderEncodingSelector = _ => LenientUtf8;
            options.Limits.MaxRequestLineSize = 16 * 1024;
            options.Limits.MaxRequestHeadersTotalSize = 64 * 1024;
        });
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(builder.Configuration.GetSection("Kestrel"));
        return builder;
    }

    /// <summary>The detail of a 413: the request's body limit in bytes and the setting that raises it.</summary>
    public static string BodyTooLarge(HttpContext context) =>
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize is { } limit
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"The body is too large: this server reads at most {limit:N0} bytes of a request (setting Kestrel:Limits:MaxRequestBodySize).")
            : "The body is too large for this server (setting Kestrel:Limits:MaxRequestBodySize).";
}
