using Redirector.Security;

namespace Redirector.Tracking;

public static class OutboundServices
{
    /// <summary>Sites, the tracker script, page views, signed outbound URLs and the server-side rewriter.</summary>
    public static IHostApplicationBuilder AddOutboundTracking(this IHostApplicationBuilder builder)
    {
        // The rewriter and the /out endpoint sign synchronously, so the key is read (or made) once, when the signer
        // is first needed, which is after the catalogue was migrated at start.
        builder.Services.AddSingleton(sp => new OutboundSigner(sp.GetRequiredService<CatalogSecrets>()
            .GetOrCreateAsync(OutboundSigner.SecretName, OutboundSigner.KeyBytes).GetAwaiter().GetResult()));
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
