using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Redirector.Analytics;
using Redirector.Api;
using Redirector.Links;

namespace Redirector.Stats;

public sealed record StatsResponse(
    long Clicks,
    long Bots,
    long UniqueVisitors,
    IReadOnlyList<DayCount> ByDay,
    IReadOnlyList<HourCount>? ByHour,
    IReadOnlyList<KeyCount> ReferrerDomains,
    IReadOnlyList<KeyCount> Referrers,
    IReadOnlyList<KeyCount> SourcePages,
    IReadOnlyList<KeyCount> UtmSources,
    IReadOnlyList<KeyCount> UtmMediums,
    IReadOnlyList<KeyCount> UtmCampaigns,
    IReadOnlyList<KeyCount> UtmTerms,
    IReadOnlyList<KeyCount> UtmContents,
    IReadOnlyList<KeyCount> DeviceTypes,
    IReadOnlyList<KeyCount> OperatingSystems,
    IReadOnlyList<KeyCount> Browsers,
    IReadOnlyList<KeyCount> Countries)
{
    public static StatsResponse From(SubjectStats stats) => new(
        stats.Clicks, stats.Bots, stats.UniqueVisitors, stats.ByDay, stats.ByHour.Count > 0 ? stats.ByHour : null,
        stats[Dimension.ReferrerDomain], stats[Dimension.Referrer], stats[Dimension.SourcePage],
        stats[Dimension.UtmSource], stats[Dimension.UtmMedium], stats[Dimension.UtmCampaign], stats[Dimension.UtmTerm],
        stats[Dimension.UtmContent], stats[Dimension.DeviceType], stats[Dimension.Os], stats[Dimension.Browser],
        stats[Dimension.Country]);
}

/// <summary>A source page: outbound clicks, views reported by the tracker and their ratio (null without views).</summary>
public sealed record PageCount(string Key, long Clicks, long PageViews, double? OutboundClickRate);

/// <summary>An outbound destination URL, its domain, its clicks and the link texts it was clicked with.</summary>
public sealed record TargetCount(string Url, string Domain, long Clicks, IReadOnlyList<KeyCount> Texts);

/// <summary>Counts: per link, and across links per destination domain and per source page.</summary>
public static class StatsApi
{
    public const int DefaultRangeDays = 30;

    public static IEndpointRouteBuilder MapStatsApi(this IEndpointRouteBuilder app)
    {
        var links = app.MapGroup("/api/links").WithTags("Stats")
            .RequireAuthorization(ApiServices.ApiPolicy).RequireRateLimiting(ApiServices.ApiPolicy);
        links.MapGet("/{slug}/stats", GetLinkStats);
        links.MapGet("/{slug}/clicks", GetRecentClicks);

        var stats = app.MapGroup("/api/stats").WithTags("Stats")
            .RequireAuthorization(ApiServices.ApiPolicy).RequireRateLimiting(ApiServices.ApiPolicy);
        stats.MapGet("/summary", GetSummary);
        stats.MapGet("/domains", GetDomains);
        stats.MapGet("/pages", GetPages);
        stats.MapGet("/targets", GetTargets);
        return app;
    }

    public static async Task<Results<Ok<StatsResponse>, NotFound<ProblemDetails>>> GetLinkStats(
        string slug, LinkCatalog catalog, StatsReader reader, TimeProvider time, CancellationToken ct,
        DateOnly? from = null, DateOnly? to = null)
    {
        var link = await catalog.FindAsync(slug, ct);
        if (link is null)
            return TypedResults.NotFound(LinksApi.UnknownSlug(slug));
        var (first, last) = Range(from, to, time);
        return TypedResults.Ok(StatsResponse.From(await reader.ReadAsync(StatsSubject.Link(link.Id), first, last)));
    }

