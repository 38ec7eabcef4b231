using Redirector.Admin.Access;
using Redirector.Admin.LinkList;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Redirector.Admin.Stats;
using Redirector.Admin.Import;
using Redirector.Clicks;
using Redirector.Events;
using Redirector.Sites;
using Redirector.Stats;
using Redirector.Links;
using Redirector.Security;

namespace Redirector.Admin.Exports;

/// <summary>CSV downloads of every table in the admin area, behind the same sign-in cookie.</summary>
public static class ExportEndpoints
{
    public static IEndpointRouteBuilder MapExports(this IEndpointRouteBuilder app)
    {
        var exports = app.MapGroup("/admin/export").RequireAuthorization(AdminServices.Policy).ExcludeFromDescription();
        exports.MapGet("/links.csv", ExportLinks);
        exports.MapGet("/targets.csv", ExportTargets);
        exports.MapGet("/pages.csv", ExportPages);
        // Raw clicks are more than counts (each one's referrer, page and time): viewers read counts only.
        exports.MapGet("/clicks.csv", ExportRawClicks).RequireAuthorization(AdminServices.EditorPolicy);
        exports.MapGet("/{table}.csv", ExportTable);
        return app;
    }

    /// <summary>
    /// The links the list shows for the same <paramref name="search"/>, <paramref name="tag"/>s and <paramref name="domain"/>
    /// (every link without them), oldest first; with <paramref name="key"/>s (<see cref="LinkAddress.ExportKey"/>, the
    /// list's bulk selection) only those links of that filter. Password hashes only for editors and administrators
    /// (<see cref="LinkCsvExport.WriteAsync"/>).
    /// </summary>
    public static async Task<FileContentHttpResult> ExportLinks(LinkCsvExport export, Redirector.Domains.DomainCatalog domains, HttpRequest request,
        CancellationToken ct, string? search = null, string[]? tag = null, string? domain = null, string[]? key = null)
    {
        var filter = new LinkQuery(search, tag, Domain: string.IsNullOrWhiteSpace(domain) ? null : domains.KeyForQuery(domain));
        var selected = key is { Length: > 0 } ? key.ToHashSet(StringComparer.Ordinal) : null;
        return TypedResults.File(await export.WriteAsync(filter, selected, request, ct), CsvType, "links.csv");
    }

