using Redirector.Admin.LinkList;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Redirector.Admin.Stats;
using Redirector.Admin.Import;
using Redirector.Clicks;
using Redirector.Events;
using Redirector.Stats;
using Redirector.Links;

namespace Redirector.Admin.Exports;

/// <summary>CSV downloads of every table in the admin area, behind the same sign-in cookie.</summary>
public static class ExportEndpoints
{
    private const int MaxRawClicks = 1000;

    public static IEndpointRouteBuilder MapExports(this IEndpointRouteBuilder app)
    {
        var exports = app.MapGroup("/admin/export").RequireAuthorization(AdminServices.Policy).ExcludeFromDescription();
        exports.MapGet("/links.csv", ExportLinks);
        exports.MapGet("/targets.csv", ExportTargets);
        exports.MapGet("/pages.csv", ExportPages);
        // Raw clicks are more than counts (each one's referrer, page and time): viewers read counts only.
        exports.MapGet("/clicks.csv", (string? scope, string? key, string? from, string? to, HttpRequest request, LinkCatalog catalog, AdminStats counts, StatsReader reader, CancellationToken ct) =>
            ExportTable("clicks", scope, key, from, to, request, catalog, counts, reader, ct)).RequireAuthorization(AdminServices.EditorPolicy);
        exports.MapGet("/{table}.csv", ExportTable);
        return app;
    }

    /// <summary>
    /// The links the list shows for the same <paramref name="q"/>, <paramref name="tag"/>s and <paramref name="domain"/>
    /// (every link without them), oldest first; with <paramref name="key"/>s (<see cref="LinkAddress.ExportKey"/>, the
    /// list's bulk selection) only those links of that filter.
    /// </summary>
    public static async Task<FileContentHttpResult> ExportLinks(LinkCatalog catalog, AdminStats counts, ShortUrls shortUrls,
        Redirector.Domains.DomainCatalog domains, HttpRequest request, CancellationToken ct,
        string? q = null, string[]? tag = null, string? domain = null, string[]? key = null)
    {
        var filter = new LinkQuery(q, tag, "oldest", PageSize: 500, Domain: string.IsNullOrWhiteSpace(domain) ? null : domains.KeyForQuery(domain));
        var selected = key is { Length: > 0 } ? key.ToHashSet(StringComparer.Ordinal) : null;
        var links = new List<Link>();
        for (var page = 1; ; page++)
        {
            var batch = await catalog.ListAsync(filter with { Page = page }, ct);
            links.AddRange(selected is null ? batch.Items : batch.Items.Where(l => selected.Contains(LinkAddress.ExportKey(l))));
            if ((long)page * batch.PageSize >= batch.Total || batch.Items.Count == 0)
                break;
        }
        IReadOnlyDictionary<long, (long Recent, long Total)>? clicks = null;
        await StatsReads.TryAsync(async () => clicks = await counts.ReadLinkClicksAsync(links.Select(l => l.Id).ToList()));
        var csv = new Csv(LinkCsv.Names);
        foreach (var link in links)
        {
            var count = clicks?.GetValueOrDefault(link.Id);
            var row = new LinkCsv.Row(link, shortUrls.For(request, link.Slug, link.Domain), count?.Recent, count?.Total);
            csv.Add([.. LinkCsv.Columns.Select(column => column.Cell(row))]);
        }
        return File(csv, "links.csv");
    }

    /// <summary>
    /// "days" (the time series), "clicks" (raw recent clicks) or a breakdown by its <see cref="Dimension.Name"/>, of a
    /// scope ("global", "link", "domain", "page", "campaign" and its key) under the page's filters (docs/events.md).
    /// </summary>
    public static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> ExportTable(
        string table, string? scope, string? key, string? from, string? to, HttpRequest request,
        LinkCatalog catalog, AdminStats counts, StatsReader reader, CancellationToken ct)
    {
        if (!EventFilter.TryParse(request.Query, out var filter, out var error))
            return TypedResults.Problem(title: "A filter is not valid.", detail: error, statusCode: StatusCodes.Status400BadRequest);
        scope ??= "global";
        var target = await ResolveAsync(scope, key, catalog, ct);
        if (target is not { } subject)
            return TypedResults.NotFound();
        var range = DateRange.Parse("30d", from, to, counts.Today);
        var name = $"{scope}-{Safe(key)}-{table}-{range.From:yyyyMMdd}-{range.To:yyyyMMdd}.csv".Replace("--", "-", StringComparison.Ordinal);
        try
        {
            if (table == "clicks")
                return File(await RawClicksAsync(subject, key, reader, counts, ct), name);
            var stats = await counts.ReadOnlyAsync(subject.Scope, range, filter, 100_000, ct);
            if (table == "days")
            {
                var csv = new Csv("date", "clicks", "bots");
                foreach (var day in stats.ByDay)
                    csv.Add(day.Date, Number(day.Clicks), Number(day.Bots));
                return File(csv, name);
            }
            if (Dimensions.ByName(table) is not { } dimension)
                return TypedResults.NotFound();
            var slugs = dimension == Dimensions.Link ? await counts.SlugsOfAsync(stats[dimension].Select(k => k.Key), ct) : new Dictionary<string, string>();
            var rows = new Csv(dimension == Dimensions.Link ? "slug" : "key", "clicks");
            foreach (var item in stats[dimension])
                rows.Add(Titles.LabelOf(dimension, item.Key, slugs).TrimStart('/'), Number(item.Clicks));
            return File(rows, name);
        }
        catch (Exception ex) when (StatsReads.IsUnavailable(ex))
        {
            return Unavailable();
        }
    }