    public static async Task<Results<Ok<IReadOnlyList<System.Text.Json.JsonElement>>, NotFound<ProblemDetails>>> GetRecentClicks(
        string slug, LinkCatalog catalog, StatsReader reader, CancellationToken ct, int limit = 100)
    {
        var link = await catalog.FindAsync(slug, ct);
        if (link is null)
            return TypedResults.NotFound(LinksApi.UnknownSlug(slug));
        var clicks = await reader.ReadRecentAsync(Math.Clamp(limit, 1, 1000),
            click => click.TryGetProperty("link", out var id) && id.GetInt64() == link.Id);
        return TypedResults.Ok(clicks);
    }

    public static async Task<Ok<StatsResponse>> GetSummary(StatsReader reader, TimeProvider time, DateOnly? from = null, DateOnly? to = null)
    {
        var (first, last) = Range(from, to, time);
        return TypedResults.Ok(StatsResponse.From(await reader.ReadAsync(StatsSubject.Global, first, last)));
    }

    public static async Task<Ok<IReadOnlyList<KeyCount>>> GetDomains(StatsReader reader, TimeProvider time, DateOnly? from = null, DateOnly? to = null)
    {
        var (first, last) = Range(from, to, time);
        return TypedResults.Ok((await reader.ReadAsync(StatsSubject.Global, first, last, top: 1000))[Dimension.DestinationDomain]);
    }

    /// <summary>Pages that sent clicks or were viewed, most clicks first; the rate is the page's exit rate through its links.</summary>
    public static async Task<Ok<IReadOnlyList<PageCount>>> GetPages(StatsReader reader, TimeProvider time, DateOnly? from = null, DateOnly? to = null)
    {
        var (first, last) = Range(from, to, time);
        var stats = await reader.ReadAsync(StatsSubject.Global, first, last, top: 1000);
        var clicks = stats[Dimension.SourcePage].ToDictionary(k => k.Key, k => k.Clicks, StringComparer.Ordinal);
        var views = stats[Dimension.PageViews].ToDictionary(k => k.Key, k => k.Clicks, StringComparer.Ordinal);
        IReadOnlyList<PageCount> pages = clicks.Keys.Union(views.Keys)
            .Select(page => (Page: page, Clicks: clicks.GetValueOrDefault(page), Views: views.GetValueOrDefault(page)))
            .Select(p => new PageCount(p.Page, p.Clicks, p.Views, p.Views > 0 ? (double)p.Clicks / p.Views : null))
            .OrderByDescending(p => p.Clicks).ThenByDescending(p => p.PageViews).ThenBy(p => p.Key, StringComparer.Ordinal)
            .ToList();
        return TypedResults.Ok(pages);
    }

    /// <summary>Outbound destination URLs, most clicked first, each with the link texts it was clicked with.</summary>
    public static async Task<Ok<IReadOnlyList<TargetCount>>> GetTargets(StatsReader reader, TimeProvider time, DateOnly? from = null, DateOnly? to = null)
    {
        var (first, last) = Range(from, to, time);
        var stats = await reader.ReadAsync(StatsSubject.Global, first, last, top: 1000);
        var texts = stats[Dimension.LinkText]
            .Select(k => (Url: k.Key[..Math.Max(0, k.Key.IndexOf('\n', StringComparison.Ordinal))], Text: k.Key[(k.Key.IndexOf('\n', StringComparison.Ordinal) + 1)..], k.Clicks))
            .ToLookup(t => t.Url, t => new KeyCount(t.Text, t.Clicks), StringComparer.Ordinal);
        IReadOnlyList<TargetCount> targets = stats[Dimension.TargetUrl]
            .Select(k => new TargetCount(k.Key, DestinationUrlDomain(k.Key), k.Clicks, texts[k.Key].ToList()))
            .ToList();
        return TypedResults.Ok(targets);
    }

    private static string DestinationUrlDomain(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out _) ? DestinationUrl.DomainOf(url) : "";

    /// <summary>Defaults to the last 30 days, today included.</summary>
    public static (DateOnly From, DateOnly To) Range(DateOnly? from, DateOnly? to, TimeProvider time)
    {
        var last = to ?? DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var first = from ?? last.AddDays(-(DefaultRangeDays - 1));
        return first <= last ? (first, last) : (last, first);
    }
}
