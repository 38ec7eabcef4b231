using Microsoft.AspNetCore.DataProtection;
using Redirector.Analytics;

namespace Redirector.Tracking;

public static class OutboundServices
{
    public const string ApplicationName = "Redirector";

    /// <summary>Sites, the tracker script, page views, signed outbound URLs and the server-side rewriter.</summary>
    public static IHostApplicationBuilder AddOutboundTracking(this IHostApplicationBuilder builder)
    {
        var keys = KeyDirectory(builder.Configuration);
        // The admin area configures Data Protection the same way; repeating it with the same name and folder is harmless.
        builder.Services.AddDataProtection().SetApplicationName(ApplicationName).PersistKeysToFileSystem(new DirectoryInfo(keys));
        builder.Services.AddSingleton(sp => new OutboundSigner(sp.GetRequiredService<IDataProtectionProvider>(), keys));
        builder.Services.AddSingleton<TrackerScript>();
        builder.Services.AddSingleton<OutboundRewriter>();
        return builder;
    }

    public static IEndpointRouteBuilder MapOutbound(this IEndpointRouteBuilder app)
    {
        app.MapSitesApi();
        app.MapRewriteApi();
        app.MapTracking();
        return app;
    }

    /// <summary>The Data Protection key ring lives in the data directory; nodes that sign alike must share it.</summary>
    public static string KeyDirectory(IConfiguration configuration) =>
        Path.GetFullPath(Path.Combine(configuration["Analytics:DataDirectory"] ?? new AnalyticsOptions().DataDirectory, "keys"));
}
