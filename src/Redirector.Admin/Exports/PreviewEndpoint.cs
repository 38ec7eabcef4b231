using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Redirector.Admin.LinkList;

namespace Redirector.Admin.Exports;

/// <summary>The UTM builder's live preview: the form asks the server, so the preview follows the redirect's own rules.</summary>
public static class PreviewEndpoint
{
    public static IEndpointRouteBuilder MapUtmPreview(this IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/utm-preview", Preview).RequireAuthorization(AdminServices.EditorPolicy).ExcludeFromDescription();
        return app;
    }

    public static Ok<string> Preview(string? url, string? source, string? medium, string? campaign, string? term, string? content) =>
        TypedResults.Ok(new LinkForm
        {
            Url = url, UtmSource = source, UtmMedium = medium, UtmCampaign = campaign, UtmTerm = term, UtmContent = content,
        }.Preview() ?? "");
}
