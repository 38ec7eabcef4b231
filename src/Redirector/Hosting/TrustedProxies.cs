using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Redirector.Settings;

namespace Redirector.Hosting;

/// <summary>Proxies whose X-Forwarded-* headers are believed (section "Proxy").</summary>
public sealed class ProxyOptions
{
    /// <summary>
    /// Addresses of trusted proxies, e.g. ["10.0.0.5"]: <c>Proxy:KnownProxies:0</c>, <c>:1</c>... or one value,
    /// <c>Proxy:KnownProxies</c>, listing them separated by commas.
    /// </summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks of trusted proxies in CIDR form, e.g. ["10.0.0.0/8"], given as <see cref="KnownProxies"/> are.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>How many proxies stand in front of the service.</summary>
    public int ForwardLimit { get; set; } = 1;
}

public static class TrustedProxies
{
    /// <summary>
    /// The visitor hash and the rate limits key on the client address, so X-Forwarded-For must only be read
    /// from proxies the operator named. ASP.NET trusts loopback by default; that default is removed, and with
    /// no proxy named the headers are not read at all (empty lists would make the middleware trust anyone).
    /// </summary>
    public static IHostApplicationBuilder AddTrustedProxies(this IHostApplicationBuilder builder)
    {
        var proxy = builder.Configuration.GetSettings<ProxyOptions>("Proxy");
        var failures = new List<string>();
        var addresses = Parse<IPAddress>(builder.Configuration, proxy.KnownProxies, "Proxy:KnownProxies", "an IP address (e.g. 10.0.0.5)", failures);
        var networks = Parse<System.Net.IPNetwork>(builder.Configuration, proxy.KnownNetworks, "Proxy:KnownNetworks", "a network in CIDR form (e.g. 10.0.0.0/8)", failures);
        // Reported at start together with every other bad setting (SettingsFailures), rather than thrown here before the
        // other sections are read.
        builder.Services.AddOptions<ProxyOptions>().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ProxyOptions>>(new ProxyFailures(failures));
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            var anyTrusted = addresses.Count > 0 || networks.Count > 0;
            options.ForwardedHeaders = anyTrusted
                ? ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost
                : ForwardedHeaders.None;
            options.ForwardLimit = proxy.ForwardLimit;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var address in addresses)
                options.KnownProxies.Add(address);
            foreach (var network in networks)
                options.KnownIPNetworks.Add(network);
        });
        return builder;
    }

    /// <summary>
    /// The parsed list at <paramref name="key"/>: its entries (<paramref name="texts"/>, key:0, key:1...) and the
    /// comma-separated items of a value at the key itself, which the binder leaves out of a list (so
    /// <c>Proxy__KnownProxies=10.0.0.5</c> would otherwise trust nobody without a word). Each that does not parse adds
    /// a failure naming its key ("Proxy:KnownProxies:0") to <paramref name="failures"/>.
    /// </summary>
    private static List<T> Parse<T>(IConfiguration configuration, List<string> texts, string key, string expected, List<string> failures) where T : IParsable<T>
    {
        var parsed = new List<T>(texts.Count);
        for (var i = 0; i < texts.Count; i++)
        {
            if (T.TryParse(texts[i], CultureInfo.InvariantCulture, out var value))
                parsed.Add(value);
            else
                failures.Add($"{key}:{i}: '{texts[i]}' is not {expected}");
        }
        foreach (var text in (configuration[key] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (T.TryParse(text, CultureInfo.InvariantCulture, out var value))
                parsed.Add(value);
            else
                failures.Add($"{key}: '{text}' is not {expected}");
        }
        return parsed;
    }

    private sealed class ProxyFailures(List<string> failures) : IValidateOptions<ProxyOptions>
    {
        public ValidateOptionsResult Validate(string? name, ProxyOptions options) =>
            failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>
    /// Reads forwarded headers only when a proxy is configured: without one there is nothing to read, and the redirect
    /// path is spared the middleware. Malformed X-Forwarded-For entries are taken as absent first (<see cref="ForwardedAddresses"/>).
    /// </summary>
    public static IApplicationBuilder UseTrustedProxies(this IApplicationBuilder app)
    {
        var options = app.ApplicationServices.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value;
        if (options.ForwardedHeaders == ForwardedHeaders.None)
            return app;
        return app.Use((context, next) =>
        {
            ForwardedAddresses.MarkMalformed(context.Request);
            return next(context);
        }).UseForwardedHeaders();
    }
}
