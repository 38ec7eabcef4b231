using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using QRCoder;
using Redirector.Links;

namespace Redirector.Admin.Exports;

/// <summary>A QR code of every short URL, as PNG (print, slides) and SVG (any size, design tools).</summary>
public static class QrEndpoints
{
    public static IEndpointRouteBuilder MapQrCodes(this IEndpointRouteBuilder app)
    {
        var qr = app.MapGroup("/admin/qr").RequireAuthorization(AdminServices.Policy).ExcludeFromDescription();
        qr.MapGet("/{slug}.png", Png);
        qr.MapGet("/{slug}.svg", Svg);
        return app;
    }

    public static async Task<Results<FileContentHttpResult, NotFound>> Png(string slug, LinkCatalog catalog, ShortUrls shortUrls, HttpRequest request, CancellationToken ct)
    {
        if (await CodeOfAsync(slug, catalog, shortUrls, request, ct) is not { } code)
            return TypedResults.NotFound();
        return TypedResults.File(new PngByteQRCode(code).GetGraphic(12), "image/png", $"{slug}.png");
    }

    public static async Task<Results<FileContentHttpResult, NotFound>> Svg(string slug, LinkCatalog catalog, ShortUrls shortUrls, HttpRequest request, CancellationToken ct)
    {
        if (await CodeOfAsync(slug, catalog, shortUrls, request, ct) is not { } code)
            return TypedResults.NotFound();
        var svg = new SvgQRCode(code).GetGraphic(8);
        return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(svg), "image/svg+xml", $"{slug}.svg");
    }

    private static async Task<QRCodeData?> CodeOfAsync(string slug, LinkCatalog catalog, ShortUrls shortUrls, HttpRequest request, CancellationToken ct)
    {
        if (await catalog.FindAsync(slug, ct) is null)
            return null;
        using var generator = new QRCodeGenerator();
        return generator.CreateQrCode(shortUrls.For(request, slug), QRCodeGenerator.ECCLevel.M);
    }
}
