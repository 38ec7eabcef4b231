using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Redirector.Qr;

namespace Redirector.Admin.Exports;

/// <summary>
/// /admin/qr/{slug}(?domain=HOST): a link's QR code for the admin's QR studio (preview and downloads), with the same query as the
/// API's <c>GET /api/links/{slug}/qr</c>. A bad option answers 400 with the problem's text, naming the studio's fields as it labels them, which it shows.
/// </summary>
public static class QrEndpoints
{
    public static IEndpointRouteBuilder MapQrCodes(this IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/qr/{slug}", Code).RequireAuthorization(AdminServices.Policy).ExcludeFromDescription();
        return app;
    }

    public static async Task<Results<FileContentHttpResult, NotFound, ValidationProblem>> Code(
        string slug, [AsParameters] QrQuery query, QrCodes codes, Redirector.Domains.DomainCatalog domains, HttpRequest request, CancellationToken ct,
        string? domain = null)
    {
        var outcome = await codes.DrawAsync(domains.KeyForQuery(domain), slug, query, QrFieldNames.Labels, request, ct);
        return outcome.Kind switch
        {
            QrOutcomeKind.Drawn => TypedResults.File(outcome.Image!.Content, outcome.Image.ContentType, $"{slug}.{outcome.Image.Extension}"),
            QrOutcomeKind.UnknownLink => TypedResults.NotFound(),
            _ => TypedResults.ValidationProblem(outcome.Errors!, title: "The QR code options are not valid."),
        };
    }
}
