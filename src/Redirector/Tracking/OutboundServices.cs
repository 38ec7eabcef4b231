using Microsoft.AspNetCore.DataProtection;
using Redirector.Security;

namespace Redirector.Tracking;

public static class OutboundServices
{
    /// <summary>Sites, the tracker script, page views, signed outbound URLs and the server-side rewriter.</summary>
    public static IHostApplicationBuilder AddOutboundTracking(this IHostApplicationBuilder builder)
    {
        // The signing key is kept beside the persisted Data Protection key ring (AddPersistedDataProtection).
        var keys = DataProtectionServices.KeyDirectory(builder.Configuration);
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
}
