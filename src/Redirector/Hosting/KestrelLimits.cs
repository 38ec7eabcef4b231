using System.Text;

namespace Redirector.Hosting;

public static class KestrelLimits
{
    private static readonly Encoding LenientUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>
    /// Redirects must answer whatever clients send. Header values are decoded as UTF-8 with invalid bytes
    /// replaced (Kestrel would otherwise answer 400 to a stray byte in a Referer), and request lines may be
    /// long enough for a 10 KB path to reach the uniform 404 instead of a 414.
    /// </summary>
    public static IHostApplicationBuilder AddLenientRequestParsing(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(options =>
        {
            options.RequestHeaderEncodingSelector = _ => LenientUtf8;
            options.Limits.MaxRequestLineSize = 16 * 1024;
            options.Limits.MaxRequestHeadersTotalSize = 64 * 1024;
        });
        return builder;
    }
}
