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

/// <summary>Counts: per link, and across links per destination domain and per source page.</summary>
public static class StatsApi
{
    public const int DefaultRangeDays = 30;

    public static IEndpointRouteBuilder MapStatsApi(this IEndpointRouteBuilder app)
    {
        var links = app.MapApiGroup("/api/links", "Stats");
        links.MapGet("/{slug}/stats", GetLinkStats);
        links.MapGet("/{slug}/clicks", GetRecentClicks);

        var stats = app.MapApiGroup("/api/stats", "Stats");
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
        var range = Range(from, to, time);
        return TypedResults.Ok(StatsResponse.From(await reader.ReadAsync(StatsSubject.Link(link.Id), range.From, range.To)));
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
        var range = Range(from, to, time);
        return TypedResults.Ok(StatsResponse.From(await reader.ReadAsync(StatsSubject.Global, range.From, range.To)));
    }

    public static async Task<Ok<IReadOnlyList<KeyCount>>> GetDomains(StatsReader reader, TimeProvider time, DateOnly? from = null, DateOnly? to = null)
    {
        var range = Range(from, to, time);
        return TypedResults.Ok((await reader.ReadAsync(StatsSubject.Global, range.From, range.To, top: 1000))[Dimension.DestinationDomain]);
    }

    /// <summary>Pages that sent clicks or were viewed, most clicks first; the rate is the page's exit rate through its links.</summary>
    public static async Task<Ok<IReadOnlyList<PageCount>>> GetPages(StatsReader reader, TimeProvider time, DateOnly? from = null, DateOnly? to = null)
    {
        var range = Range(from, to, time);
        return TypedResults.Ok(OutboundCounts.PagesOf(await reader.ReadAsync(StatsSubject.Global, range.From, range.To, top: 1000)));
    }

    /// <summary>Outbound destination URLs, most clicked first, each with the link texts it was clicked with.</summary>
    public static async Task<Ok<IReadOnlyList<TargetCount>>> GetTargets(StatsReader reader, TimeProvider time, DateOnly? from = null, DateOnly? to = null)
    {
        var range = Range(from, to, time);
        return TypedResults.Ok(OutboundCounts.TargetsOf(await reader.ReadAsync(StatsSubject.Global, range.From, range.To, top: 1000)));
    }

    /// <summary>Defaults to the last 30 days, today included; see <see cref="DateRange"/> for how any dates sent are kept readable.</summary>
    public static DateRange Range(DateOnly? from, DateOnly? to, TimeProvider time) =>
        DateRange.Of(from, to, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime), DefaultRangeDays);
}
