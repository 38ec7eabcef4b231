using Microsoft.AspNetCore.Http;
using Redirector.Links;

namespace Redirector.Qr;

/// <summary>
/// The query of a QR code request (<c>GET /api/links/{slug}/qr</c> and the admin's <c>/admin/qr/{slug}</c>), bound as
/// text so that every bad value gets its own message from <see cref="QrStyle.TryParse"/> instead of a binding error.
/// <see cref="Logo"/> is "false" to leave out the link's logo (default: drawn when the link has one).
/// </summary>
public sealed record QrQuery(string? Format, string? Size, string? Margin, string? Fg, string? Bg, string? Ecc, string? Logo);

public enum QrOutcomeKind { Drawn, UnknownLink, Invalid }

/// <summary>A drawn code, or why not: an unknown slug, or errors keyed by the query parameter at fault.</summary>
public sealed record QrOutcome(QrOutcomeKind Kind, QrImage? Image = null, Dictionary<string, string[]>? Errors = null);

/// <summary>Draws the QR code of a link: its short URL with the QR marker (<see cref="QrMarker"/>), in the asked style, with its logo.</summary>
public sealed class QrCodes(LinkCatalog catalog, QrLogos logos, ShortUrls shortUrls)
{
    /// <param name="domain">The link's domain key: empty for the default domain, else the registered host.</param>
    public async Task<QrOutcome> DrawAsync(string domain, string slug, QrQuery query, QrFieldNames names, HttpRequest request, CancellationToken ct)
    {
        var valid = QrStyle.TryParse(query.Format, query.Size, query.Margin, query.Fg, query.Bg, query.Ecc, names, out var style, out var errors);
        var withLogo = true;
        if (!string.IsNullOrEmpty(query.Logo) && !bool.TryParse(query.Logo, out withLogo))
        {
            errors["logo"] = ["logo must be true or false."];
            valid = false;
        }
        if (await catalog.FindAsync(domain, slug, ct) is not { } link)
            return new QrOutcome(QrOutcomeKind.UnknownLink);
        if (!valid)
            return new QrOutcome(QrOutcomeKind.Invalid, Errors: errors);
        var logo = withLogo ? await logos.FindAsync(link.Id, ct) : null;
        return QrRenderer.TryRender(QrMarker.Mark(shortUrls.For(request, link.Slug, link.Domain)), style, logo, out var image, out errors)
            ? new QrOutcome(QrOutcomeKind.Drawn, image)
            : new QrOutcome(QrOutcomeKind.Invalid, Errors: errors);
    }
}
