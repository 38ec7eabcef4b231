using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Redirector.Api;
using Redirector.Links;
using Redirector.Sites;

namespace Redirector.Tracking;

public sealed record SiteResponse(
    string Key,
    string Name,
    IReadOnlyList<string> Hosts,
    bool AllowSubdomains,
    string Snippet,
    DateTime CreatedAt,
    DateTime UpdatedAt);

/// <summary>/api/sites: the websites whose outbound links are tracked.</summary>
public static class SitesApi
{
    public static RouteGroupBuilder MapSitesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapApiGroup("/api/sites", "Sites");

        group.MapPost("/", CreateSite);
        group.MapGet("/", ListSites);
        group.MapGet("/{key}", GetSite);
        group.MapPatch("/{key}", UpdateSite);
        group.MapDelete("/{key}", DeleteSite);
        return group;
    }

    /// <summary>Registers a site: 400 for a bad name or host, 409 (<see cref="HostTaken"/>) for a host another site has.</summary>
    public static async Task<Results<Created<SiteResponse>, ValidationProblem, ProblemHttpResult>> CreateSite(
        CreateSiteRequest request, SiteCatalog catalog, ShortUrls urls, HttpContext context, CancellationToken ct)
    {
        var outcome = await catalog.CreateAsync(request, ct);
        return outcome.Kind switch
        {
            SiteOutcomeKind.Saved => TypedResults.Created($"/api/sites/{outcome.Site!.Key}", ToResponse(outcome.Site, urls, context)),
            SiteOutcomeKind.HostTaken => HostTaken(outcome),
            _ => TypedResults.ValidationProblem(outcome.Errors!, title: "The site is not valid."),
        };
    }

    public static async Task<Ok<IReadOnlyList<SiteResponse>>> ListSites(SiteCatalog catalog, ShortUrls urls, HttpContext context, CancellationToken ct) =>
        TypedResults.Ok<IReadOnlyList<SiteResponse>>((await catalog.ListAsync(ct)).Select(s => ToResponse(s, urls, context)).ToList());

    public static async Task<Results<Ok<SiteResponse>, NotFound<ProblemDetails>>> GetSite(
        string key, SiteCatalog catalog, ShortUrls urls, HttpContext context, CancellationToken ct) =>
        await catalog.FindAsync(key, ct) is { } site ? TypedResults.Ok(ToResponse(site, urls, context)) : TypedResults.NotFound(UnknownSite(key));

    /// <summary>Changes the properties given: 400 for a bad one, 409 (<see cref="HostTaken"/>) for a host another site has.</summary>
    public static async Task<Results<Ok<SiteResponse>, NotFound<ProblemDetails>, ValidationProblem, ProblemHttpResult>> UpdateSite(
        string key, UpdateSiteRequest request, SiteCatalog catalog, ShortUrls urls, HttpContext context, CancellationToken ct)
    {
        var outcome = await catalog.UpdateAsync(key, request, ct);
        return outcome.Kind switch
        {
            SiteOutcomeKind.Saved => TypedResults.Ok(ToResponse(outcome.Site!, urls, context)),
            SiteOutcomeKind.NotFound => TypedResults.NotFound(UnknownSite(key)),
            SiteOutcomeKind.HostTaken => HostTaken(outcome),
            _ => TypedResults.ValidationProblem(outcome.Errors!, title: "The change is not valid."),
        };
    }

    /// <summary>The 409 of a host another site has: the catalogue's error (naming that site) as detail and under <c>errors.hosts</c>.</summary>
    private static ProblemHttpResult HostTaken(SiteOutcome outcome) => TypedResults.Problem(
        title: "A host belongs to another site.",
        detail: outcome.Errors!["hosts"][0],
        statusCode: StatusCodes.Status409Conflict,
        extensions: new Dictionary<string, object?> { ["errors"] = outcome.Errors });

    public static async Task<Results<NoContent, NotFound<ProblemDetails>>> DeleteSite(string key, SiteCatalog catalog, CancellationToken ct) =>
        await catalog.DeleteAsync(key, ct) ? TypedResults.NoContent() : TypedResults.NotFound(UnknownSite(key));

    public static SiteResponse ToResponse(Site site, ShortUrls urls, HttpContext context) => new(
        site.Key, site.Name, site.Hosts, site.AllowSubdomains,
        TrackerSnippet.For(urls.For(context.Request, TrackerSnippet.ScriptPath), site.Key),
        site.CreatedAt, site.UpdatedAt);

    public static ProblemDetails UnknownSite(string key) => new()
    {
        Status = StatusCodes.Status404NotFound,
        Title = "No site has this key.",
        Detail = $"'{(key.Length > 64 ? key[..64] + "…" : key)}' is not a site key.",
    };
}
