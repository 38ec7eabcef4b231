using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Redirector.Api;
using Redirector.Domains;
using Redirector.Links;
using Redirector.Qr;

namespace Redirector.Qr;

/// <summary>The logo a link's QR codes carry: its type, its size in bytes and when it was uploaded (UTC).</summary>
public sealed record QrLogoResponse(string ContentType, int Bytes, DateTime UpdatedAt);

/// <summary>
/// /api/links/{slug}/qr: a link's QR code as PNG, SVG or PDF in the asked style (see <see cref="QrStyle"/>), and the
/// logo drawn in its centre. The code encodes the short URL with the QR marker, <c>?qr=1</c>. A link on another domain
/// than the default one is named with <c>?domain=HOST</c>.
/// </summary>
public static class QrApi
{
    public static RouteGroupBuilder MapQrApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapApiGroup("/api/links/{slug}/qr", "QR codes");

        group.MapGet("/", GetCode);
        group.MapGet("/logo", GetLogo);
        group.MapPut("/logo", PutLogo);
        group.MapDelete("/logo", DeleteLogo);
        return group;
    }

    /// <summary>
    /// The code as a file named {slug}.{png|svg|pdf}. 400 (problem details keyed by parameter) for a bad format, size,
    /// margin, colour, contrast or ECC, a size too small for the code, or a logo the format cannot carry.
    /// </summary>
    public static async Task<Results<FileContentHttpResult, NotFound<ProblemDetails>, ValidationProblem>> GetCode(
        string slug, [AsParameters] QrQuery query, QrCodes codes, DomainCatalog domains, ShortUrls shortUrls, HttpRequest request, CancellationToken ct, string? domain = null)
    {
        var key = LinksApi.DomainKeyOf(domain, domains, shortUrls, request);
        var outcome = await codes.DrawAsync(key, slug, query, QrFieldNames.Query, request, ct);
        return outcome.Kind switch
        {
            QrOutcomeKind.Drawn => TypedResults.File(outcome.Image!.Content, outcome.Image.ContentType, $"{slug}.{outcome.Image.Extension}"),
            QrOutcomeKind.UnknownLink => TypedResults.NotFound(await LinksApi.UnknownLinkAsync(slug, domain, key, domains, ct)),
            _ => TypedResults.ValidationProblem(outcome.Errors!, title: "The QR code options are not valid."),
        };
    }

    public static async Task<Results<FileContentHttpResult, NotFound<ProblemDetails>>> GetLogo(
        string slug, LinkCatalog catalog, DomainCatalog domains, ShortUrls shortUrls, HttpRequest request, QrLogos logos, CancellationToken ct, string? domain = null)
    {
        var (link, notFound) = await LinksApi.FindAsync(slug, domain, catalog, domains, shortUrls, request, ct);
        if (link is null)
            return TypedResults.NotFound(notFound);
        return await logos.FindAsync(link.Id, ct) is { } logo
            ? TypedResults.File(logo.Content, logo.ContentType)
            : TypedResults.NotFound(NoLogo(slug));
    }

    /// <summary>
    /// Uploads the logo as the raw request body (a PNG or an SVG, at most <see cref="QrLogoFile.MaxBytes"/> bytes;
    /// the type is read from the bytes), replacing any previous one. 400 for a file that is neither, an unsafe SVG
    /// or a PNG too big in pixels; 413 beyond the byte cap.
    /// </summary>
    public static async Task<Results<Ok<QrLogoResponse>, NotFound<ProblemDetails>, ValidationProblem, ProblemHttpResult>> PutLogo(
        string slug, LinkCatalog catalog, DomainCatalog domains, ShortUrls shortUrls, QrLogos logos, TimeProvider time, HttpRequest request, CancellationToken ct, string? domain = null)
    {
        var (link, notFound) = await LinksApi.FindAsync(slug, domain, catalog, domains, shortUrls, request, ct);
        if (link is null)
            return TypedResults.NotFound(notFound);
        if (await CappedBodies.ReadAsync(request, QrLogoFile.MaxBytes, ct) is not { } body)
        {
            return TypedResults.Problem(
                title: "The logo is too large.",
                detail: $"A logo may have at most {QrLogoFile.MaxBytes / 1024} KiB.",
                statusCode: StatusCodes.Status413PayloadTooLarge);
        }
        if (!QrLogoFile.TryRead(body, out var file, out var error))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["logo"] = [error] }, title: "The logo is not accepted.");
        await logos.SaveAsync(link.Id, file, ct);
        return TypedResults.Ok(new QrLogoResponse(file.ContentType, file.Content.Length, time.GetUtcNow().UtcDateTime));
    }

    public static async Task<Results<NoContent, NotFound<ProblemDetails>>> DeleteLogo(
        string slug, LinkCatalog catalog, DomainCatalog domains, ShortUrls shortUrls, HttpRequest request, QrLogos logos, CancellationToken ct, string? domain = null)
    {
        var (link, notFound) = await LinksApi.FindAsync(slug, domain, catalog, domains, shortUrls, request, ct);
        if (link is null)
            return TypedResults.NotFound(notFound);
        return await logos.DeleteAsync(link.Id, ct) ? TypedResults.NoContent() : TypedResults.NotFound(NoLogo(slug));
    }

    private static ProblemDetails NoLogo(string slug) => new()
    {
        Status = StatusCodes.Status404NotFound,
        Title = "The link has no QR logo.",
        Detail = $"Upload one with PUT /api/links/{(slug.Length > 64 ? slug[..64] + "…" : slug)}/qr/logo.",
    };
}
