using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Redirector.Api;
using Redirector.Links;

namespace Redirector.Domains;

/// <summary>
/// A short domain as the API answers it. The well-known documents are answered as the JSON they hold; null when not
/// configured. <see cref="IsDefault"/> marks the host of <c>Redirector:BaseUrl</c>, whose links are the default domain's.
/// </summary>
public sealed record DomainResponse(
    string Host,
    bool IsDefault,
    string? RootUrl,
    string? NotFoundUrl,
    string? ExpiredUrl,
    JsonElement? AppleAppSiteAssociation,
    JsonElement? AssetLinks,
    DateTime CreatedAt,
    DateTime UpdatedAt);

/// <summary>/api/domains: register, list, read, change and remove short domains. Writes need an editor's key.</summary>
public static class DomainsApi
{
    public static RouteGroupBuilder MapDomainsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapApiGroup("/api/domains", "Domains");

        group.MapPost("/", CreateDomain);
        group.MapGet("/", ListDomains);
        group.MapGet("/{host}", GetDomain);
        group.MapPatch("/{host}", UpdateDomain);
        group.MapDelete("/{host}", DeleteDomain);
        return group;
    }

    /// <summary>201 with the domain; 400 (problem details keyed by field) for a host that is not a DNS name or a bad URL or document; 409 when the host is registered.</summary>
    public static async Task<Results<Created<DomainResponse>, ValidationProblem, Conflict<ProblemDetails>>> CreateDomain(
        CreateDomainRequest request, DomainCatalog catalog, LinkCache cache, CancellationToken ct)
    {
        var outcome = await catalog.CreateAsync(request, ct);
        return outcome.Kind switch
        {
            DomainOutcomeKind.Saved => TypedResults.Created($"/api/domains/{outcome.Domain!.Host}", ToResponse(outcome.Domain, cache)),
            DomainOutcomeKind.Invalid => TypedResults.ValidationProblem(outcome.Errors!, title: "The domain is not valid."),
            _ => TypedResults.Conflict(new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "The domain is already registered.",
                Detail = $"'{outcome.Domain!.Host}' is registered; change it with PATCH /api/domains/{outcome.Domain.Host}.",
            }),
        };
    }

    public static async Task<Ok<IReadOnlyList<DomainResponse>>> ListDomains(DomainCatalog catalog, LinkCache cache, CancellationToken ct) =>
        TypedResults.Ok<IReadOnlyList<DomainResponse>>((await catalog.ListAsync(ct)).Select(d => ToResponse(d, cache)).ToList());

    public static async Task<Results<Ok<DomainResponse>, NotFound<ProblemDetails>>> GetDomain(
        string host, DomainCatalog catalog, LinkCache cache, CancellationToken ct) =>
        await catalog.FindAsync(host, ct) is { } domain ? TypedResults.Ok(ToResponse(domain, cache)) : TypedResults.NotFound(Unknown(host));

    /// <summary>Changes the properties present in the body; <c>null</c> clears one. The host itself cannot change.</summary>
    public static async Task<Results<Ok<DomainResponse>, NotFound<ProblemDetails>, ValidationProblem>> UpdateDomain(
        string host, UpdateDomainRequest request, DomainCatalog catalog, LinkCache cache, CancellationToken ct)
    {
        var outcome = await catalog.UpdateAsync(host, request, ct);
        return outcome.Kind switch
        {
            DomainOutcomeKind.Saved => TypedResults.Ok(ToResponse(outcome.Domain!, cache)),
            DomainOutcomeKind.Invalid => TypedResults.ValidationProblem(outcome.Errors!, title: "The change is not valid."),
            _ => TypedResults.NotFound(Unknown(host)),
        };
    }

    /// <summary>204; 404 for an unknown host; 409 while links use the domain (delete or move them first).</summary>
    public static async Task<Results<NoContent, NotFound<ProblemDetails>, Conflict<ProblemDetails>>> DeleteDomain(
        string host, DomainCatalog catalog, CancellationToken ct)
    {
        var outcome = await catalog.DeleteAsync(host, ct);
        return outcome.Kind switch
        {
            DomainOutcomeKind.Saved => TypedResults.NoContent(),
            DomainOutcomeKind.InUse => TypedResults.Conflict(new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "Links use this domain.",
                Detail = $"{outcome.LinksUsingIt} link(s) live on '{Cap(host)}'; delete them first (GET /api/links?domain={Cap(host)} lists them).",
            }),
            _ => TypedResults.NotFound(Unknown(host)),
        };
    }

    public static DomainResponse ToResponse(ShortDomain domain, LinkCache cache) => new(
        domain.Host, cache.KeyOf(domain.Host).Length == 0, domain.RootUrl, domain.NotFoundUrl, domain.ExpiredUrl,
        Parse(domain.AppleAppSiteAssociation), Parse(domain.AssetLinks), domain.CreatedAt, domain.UpdatedAt);

    // Stored documents were validated as JSON when saved.
    private static JsonElement? Parse(string? json) => json is null ? null : JsonSerializer.Deserialize<JsonElement>(json);

    private static ProblemDetails Unknown(string host) => new()
    {
        Status = StatusCodes.Status404NotFound,
        Title = "No domain has this host.",
        Detail = $"'{Cap(host)}' is not a registered domain.",
    };

    private static string Cap(string text) => text.Length > 64 ? text[..64] + "…" : text;
}
