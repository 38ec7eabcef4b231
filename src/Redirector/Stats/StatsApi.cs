using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using System.Text.Json;
using System.Text.Json.Serialization;
using Redirector.Clicks;
using Redirector.Stats;
using Redirector.Api;
using Redirector.Links;

namespace Redirector.Stats;

/// <summary>
/// A subject's counts over a range: clicks, bots, unique visitors, the day and hour series, and one list of
/// <c>{"key", "clicks"}</c> per dimension that has a <see cref="Dimension.JsonName"/> ("utmSources", "languages"...).
/// </summary>
public sealed class StatsResponse
{
    public long Clicks { get; init; }
    public long Bots { get; init; }
    public long UniqueVisitors { get; init; }
    public required IReadOnlyList<DayCount> ByDay { get; init; }

    /// <summary>For ranges of one or two days; null otherwise.</summary>
    public IReadOnlyList<HourCount>? ByHour { get; init; }

    /// <summary>The breakdowns, by their JSON names; written as properties of the answer itself.</summary>
    [JsonExtensionData]
    public Dictionary<string, object> Breakdowns { get; init; } = [];

    /// <summary>A breakdown of this answer, built here or read back from JSON (as clients, and tests, do).</summary>
    public IReadOnlyList<KeyCount> this[Dimension dimension] => Breakdowns.GetValueOrDefault(dimension.JsonName ?? "") switch
    {
        IReadOnlyList<KeyCount> list => list,
        JsonElement json => json.Deserialize<List<KeyCount>>(JsonSerializerOptions.Web) ?? [],
        _ => [],
    };

    public static StatsResponse From(SubjectStats stats)
    {
        var breakdowns = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var dimension in Dimensions.All)
        {
            if (dimension.JsonName is { } name)
                breakdowns[name] = stats[dimension];
        }
        return new StatsResponse
        {
            Clicks = stats.Clicks, Bots = stats.Bots, UniqueVisitors = stats.UniqueVisitors, ByDay = stats.ByDay,
            ByHour = stats.ByHour.Count > 0 ? stats.ByHour : null, Breakdowns = breakdowns,
        };
    }
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
        return TypedResults.Ok((await reader.ReadAsync(StatsSubject.Global, range.From, range.To, top: 1000))[Dimensions.DestinationDomain]);
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
