using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Microsoft.Net.Http.Headers;
using Redirector.Admin.Exports;
using Redirector.Admin.Import;
using Redirector.Api;
using Redirector.Domains;
using Redirector.Links;
using Redirector.Stats;
using Redirector.Text;

namespace Redirector.Links;

/// <summary>A link as the API answers it.</summary>
/// <param name="Clicks">
/// The link's all-time counted clicks (bots, HEAD requests and prefetches not counted), as the Redis counters hold
/// them and <c>sort=clicks</c> ranks them: 0 for a link never clicked, null while Redis is away (the link is still
/// answered). A click is counted once the click pipeline has passed it to Redis, within about a second.
/// </param>
public sealed record LinkResponse(
    string Slug,
    string Domain,
    string Url,
    string ShortUrl,
    string? Title,
    IReadOnlyList<string> Tags,
    UtmTags Utm,
    int RedirectType,
    bool Enabled,
    DateTime? ExpiresAt,
    DateTime? ValidFrom,
    long? MaxClicks,
    string? ExpiredUrl,
    bool HasPassword,
    IReadOnlyList<LinkRule>? Rules,
    IReadOnlyList<LinkVariant>? Variants,
    LinkPreview? Preview,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    int Version,
    [property: Description("All-time counted clicks (bots, HEAD requests and prefetches not counted), as sort=clicks ranks them; null while Redis, which holds the counts, is away.")]
    long? Clicks);

public sealed record LinkListResponse(IReadOnlyList<LinkResponse> Items, int Total, int Page, int PageSize);

/// <summary>What a CSV import did with one row of the file.</summary>
/// <param name="Line">The row's line in the file (1-based, the header is line 1; a quoted cell may span lines).</param>
/// <param name="Domain">The link's short domain as the API names it (<see cref="LinkResponse.Domain"/>).</param>
/// <param name="Slug">The link's slug: the row's, or the one generated for a row without one.</param>
public sealed record LinkImportRowResponse(
    int Line,
    string Domain,
    string Slug,
    string ShortUrl,
    [property: Description("What the import did with the row: created, updated (its link existed and the row changed it), unchanged (its link existed and already had the row's values) or skipped (its link existed and existing=skip).")]
    string Outcome);

/// <summary>A CSV import that was saved, all rows in one transaction: how many rows had each outcome, and every row's.</summary>
public sealed record LinkImportResponse(int Created, int Updated, int Unchanged, int Skipped, IReadOnlyList<LinkImportRowResponse> Rows);

/// <summary>
/// /api/links: create, list, read, change and delete tracked links. A link on another domain than the default one is
/// named with <c>?domain=HOST</c> (its slug alone names the default domain's link).
/// </summary>
public static class LinksApi
{
    public static RouteGroupBuilder MapLinksApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapApiGroup("/api/links", "Links");