    /// <summary>Outbound target URLs over a range with their domain and every link text, as the outbound page lists them.</summary>
    public static Task<Results<FileContentHttpResult, ProblemHttpResult>> ExportTargets(string? from, string? to, AdminStats counts) =>
        GlobalCsvAsync(from, to, counts, "outbound-targets", stats =>
        {
            var csv = new Csv("url", "domain", "clicks", "link_texts");
            foreach (var target in OutboundCounts.TargetsOf(stats))
                csv.Add(target.Url, target.Domain, Number(target.Clicks), string.Join("; ", target.Texts.Select(t => $"{t.Key} ({t.Clicks})")));
            return csv;
        });

    /// <summary>Source pages over a range, highest exit rate first, as the pages page lists them.</summary>
    public static Task<Results<FileContentHttpResult, ProblemHttpResult>> ExportPages(string? from, string? to, AdminStats counts) =>
        GlobalCsvAsync(from, to, counts, "pages", stats =>
        {
            var csv = new Csv("page", "page_views", "outbound_clicks", "exit_rate");
            foreach (var page in OutboundCounts.ByExitRate(OutboundCounts.PagesOf(stats)))
                csv.Add(page.Key, Number(page.PageViews), Number(page.Clicks), page.OutboundClickRate?.ToString("0.####", CultureInfo.InvariantCulture));
            return csv;
        });

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GlobalCsvAsync(
        string? from, string? to, AdminStats counts, string name, Func<SubjectStats, Csv> write)
    {
        var range = DateRange.Parse("30d", from, to, counts.Today);
        try
        {
            return File(write(await counts.ReadGlobalAsync(range, EventFilter.None, top: 100_000)), $"{name}-{range.From:yyyyMMdd}-{range.To:yyyyMMdd}.csv");
        }
        catch (Exception ex) when (StatsReads.IsUnavailable(ex))
        {
            return Unavailable();
        }
    }

    private static ProblemHttpResult Unavailable() => TypedResults.Problem(
        title: "Counts are unavailable right now.", detail: "Redis is not reachable; try again shortly.", statusCode: StatusCodes.Status503ServiceUnavailable);

    private sealed record Target(StatsScope Scope, Func<JsonElement, bool> Matches);

    private static async Task<Target?> ResolveAsync(string? scope, string? key, LinkCatalog catalog, CancellationToken ct)
    {
        switch (scope)
        {
            case "global":
                return new Target(StatsScope.Global, _ => true);
            case "link" when key is not null && LinkAddress.ParseExportKey(key) is var (domain, slug) && await catalog.FindAsync(domain, slug, ct) is { } link:
                return new Target(StatsScope.Link(link.Id), RecentClicks.OfLink(link.Id, withBots: true));
            case "domain" when !string.IsNullOrEmpty(key):
                return new Target(StatsScope.Domain(key), c => c.TryGetProperty("domain", out var d) && d.GetString() == key);
            case "page" when !string.IsNullOrEmpty(key):
                return new Target(StatsScope.Page(key), c => c.TryGetProperty("sourcePage", out var p) && p.GetString() == key);
            case "campaign" when !string.IsNullOrEmpty(key):
                return new Target(StatsScope.Campaign(key), c => c.TryGetProperty("utmCampaign", out var p) && p.GetString() == key);
            default:
                return null;
        }
    }

    /// <summary>The raw log's properties after "time": every dimension that raw clicks carry, and the bot flag.</summary>
    private static readonly string[] RawColumns =
        ["time", .. Dimensions.All.Select(d => d.RawName).OfType<string>(), RawClickFields.Bot];

    private static async Task<Csv> RawClicksAsync(Target target, string? key, StatsReader reader, AdminStats counts, CancellationToken ct)
    {
        var clicks = await reader.ReadRecentAsync(MaxRawClicks, target.Matches);
        var slugs = await counts.SlugsOfAsync(
            clicks.Select(c => c.TryGetProperty("link", out var id) ? id.GetInt64().ToString(CultureInfo.InvariantCulture) : "").Distinct(), ct);
        var csv = new Csv(["time", "slug", .. RawColumns.Skip(1)]);
        foreach (var click in clicks)
        {
            var linkId = click.TryGetProperty("link", out var id) ? id.GetInt64().ToString(CultureInfo.InvariantCulture) : "";
            var cells = RawColumns.Select(column => click.TryGetProperty(column, out var value)
                ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()
                : null).ToList();
            cells.Insert(1, slugs.GetValueOrDefault(linkId, key ?? ""));
            csv.Add(cells);
        }
        return csv;
    }

    private static FileContentHttpResult File(Csv csv, string name) => TypedResults.File(csv.ToUtf8(), "text/csv; charset=utf-8", name);

    private static string Number(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    private static string Safe(string? key) =>
        new((key ?? "").Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').Take(40).ToArray());
}