    /// <summary>
    /// Every event of a scope ("global", "link", "domain", "page", "campaign" and its key) over the page's range under
    /// its filters and short domains, read from the event store as GET /api/events reads it and streamed in its rows
    /// (<see cref="EventCsv"/>: no address, a visitor hash at most): 400 for a bad filter, 404 for an unknown scope,
    /// 503 while the event store is away or turned off.
    /// </summary>
    public static async Task<Results<PushStreamHttpResult, NotFound, ProblemHttpResult>> ExportRawClicks(
        string? scope, string? key, string? from, string? to, HttpRequest request,
        LinkCatalog catalog, ShortUrls shortUrls, AdminStats counts, FilteredStats filtered, EventStore store, SiteCache sites, IOptions<EventsOptions> options, CancellationToken ct)
    {
        var (asked, problem) = await ParseAsync(request, scope, key, from, to, catalog, counts, ct);
        if (problem is not null)
            return problem;
        if (asked is not var (filters, target, range))
            return TypedResults.NotFound();
        if (!options.Value.Enabled)
            return TypedResults.Problem(title: "Raw clicks are unavailable.", detail: "The event store is turned off (Events:Enabled).", statusCode: StatusCodes.Status503ServiceUnavailable);
        var filter = await filtered.NarrowAsync(filters.Filter, filters.Domain, filters.ShortDomainsToRead, ct);
        if (target.Within is { } within)
            filter = new EventFilter([.. filter.Dimensions, within]);
        var query = EventQuery.Days(range.From, range.To, target.LinkId, filter);
        // Opened before the answer starts, so a store that is away is a 503, not a cut-off file.
        try
        {
            await store.OpenAsync(ct);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            return TypedResults.Problem(title: "Raw clicks are unavailable right now.", detail: $"The event store is not reachable ({ex.GetType().Name}); try again shortly.",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        var links = new EventLinks(catalog, shortUrls, request);
        return TypedResults.Stream(body => EventCsv.WriteCsvAsync(body, EventCsv.SitePagesOnly(store.ReadEventsAsync(query, ct), sites), links, ct),
            CsvType, FileName(scope ?? "global", key, "clicks", range));
    }

    /// <summary>What an export of a scope asks for: the page's filters, the scope and the range; a problem for a bad filter, neither for an unknown scope.</summary>
    private static async Task<((ChosenFilters Filters, StatsScope Scope, DateRange Range)? Asked, ProblemHttpResult? Problem)> ParseAsync(
        HttpRequest request, string? scope, string? key, string? from, string? to, LinkCatalog catalog, AdminStats counts, CancellationToken ct)
    {
        var filters = ChosenFilters.Of(request);
        if (filters.Error is { } error)
            return (null, TypedResults.Problem(title: "A filter is not valid.", detail: error, statusCode: StatusCodes.Status400BadRequest));
        return await ResolveAsync(scope ?? "global", key, catalog, ct) is { } target
            ? ((filters, target, DateRange.Parse("30d", from, to, counts.Today)), null)
            : (null, null);
    }

    /// <summary>
    /// "days" (the time series) or a breakdown by its <see cref="Dimension.Name"/>, of a scope ("global", "link",
    /// "domain", "page", "campaign" and its key) under the page's filters and short domains (docs/events.md).
    /// </summary>
    public static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> ExportTable(
        string table, string? scope, string? key, string? from, string? to, HttpRequest request,
        LinkCatalog catalog, AdminStats counts, CancellationToken ct)
    {
        var (asked, problem) = await ParseAsync(request, scope, key, from, to, catalog, counts, ct);
        if (problem is not null)
            return problem;
        if (asked is not var (filters, target, range))
            return TypedResults.NotFound();
        var name = FileName(scope ?? "global", key, table, range);
        try
        {
            var stats = await counts.ReadOnlyAsync(target, range, filters, 100_000, ct);
            if (table == "days")
            {
                var csv = new Csv("date", "clicks", "bots");
                foreach (var day in stats.ByDay)
                    csv.Add(day.Date, Number(day.Clicks), Number(day.Bots));
                return File(csv, name);
            }
            if (Dimensions.ByName(table) is not { } dimension)
                return TypedResults.NotFound();
            var links = dimension == Dimensions.Link ? await counts.LinksOfAsync(stats[dimension].Select(k => k.Key), ct) : Titles.NoLinks;
            // A link is named as the exports name it (HOST/SLUG off the default short domain, LinkAddress.ExportKey).
            var rows = new Csv(dimension == Dimensions.Link ? "slug" : "key", "clicks");
            foreach (var item in stats[dimension])
                rows.Add(dimension == Dimensions.Link ? links.TryGetValue(item.Key, out var link) ? LinkAddress.ExportKey(link) : "(deleted link)" : item.Key, Number(item.Clicks));
            return File(rows, name);
        }
        catch (Exception ex) when (StatsReads.IsUnavailable(ex))
        {
            return Unavailable();
        }
    }

    /// <summary>Outbound target URLs over a range with their domain and every link text, as the outbound page lists them.</summary>
    public static Task<Results<FileContentHttpResult, ProblemHttpResult>> ExportTargets(string? from, string? to, HttpRequest request, AdminStats counts) =>
        GlobalCsvAsync(from, to, request, counts, "outbound-targets", (stats, _) =>
        {
            var csv = new Csv("url", "domain", "clicks", "link_texts");
            foreach (var target in OutboundCounts.TargetsOf(stats))
                csv.Add(target.Url, target.Domain, Number(target.Clicks), string.Join("; ", target.Texts.Select(t => $"{t.Key} ({t.Clicks})")));
            return csv;
        });

    /// <summary>
    /// Source pages over a range, highest exit rate first, as the pages page lists them; under filters, which page
    /// views do not carry, the pages with clicks, most first, without views or rates (as the page shows them).
    /// </summary>
    public static Task<Results<FileContentHttpResult, ProblemHttpResult>> ExportPages(string? from, string? to, HttpRequest request, AdminStats counts) =>
        GlobalCsvAsync(from, to, request, counts, "pages", (stats, filters) =>
        {
            var csv = filters.IsEmpty ? new Csv("page", "page_views", "clicks", "exit_rate") : new Csv("page", "clicks");
            foreach (var page in SourcePagesOf(stats, filters))
            {
                if (filters.IsEmpty)
                    csv.Add(page.Key, Number(page.PageViews), Number(page.Clicks), page.ExitRate?.ToString("0.####", CultureInfo.InvariantCulture));
                else
                    csv.Add(page.Key, Number(page.Clicks));
            }
            return csv;
        });

    /// <summary>The pages page's rows: by exit rate without filters; under filters (page views carry none) those with clicks, most first.</summary>
    public static IReadOnlyList<PageCount> SourcePagesOf(SubjectStats stats, ChosenFilters filters)
    {
        var pages = OutboundCounts.PagesOf(stats);
        return filters.IsEmpty ? OutboundCounts.ByExitRate(pages) : [.. pages.Where(p => p.Clicks > 0)];
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GlobalCsvAsync(
        string? from, string? to, HttpRequest request, AdminStats counts, string name, Func<SubjectStats, ChosenFilters, Csv> write)
    {
        var filters = ChosenFilters.Of(request);
        if (filters.Error is { } error)
            return TypedResults.Problem(title: "A filter is not valid.", detail: error, statusCode: StatusCodes.Status400BadRequest);
        var range = DateRange.Parse("30d", from, to, counts.Today);
        try
        {
            return File(write(await counts.ReadGlobalAsync(range, filters, top: 100_000), filters), $"{name}-{range.From:yyyyMMdd}-{range.To:yyyyMMdd}.csv");
        }
        catch (Exception ex) when (StatsReads.IsUnavailable(ex))
        {
            return Unavailable();
        }
    }

    private static ProblemHttpResult Unavailable() => TypedResults.Problem(
        title: "Counts are unavailable right now.", detail: "Redis is not reachable; try again shortly.", statusCode: StatusCodes.Status503ServiceUnavailable);

    private static async Task<StatsScope?> ResolveAsync(string? scope, string? key, LinkCatalog catalog, CancellationToken ct) => scope switch
    {
        "global" => StatsScope.Global,
        "link" when key is not null && LinkAddress.ParseExportKey(key) is var (domain, slug) =>
            await catalog.FindAsync(domain, slug, ct) is { } link ? StatsScope.Link(link.Id) : null,
        "domain" when !string.IsNullOrEmpty(key) => StatsScope.Domain(key),
        "page" when !string.IsNullOrEmpty(key) => StatsScope.Page(key),
        "campaign" when !string.IsNullOrEmpty(key) => StatsScope.Campaign(key),
        _ => null,
    };

    private static string FileName(string scope, string? key, string table, DateRange range) =>
        $"{scope}-{Safe(key)}-{table}-{range.From:yyyyMMdd}-{range.To:yyyyMMdd}.csv".Replace("--", "-", StringComparison.Ordinal);

    private static FileContentHttpResult File(Csv csv, string name) => TypedResults.File(csv.ToUtf8(), CsvType, name);

    /// <summary>The content type of every CSV the admin area and the API answer.</summary>
    public const string CsvType = "text/csv; charset=utf-8";

    private static string Number(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    private static string Safe(string? key) =>
        new((key ?? "").Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').Take(40).ToArray());
}