        group.MapPost("/", CreateLink).RequireRateLimiting(ApiServices.LinkCreationPolicy);
        group.MapGet("/", ListLinks).AddOpenApiOperationTransformer(DescribeSort);
        group.MapGet("/{slug}", GetLink);
        group.MapPatch("/{slug}", UpdateLink);
        group.MapDelete("/{slug}", DeleteLink);
        // With a dot, which no slug has, so that the route hides no link's GET /api/links/{slug}.
        group.MapGet("/export.csv", ExportLinks).Produces<string>(StatusCodes.Status200OK, "text/csv");
        group.MapPost("/import", ImportLinks).Accepts<string>(CsvImportType).RequireRateLimiting(ApiServices.LinkCreationPolicy)
            .AddOpenApiOperationTransformer(DescribeExisting);
        return group;
    }

    /// <summary>The content type <see cref="ImportLinks"/> reads (RFC 7111); its charset is UTF-8 unless a byte order mark says UTF-16.</summary>
    private const string CsvImportType = "text/csv";

    /// <summary>
    /// The links CSV (docs/links.md: the admin's export, <see cref="LinkCsvExport"/>, one column per field) of the links
    /// the list's <c>search</c>, <c>tag</c> and <c>domain</c> match (every link without them), oldest first, as a file
    /// named links.csv; the clicks columns are empty while Redis is away. 400 for a domain that is not registered.
    /// </summary>
    public static async Task<Results<FileContentHttpResult, ValidationProblem>> ExportLinks(
        LinkCsvExport export, DomainCatalog domains, ShortUrls shortUrls, HttpContext context, CancellationToken ct,
        string? search = null, string[]? tag = null, string? domain = null)
    {
        var key = domain is null ? null : DomainKeyOf(domain, domains, shortUrls, context.Request);
        if (key is { Length: > 0 } && await domains.KeyForLinkAsync(domain, ct) is (false, _, { } unknown))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["domain"] = [unknown] }, title: "A query parameter is out of range.");
        var file = await export.WriteAsync(new LinkQuery(search, tag, Domain: key), keys: null, context.Request, ct);
        return TypedResults.File(file, ExportEndpoints.CsvType, "links.csv");
    }

    /// <summary>
    /// Imports the links CSV sent as the body (<c>Content-Type: text/csv</c>, at most <see cref="CsvLinkImport.MaxBytes"/>
    /// bytes), all rows or none, as the admin's import page does (<see cref="CsvLinkImport"/>). <c>existing</c> says what
    /// a row whose (domain, slug) has a link does: <c>fail</c> (the default: the file is refused), <c>skip</c> or
    /// <c>update</c>. 200 with every row's outcome once saved; 400 with every problem (<c>problems</c>: line, column,
    /// message) and nothing saved; 413 for a larger body, 415 for another content type.
    /// </summary>
    public static async Task<Results<Ok<LinkImportResponse>, ValidationProblem, ProblemHttpResult>> ImportLinks(
        CsvLinkImport importer, ShortUrls shortUrls, HttpContext context, CancellationToken ct, string? existing = null)
    {
        if (!CsvLinkImport.TryParseExisting(existing, out var choice))
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]>
                {
                    ["existing"] = [$"'existing' is one of {string.Join(", ", CsvLinkImport.ExistingChoices)}; '{existing}' is not{NearMiss.Hint(existing!, CsvLinkImport.ExistingChoices)}."],
                },
                title: "A query parameter is out of range.");
        // Routing refuses other content types (ApiFallback); a body without one is refused here.
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type) || !type.MediaType.Equals(CsvImportType, StringComparison.OrdinalIgnoreCase))
            return TypedResults.Problem(title: "The request body's content type is not supported.", detail: $"Send the file with Content-Type: {CsvImportType}.",
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        if (await CappedBodies.ReadAsync(context.Request, CsvLinkImport.MaxBytes, ct) is not { } body)
            return TypedResults.Problem(title: "The file is too large.", detail: $"An import takes at most {CsvLinkImport.MaxBytes:N0} bytes; split the file.",
                statusCode: StatusCodes.Status413PayloadTooLarge);
        var report = await importer.ImportAsync(new MemoryStream(body), context.Request.Host.Host, ct, choice);
        if (!report.Succeeded)
            return TypedResults.Problem(
                title: "Nothing was imported: the file has problems.",
                detail: $"{report.Problems.Count} problem{(report.Problems.Count == 1 ? "" : "s")} to fix; then send the whole file again.",
                statusCode: StatusCodes.Status400BadRequest,
                extensions: new Dictionary<string, object?> { ["problems"] = report.Problems.Select(p => new { line = p.Line, column = p.Field, message = p.Message }).ToList() });
        return TypedResults.Ok(new LinkImportResponse(
            report.CountOf(ImportedAs.Created), report.CountOf(ImportedAs.Updated), report.CountOf(ImportedAs.Unchanged), report.CountOf(ImportedAs.Skipped),
            [.. report.Rows.Select(r => new LinkImportRowResponse(r.Line, shortUrls.HostOf(context.Request, r.Domain), r.Slug,
                shortUrls.For(context.Request, r.Slug, r.Domain), ImportReport.NameOf(r.As)))]));
    }

    /// <summary>The import's <c>existing</c> in OpenAPI: the values it takes (others are answered 400) and what each does.</summary>
    private static Task DescribeExisting(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        if (operation.Parameters?.FirstOrDefault(p => p.Name == "existing") is OpenApiParameter { Schema: OpenApiSchema schema } existing)
        {
            schema.Enum = [.. CsvLinkImport.ExistingChoices.Select(s => (JsonNode)JsonValue.Create(s))];
            existing.Description = "What a row whose (domain, slug) already has a link does (default fail): fail (the file is refused, nothing imported), "
                                   + "skip (the link is left as it is) or update (the row's cells that differ from the link's export change its fields; "
                                   + "columns the file lacks stay as they are).";
        }
        return Task.CompletedTask;
    }

    public static async Task<Results<Created<LinkResponse>, ValidationProblem, Conflict<ProblemDetails>>> CreateLink(
        CreateLinkRequest request, LinkCatalog catalog, DomainCatalog domains, ShortUrls shortUrls, HttpContext context, CancellationToken ct)
    {
        if (NamesDefaultDomain(request.Domain, domains, shortUrls, context.Request))
            request = request with { Domain = null };
        var outcome = await catalog.CreateAsync(request, context.Request.Host.Host, KnownNames.All, ct);
        return outcome.Kind switch
        {
            // A new link's id has no counters yet: its clicks are 0 without asking Redis.
            LinkOutcomeKind.Saved => TypedResults.Created(LocationOf(outcome.Link!), ToResponse(outcome.Link!, 0, shortUrls, context)),
            LinkOutcomeKind.Invalid => TypedResults.ValidationProblem(outcome.Errors!, title: "The link is not valid."),
            // Other problems besides: a 400 that names the taken slug among them, as the admin form does.
            LinkOutcomeKind.SlugTaken when outcome.Errors is { Count: > 0 } errors =>
                TypedResults.ValidationProblem(new Dictionary<string, string[]>(errors) { ["slug"] = ["This slug is already taken."] }, title: "The link is not valid."),
            _ => TypedResults.Conflict(SlugTaken(request.Slug)),
        };
    }

    /// <summary>The orders of the list's <c>sort</c>: the catalogue's, then by clicks (<see cref="LinkClickOrder"/>).</summary>
    public static readonly IReadOnlyList<string> Sorts = [.. LinkCatalog.Sorts, .. LinkClickOrder.Sorts];

    /// <summary>The list's <c>sort</c> in OpenAPI: the values it takes (others are answered 400) and what each orders by.</summary>
    private static Task DescribeSort(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        if (operation.Parameters?.FirstOrDefault(p => p.Name == "sort") is OpenApiParameter { Schema: OpenApiSchema schema } sort)
        {
            schema.Enum = [.. Sorts.Select(s => (JsonNode)JsonValue.Create(s))];
            sort.Description = "The order of the list (default created): created (newest first), oldest, slug, updated (last changed first), "
                               + "clicks (most all-time counted clicks first) or fewestClicks; clicks and fewestClicks need Redis (503 while it is away). "
                               + "Any other value is answered 400.";
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// A page of links, each with its <see cref="LinkResponse.Clicks"/> (the page's read in one round trip). <c>sort</c>
    /// is one of <see cref="Sorts"/>: <c>clicks</c> (most clicked first) and <c>fewestClicks</c> order by the all-time
    /// clicks of the Redis counters (503 while Redis is away, unless no link matches: then an empty page), the others
    /// by the catalogue, whose pages are answered while Redis is away with <c>"clicks": null</c>.
    /// </summary>
    public static async Task<Results<Ok<LinkListResponse>, ValidationProblem>> ListLinks(
        LinkCatalog catalog, LinkClickOrder byClicks, DomainCatalog domains, ShortUrls shortUrls, HttpContext context, CancellationToken ct,
        string? search = null, string[]? tag = null, string? sort = null, int page = 1, int pageSize = 50, string? domain = null)
    {
        if ((QueryRanges.Outside("page", page, 1, int.MaxValue) ?? QueryRanges.Outside("pageSize", pageSize, 1, LinkCatalog.MaxPageSize)) is { } outside)
            return outside;
        if (sort is not null && !Sorts.Contains(sort))
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["sort"] = [$"'sort' is one of {string.Join(", ", Sorts)}; '{sort}' is not{NearMiss.Hint(sort, Sorts)}."] },
                title: "A query parameter is out of range.");
        var key = domain is null ? null : DomainKeyOf(domain, domains, shortUrls, context.Request);
        if (key is { Length: > 0 } && await domains.KeyForLinkAsync(domain, ct) is (false, _, { } unknown))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["domain"] = [unknown] }, title: "A query parameter is out of range.");
        var query = new LinkQuery(search, tag, sort ?? "created", page, pageSize, key);
        LinkPage result;
        IReadOnlyDictionary<long, long>? clicks;
        if (LinkClickOrder.Sorts.Contains(query.Sort))
            (result, clicks) = await byClicks.ListAsync(query, ct);
        else
        {
            result = await catalog.ListAsync(query, ct);
            clicks = await ClicksOrNullAsync(byClicks, [.. result.Items.Select(l => l.Id)]);
        }
        return TypedResults.Ok(new LinkListResponse(
            result.Items.Select(l => ToResponse(l, clicks?[l.Id], shortUrls, context)).ToList(), result.Total, result.Page, result.PageSize));
    }

    /// <summary>One link with its <see cref="LinkResponse.Clicks"/> (null while Redis is away); 404 for an unknown slug or domain.</summary>
    public static async Task<Results<Ok<LinkResponse>, NotFound<ProblemDetails>>> GetLink(
        string slug, LinkCatalog catalog, LinkClickOrder byClicks, DomainCatalog domains, ShortUrls shortUrls, HttpContext context, CancellationToken ct,
        string? domain = null)
    {
        var (link, notFound) = await FindAsync(slug, domain, catalog, domains, shortUrls, context.Request, ct);
        if (link is null)
            return TypedResults.NotFound(notFound);
        context.Response.Headers.ETag = ETagOf(link);
        return TypedResults.Ok(await ToResponseWithClicksAsync(link, byClicks, shortUrls, context));
    }

    /// <summary>
    /// Changes the properties present in the body. With If-Match or a body <c>"version"</c> (a GET sent back), a
    /// concurrent edit answers 412 instead of being overwritten. <c>"domain"</c> moves the link to another registered
    /// domain (400 when that is not registered) and <c>"slug"</c> renames it: 409 when the new slug is taken on the
    /// link's domain; the domain and slug the link has now (as a GET answers them) change nothing. The changed link is
    /// answered as a GET answers it, its <see cref="LinkResponse.Clicks"/> included.
    /// </summary>
    public static async Task<Results<Ok<LinkResponse>, NotFound<ProblemDetails>, ValidationProblem, ProblemHttpResult>> UpdateLink(
        string slug, UpdateLinkRequest request, LinkCatalog catalog, LinkClickOrder byClicks, DomainCatalog domains, ShortUrls shortUrls, HttpContext context,
        CancellationToken ct, string? domain = null)
    {
        int? expected = null;
        var ifMatch = context.Request.Headers.IfMatch.ToString();
        if (ifMatch.Length > 0 && ifMatch != "*")
        {
            if (!TryParseETag(ifMatch, out var version))
                return TypedResults.Problem(title: "If-Match must be an ETag returned by this API.", statusCode: StatusCodes.Status400BadRequest);
            expected = version;
        }
        if (request.Version is { } stated)
        {
            // If-Match and the body disagree: at most one of them is the stored version, so the client's view is stale.
            if (expected is { } header && header != stated)
                return VersionMismatch();
            expected = stated;
        }
        var key = DomainKeyOf(domain, domains, shortUrls, context.Request);
        if (request.HasDomain && string.Equals(request.Domain?.Trim().TrimEnd('.'), shortUrls.HostOf(context.Request, key), StringComparison.OrdinalIgnoreCase))
            request.KeepDomain();
        else if (request.HasDomain && NamesDefaultDomain(request.Domain, domains, shortUrls, context.Request))
            request.Domain = null;
        var outcome = await catalog.UpdateAsync(key, slug, request, expected, context.Request.Host.Host, KnownNames.All, ct);
        switch (outcome.Kind)
        {
            case LinkOutcomeKind.Saved:
                context.Response.Headers.ETag = ETagOf(outcome.Link!);
                return TypedResults.Ok(await ToResponseWithClicksAsync(outcome.Link!, byClicks, shortUrls, context));
            case LinkOutcomeKind.NotFound:
                return TypedResults.NotFound(await UnknownLinkAsync(slug, domain, key, domains, ct));
            case LinkOutcomeKind.Invalid:
                return TypedResults.ValidationProblem(outcome.Errors!, title: "The change is not valid.");
            case LinkOutcomeKind.SlugTaken:
                var field = request.HasSlug && request.Slug != slug ? "slug" : "domain";
                if (outcome.Errors is { Count: > 0 } errors)
                    return TypedResults.ValidationProblem(new Dictionary<string, string[]>(errors) { [field] = ["This slug is already taken on that domain."] }, title: "The change is not valid.");
                return TypedResults.Problem(
                    title: "The slug is already taken on that domain.",
                    detail: "That domain has a link with this slug: move, rename or delete that one first, or choose another slug or domain for this one.",
                    statusCode: StatusCodes.Status409Conflict,
                    extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = ["This slug is already taken on that domain."] } });
            default:
                return VersionMismatch();
        }
    }

    private static ProblemHttpResult VersionMismatch() => TypedResults.Problem(
        title: "The link was changed by someone else.",
        detail: "Read it again and apply your change to the current version.",
        statusCode: StatusCodes.Status412PreconditionFailed);

    public static async Task<Results<NoContent, NotFound<ProblemDetails>>> DeleteLink(
        string slug, LinkCatalog catalog, DomainCatalog domains, ShortUrls shortUrls, HttpRequest request, CancellationToken ct, string? domain = null)
    {
        var key = DomainKeyOf(domain, domains, shortUrls, request);
        return await catalog.DeleteAsync(key, slug, ct) ? TypedResults.NoContent() : TypedResults.NotFound(await UnknownLinkAsync(slug, domain, key, domains, ct));
    }

    /// <summary>
    /// The domain key a route's <c>?domain=</c> names: the default domain for none or for the default domain's own
    /// host (BaseUrl's, else the host the request came to, as the link's answers give it), else the registered host
    /// (an unknown one finds no link; <see cref="UnknownLinkAsync"/> says why).
    /// </summary>
    public static string DomainKeyOf(string? domain, DomainCatalog domains, ShortUrls shortUrls, HttpRequest request) =>
        NamesDefaultDomain(domain, domains, shortUrls, request) ? DomainLinks.DefaultKey : domains.KeyForQuery(domain);

    /// <summary>
    /// Whether <paramref name="domain"/> (any case, a trailing dot allowed) is the default domain's own host as the
    /// API answers it: BaseUrl's, else the host the request came to. Without BaseUrl that host may be an address or
    /// one no domain registers, so a link's <c>"domain"</c> sent back in a body or a query finds the default domain.
    /// A registered domain's host names that domain, even when the request came to it.
    /// </summary>
    private static bool NamesDefaultDomain(string? domain, DomainCatalog domains, ShortUrls shortUrls, HttpRequest request) =>
        domain is not null && string.Equals(domain.Trim().TrimEnd('.'), shortUrls.HostOf(request, DomainLinks.DefaultKey), StringComparison.OrdinalIgnoreCase)
        && !domains.IsRegistered(domain);

    /// <summary>The answer for <paramref name="link"/> with <paramref name="clicks"/>, its all-time clicks (null: Redis is away).</summary>
    public static LinkResponse ToResponse(Link link, long? clicks, ShortUrls shortUrls, HttpContext context) => new(
        link.Slug, shortUrls.HostOf(context.Request, link.Domain), link.Destination, shortUrls.For(context.Request, link.Slug, link.Domain), link.Title, link.Tags, link.Utm,
        link.RedirectType, link.Enabled, link.ExpiresAt, link.ValidFrom, link.MaxClicks, link.ExpiredUrl,
        link.PasswordHash is not null, link.Rules, link.Variants, link.Preview, link.CreatedAt, link.UpdatedAt, link.Version, clicks);

    private static async Task<LinkResponse> ToResponseWithClicksAsync(Link link, LinkClickOrder byClicks, ShortUrls shortUrls, HttpContext context) =>
        ToResponse(link, (await ClicksOrNullAsync(byClicks, [link.Id]))?[link.Id], shortUrls, context);

    /// <summary>
    /// The all-time clicks of these links by id, or null while Redis is away: a link's settings are the catalogue's
    /// and stay readable (and changeable) without the counters, as redirects do.
    /// </summary>
    private static async Task<IReadOnlyDictionary<long, long>?> ClicksOrNullAsync(LinkClickOrder byClicks, IReadOnlyCollection<long> linkIds)
    {
        try
        {
            return await byClicks.ReadAsync(linkIds);
        }
        catch (StatsUnavailableException)
        {
            return null;
        }
    }

    /// <summary>The link a route's slug and <c>?domain=</c> name (<see cref="DomainKeyOf"/>), or the 404 problem <see cref="UnknownLinkAsync"/> gives.</summary>
    public static async Task<(Link? Link, ProblemDetails? NotFound)> FindAsync(
        string slug, string? domain, LinkCatalog catalog, DomainCatalog domains, ShortUrls shortUrls, HttpRequest request, CancellationToken ct)
    {
        var key = DomainKeyOf(domain, domains, shortUrls, request);
        return await catalog.FindAsync(key, slug, ct) is { } link ? (link, null) : (null, await UnknownLinkAsync(slug, domain, key, domains, ct));
    }

    /// <summary>
    /// The 404 of a link not found by slug and <c>?domain=</c>: it names the domain when that is not registered (the
    /// default domain's links are named without one, or by its own host), since then no slug would be found.
    /// <paramref name="key"/> is the domain key the route looked in (<see cref="DomainKeyOf"/>).
    /// </summary>
    public static async Task<ProblemDetails> UnknownLinkAsync(string slug, string? domain, string key, DomainCatalog domains, CancellationToken ct) =>
        key.Length == 0 || await domains.KeyForLinkAsync(domain, ct) is not (false, _, { } error) ? UnknownSlug(slug) : new()
        {
            Status = StatusCodes.Status404NotFound,
            Title = "No short domain has this name.",
            Detail = error,
        };

    /// <summary>A slug as a problem's detail quotes it: its first 64 characters.</summary>
    public static string Shortened(string slug) => slug.Length > 64 ? slug[..64] + "…" : slug;

    private static ProblemDetails UnknownSlug(string slug) => new()
    {
        Status = StatusCodes.Status404NotFound,
        Title = "No link has this slug.",
        Detail = $"'{Shortened(slug)}' is not a link.",
    };

    private static ProblemDetails SlugTaken(string? slug) => new()
    {
        Status = StatusCodes.Status409Conflict,
        Title = "The slug is already taken.",
        Detail = slug is null ? "No free generated slug was found; try again." : $"Choose another slug than '{slug}'.",
        Extensions = { ["errors"] = new Dictionary<string, string[]> { ["slug"] = ["This slug is already taken."] } },
    };

    /// <summary>The API address of a link: its slug, with <c>?domain=</c> for a link on another domain than the default one.</summary>
    public static string LocationOf(Link link) =>
        link.Domain.Length == 0 ? $"/api/links/{link.Slug}" : $"/api/links/{link.Slug}?domain={Uri.EscapeDataString(link.Domain)}";

    private static string ETagOf(Link link) => string.Create(CultureInfo.InvariantCulture, $"\"v{link.Version}\"");

    private static bool TryParseETag(string value, out int version)
    {
        var trimmed = value.Trim();
        if (trimmed.StartsWith("W/", StringComparison.Ordinal))
            trimmed = trimmed[2..];
        trimmed = trimmed.Trim('"');
        version = 0;
        return trimmed.StartsWith('v') && int.TryParse(trimmed.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out version);
    }
}
