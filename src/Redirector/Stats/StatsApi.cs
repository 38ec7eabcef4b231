using Redirector.Admin.Exports;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using System.Text.Json;
using System.Text.Json.Serialization;
using Redirector.Clicks;
using Redirector.Stats;
using Redirector.Api;
using Redirector.Links;
using Redirector.Domains;
using Redirector.Events;
using Redirector.Sites;
using Microsoft.Extensions.Options;
using System.Globalization;

namespace Redirector.Stats;

/// <summary>
/// A subject's counts over a range: clicks, bots, unique visitors, the day and hour series, and one list of
/// <c>{"key", "clicks"}</c> per dimension that has a <see cref="Dimension.JsonName"/> ("utmSources", "languages"...).
/// </summary>
public sealed class StatsResponse
{
    /// <summary>Every click counted: <see cref="ShortLinkClicks"/> plus <see cref="OutboundClicks"/>.</summary>
    public required long Clicks { get; init; }

    /// <summary>Clicks on catalogue links (short URLs and their QR codes).</summary>
    public required long ShortLinkClicks { get; init; }

    /// <summary>Clicks on outbound links of registered sites, counted through the tracker script.</summary>
    public required long OutboundClicks { get; init; }

    /// <summary>Bot requests, counted here alone: never among clicks nor in any breakdown but "botKinds".</summary>
    public required long Bots { get; init; }

    /// <summary>Distinct people (not bots) among the clicks, by their visitor hashes, estimated with HyperLogLog (about 0.8% error).</summary>
    public required long UniqueVisitors { get; init; }
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
            Clicks = stats.Clicks, ShortLinkClicks = stats.ShortLinkClicks, OutboundClicks = stats.OutboundClicks, Bots = stats.Bots, UniqueVisitors = stats.UniqueVisitors, ByDay = stats.ByDay,
            ByHour = stats.ByHour.Count > 0 ? stats.ByHour : null, Breakdowns = breakdowns,
        };
    }
}

/// <summary>
/// One of a link's recent clicks (GET /api/links/{slug}/clicks), under the names GET /api/events gives the same facts:
/// <c>time</c> (UTC), <c>event</c> (<c>click</c>, or <c>bot</c> for a bot request), <c>isBot</c>, the link's <c>slug</c>,
/// <c>shortDomain</c> and <c>shortUrl</c> as the catalogue has them now, then each dimension the raw log keeps, under
/// its filter parameter's name (<c>destinationDomain</c>, <c>deviceType</c>, <c>utmSource</c>, <c>referrer</c>...), only
/// when the click has a value, and <c>referrerDomain</c> (the referrer's host without "www.", <c>(direct)</c> without a
/// referrer). No visitor hash or address.
/// </summary>
public sealed class RecentClickResponse
{
    /// <summary>
    /// Each dimension the raw log keeps, and the referrer domain it derives from the referrer, with the name events and
    /// filters give it, in the order of the event columns.
    /// </summary>
    public static readonly IReadOnlyList<(Dimension Dimension, string Name)> Fields =
        [.. Dimensions.OfClicks.Where(d => d.RawName is not null || d == Dimensions.ReferrerDomain).Select(d => (d, EventColumns.ParameterOf(d)))];

    public required DateTime Time { get; init; }
    public required string Event { get; init; }
    public required bool IsBot { get; init; }
    public required string Slug { get; init; }
    public required string ShortDomain { get; init; }
    public required string ShortUrl { get; init; }

    /// <summary>The dimensions, by their event names; written as properties of the click itself.</summary>
    [JsonExtensionData]
    public Dictionary<string, object> Values { get; init; } = [];

    /// <summary>
    /// A raw-log click (<see cref="RawClickFields.Expand"/>) of the link <paramref name="link"/> names. Its
    /// <c>sourcePage</c> follows the stats' and events' rule (<see cref="SiteCache.ShownValue"/>): given only when
    /// it is a page of a registered site, since the raw log keeps the referrer's page of every click.
    /// </summary>
    public static RecentClickResponse From(JsonElement click, EventLinks.Name link, SiteCache sites)
    {
        var isBot = RecentClicks.IsBot(click);
        var response = new RecentClickResponse
        {
            Time = click.GetProperty(RawClickFields.Time).GetDateTime(),
            Event = isBot ? EventKinds.Bot : EventKinds.Click,
            IsBot = isBot,
            Slug = link.Slug,
            ShortDomain = link.ShortDomain,
            ShortUrl = link.ShortUrl,
        };
        foreach (var (dimension, name) in Fields)
        {
            // The raw log keeps the referrer alone: its domain is derived as the enricher derived the counted one.
            var text = dimension == Dimensions.ReferrerDomain
                ? ClickEnricher.ReferrerDomainOf(RawValue(click, Dimensions.Referrer))
                : sites.ShownValue(dimension, RawValue(click, dimension));
            if (text is not null)
                response.Values[name] = text;
        }
        return response;
    }

    private static string? RawValue(JsonElement click, Dimension dimension) =>
        dimension.RawName is { } raw && click.TryGetProperty(raw, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>
/// Counts: per link, and across links per destination domain, source page, target URL and UTM campaign. Every
/// endpoint takes filters named after the dimensions (<c>?utmSource=facebook&amp;deviceType=mobile</c>; see
/// <see cref="EventFilter"/> and docs/events.md): without any, the Redis counters answer; with some, the event
/// store answers in the same shape, every breakdown computed under the filter.
/// </summary>
public static class StatsApi
{
    public const int DefaultRangeDays = 30;

    public static IEndpointRouteBuilder MapStatsApi(this IEndpointRouteBuilder app)
    {
        var links = app.MapApiGroup("/api/links", "Stats");
        links.MapGet("/{slug}/stats", GetLinkStats).AcceptQueryParameters([.. StatsSources.Parameters, StatsSources.TimeZoneParameter]);
        links.MapGet("/{slug}/clicks", GetRecentClicks).WithDescription(
            "The link's newest clicks, newest first, named as GET /api/events names the same facts: time, event, isBot, slug, " +
            "shortDomain, shortUrl, then each dimension the click has a value for under its filter parameter's name " +
            "(destinationDomain, referrerDomain, referrer, utmSource, deviceType, os, browser, country, language, via...); " +
            "referrerDomain is (direct) for a click without a referrer. Raw clicks: an editor's or administrator's key.")
            .RequireAuthorization(ApiServices.ApiEditorPolicy);

        var stats = app.MapApiGroup("/api/stats", "Stats").AcceptQueryParameters([.. StatsSources.Parameters, StatsSources.TimeZoneParameter]);
        stats.MapGet("/summary", GetSummary);
        stats.MapGet("/domains", GetDomains);
        stats.MapGet("/pages", GetPages);
        stats.MapGet("/targets", GetTargets);
        stats.MapGet("/campaigns", GetCampaigns);
        return app;
    }

    public static async Task<Results<Ok<StatsResponse>, NotFound<ProblemDetails>, ProblemHttpResult>> GetLinkStats(
        string slug, HttpRequest request, StatsSources sources, CancellationToken ct,
        DateOnly? from = null, DateOnly? to = null, string? domain = null)
    {
        var (link, notFound) = await LinksApi.FindAsync(slug, domain, sources.Catalog, sources.Domains, sources.ShortUrls, request, ct);
        if (link is null)
            return TypedResults.NotFound(notFound);
        var (stats, problem) = await sources.ReadAsync(request, link.Id, from, to, StatsReader.DefaultTop, ct);
        return stats is null ? problem! : TypedResults.Ok(StatsResponse.From(stats));
    }

    /// <summary>
    /// The link's newest clicks from the raw log, newest first, at most <paramref name="limit"/> (1 to 1000), named as
    /// GET /api/events names them (<see cref="RecentClickResponse"/>); bot requests only with <c>bots=true</c>.
    /// </summary>
    public static async Task<Results<Ok<IReadOnlyList<RecentClickResponse>>, NotFound<ProblemDetails>, ValidationProblem>> GetRecentClicks(
        string slug, LinkCatalog catalog, DomainCatalog domains, StatsReader reader, ShortUrls shortUrls, SiteCache sites, HttpRequest request, CancellationToken ct,
        int limit = 100, string? domain = null, bool bots = false)
    {
        if (QueryRanges.Outside("limit", limit, 1, 1000) is { } outside)
            return outside;
        var (link, notFound) = await LinksApi.FindAsync(slug, domain, catalog, domains, shortUrls, request, ct);
        if (link is null)
            return TypedResults.NotFound(notFound);
        var clicks = await reader.ReadRecentAsync(limit, RecentClicks.OfLink(link.Id, bots));
        var name = new EventLinks.Name(link.Slug, shortUrls.HostOf(request, link.Domain), shortUrls.For(request, link.Slug, link.Domain));
        return TypedResults.Ok<IReadOnlyList<RecentClickResponse>>([.. clicks.Select(c => RecentClickResponse.From(c, name, sites))]);
    }

    public static async Task<Results<Ok<StatsResponse>, ProblemHttpResult>> GetSummary(
        HttpRequest request, StatsSources sources, CancellationToken ct, DateOnly? from = null, DateOnly? to = null)
    {
        var (stats, problem) = await sources.ReadAsync(request, null, from, to, StatsReader.DefaultTop, ct);
        return stats is null ? problem! : TypedResults.Ok(StatsResponse.From(stats));
    }

    public static async Task<Results<Ok<IReadOnlyList<KeyCount>>, ProblemHttpResult>> GetDomains(
        HttpRequest request, StatsSources sources, CancellationToken ct, DateOnly? from = null, DateOnly? to = null)
    {
        var (stats, problem) = await sources.ReadAsync(request, null, from, to, 1000, ct);
        return stats is null ? problem! : TypedResults.Ok(stats[Dimensions.DestinationDomain]);
    }

    /// <summary>Clicks per UTM campaign, most first (clicks without a campaign are not listed).</summary>
    public static async Task<Results<Ok<IReadOnlyList<KeyCount>>, ProblemHttpResult>> GetCampaigns(
        HttpRequest request, StatsSources sources, CancellationToken ct, DateOnly? from = null, DateOnly? to = null)
    {
        var (stats, problem) = await sources.ReadAsync(request, null, from, to, 1000, ct);
        return stats is null ? problem! : TypedResults.Ok(stats[Dimensions.UtmCampaign]);
    }

    /// <summary>Pages that sent clicks or were viewed, most clicks first; the rate is the page's exit rate through its links.</summary>
    public static async Task<Results<Ok<IReadOnlyList<PageCount>>, ProblemHttpResult>> GetPages(
        HttpRequest request, StatsSources sources, CancellationToken ct, DateOnly? from = null, DateOnly? to = null)
    {
        var (stats, problem) = await sources.ReadAsync(request, null, from, to, 1000, ct);
        return stats is null ? problem! : TypedResults.Ok(OutboundCounts.PagesOf(stats));
    }

    /// <summary>Outbound destination URLs, most clicked first, each with the link texts it was clicked with.</summary>
    public static async Task<Results<Ok<IReadOnlyList<TargetCount>>, ProblemHttpResult>> GetTargets(
        HttpRequest request, StatsSources sources, CancellationToken ct, DateOnly? from = null, DateOnly? to = null)
    {
        var (stats, problem) = await sources.ReadAsync(request, null, from, to, 1000, ct);
        return stats is null ? problem! : TypedResults.Ok(OutboundCounts.TargetsOf(stats));
    }

    /// <summary>
    /// Defaults to the last 30 days, today included; see <see cref="DateRange"/> for how any dates sent are kept
    /// readable. Today is <paramref name="zone"/>'s (UTC when null): in a zone ahead of UTC, today's clicks fall on a day
    /// UTC has not reached.
    /// </summary>
    public static DateRange Range(DateOnly? from, DateOnly? to, TimeProvider time, TimeZoneInfo? zone = null)
    {
        var now = time.GetUtcNow();
        var today = DateOnly.FromDateTime(zone is null ? now.UtcDateTime : TimeZoneInfo.ConvertTime(now, zone).DateTime);
        return DateRange.Of(from, to, today, DefaultRangeDays);
    }
}

/// <summary>The stats API's side of <see cref="FilteredStats"/>: filters from the query string, problems for bad ones.</summary>
public sealed class StatsSources(FilteredStats stats, LinkCatalog catalog, DomainCatalog domains, ShortUrls shortUrls, TimeProvider time)
{
    /// <summary>The query parameter that reads the stats of one short domain's links (a host; the default domain's host for it).</summary>
    public const string ShortDomainParameter = "shortDomain";

    /// <summary>The query parameter naming the short domain of <c>link</c> slugs (the default domain without it).</summary>
    public const string DomainParameter = "domain";

    /// <summary>
    /// The query parameter of the stats endpoints naming the IANA time zone (e.g. Europe/Berlin) whose days and hours
    /// the answer counts in; UTC without it. The event store answers in any other zone (Redis counts UTC days).
    /// </summary>
    public const string TimeZoneParameter = "timeZone";

    /// <summary>
    /// The query parameters every stats endpoint takes beside its own (from, to...): the filters,
    /// <see cref="ShortDomainParameter"/> and <see cref="DomainParameter"/>.
    /// </summary>
    public static IReadOnlyList<string> Parameters { get; } = [.. EventFilter.Parameters, ShortDomainParameter, DomainParameter];

    public LinkCatalog Catalog => catalog;

    public DomainCatalog Domains => domains;

    public ShortUrls ShortUrls => shortUrls;

    public TimeProvider Time => time;

    /// <summary>
    /// The stats of the global subject (or one link's) from <paramref name="from"/> to <paramref name="to"/>
    /// (<see cref="StatsApi.Range"/>, ending on the zone's today) under the request's filters, days and hours in
    /// its <see cref="TimeZoneParameter"/>; a problem (400) when a filter is malformed or the zone unknown. Throws <see cref="StatsUnavailableException"/> or
    /// <see cref="EventStoreUnavailableException"/> (503) when the store that would answer is away.
    /// </summary>
    public async Task<(SubjectStats? Stats, ProblemHttpResult? Problem)> ReadAsync(
        HttpRequest request, long? linkId, DateOnly? from, DateOnly? to, int top, CancellationToken ct)
    {
        if (!EventFilter.TryParse(request.Query, out var filter, out var error))
            return (null, TypedResults.Problem(title: "A filter is not valid.", detail: error, statusCode: StatusCodes.Status400BadRequest));
        if (!TryZoneOf(request, out var zone))
        {
            return (null, TypedResults.Problem(title: "The time zone is not known.", statusCode: StatusCodes.Status400BadRequest,
                detail: $"'{TimeZoneParameter}' takes one IANA time zone name such as Europe/Berlin or America/New_York."));
        }
        var (domain, shortDomains, unknown) = await NamesOfAsync(request, filter, ct);
        if (unknown is not null)
            return (null, unknown);
        var range = StatsApi.Range(from, to, time, zone);
        return (await stats.ReadAsync(linkId is { } id ? StatsScope.Link(id) : StatsScope.Global, range, filter, top, ct,
            domain, shortDomains, zone), null);
    }

    /// <summary>
    /// The request's <see cref="DomainParameter"/> and <see cref="ShortDomainParameter"/> as <see cref="FilteredStats"/>
    /// takes them (the default domain, named by BaseUrl's host or the request's own, as null), or a problem (400) when
    /// one names no registered domain or a <c>link</c> filter names a slug no link has: either would read as no clicks.
    /// </summary>
    private async Task<(string? Domain, string?[] ShortDomains, ProblemHttpResult? Problem)> NamesOfAsync(
        HttpRequest request, EventFilter filter, CancellationToken ct)
    {
        var (domainKnown, domain, domainError) = await KeyOfAsync(request.Query[DomainParameter].LastOrDefault());
        if (!domainKnown)
            return (null, [], UnknownName(DomainParameter, domainError!));
        var shortDomains = new List<string?>();
        foreach (var host in request.Query[ShortDomainParameter])
        {
            var (known, key, error) = await KeyOfAsync(host);
            if (!known)
                return (null, [], UnknownName(ShortDomainParameter, error!));
            shortDomains.Add(key);
        }
        foreach (var slug in filter.Dimensions.Where(d => d.Dimension == Dimensions.Link).SelectMany(d => d.Include.Concat(d.Exclude)))
        {
            if (await catalog.FindAsync(domains.KeyForQuery(domain), slug, ct) is null)
            {
                var on = domain is null ? "" : $" on {domain}";
                return (null, [], UnknownName(EventColumns.ParameterOf(Dimensions.Link), $"No link has the slug '{LinksApi.Shortened(slug)}'{on}."));
            }
        }
        return (domain, [.. shortDomains], null);

        async Task<(bool Known, string? Key, string? Error)> KeyOfAsync(string? host)
        {
            var key = LinksApi.DomainKeyOf(host, domains, shortUrls, request);
            if (key.Length == 0)
                return (true, null, null);
            var (ok, _, error) = await domains.KeyForLinkAsync(host, ct);
            return ok ? (true, key, null) : (false, null, error);
        }
    }

    private static ProblemHttpResult UnknownName(string parameter, string detail) =>
        TypedResults.Problem(title: $"'{parameter}' names nothing this service knows.", detail: detail, statusCode: StatusCodes.Status400BadRequest);

    /// <summary>The request's <see cref="TimeZoneParameter"/>: false when it names no IANA zone; true with null when it is absent.</summary>
    private static bool TryZoneOf(HttpRequest request, out TimeZoneInfo? zone)
    {
        zone = null;
        return request.Query[TimeZoneParameter] is not { Count: > 0 } zoneName || TryFindZone(zoneName.ToString(), out zone);
    }

    /// <summary>An IANA zone by name (Windows names and offsets are not taken: the store's SQL knows IANA names only).</summary>
    private static bool TryFindZone(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TimeZoneInfo? zone)
    {
        zone = null;
        return name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '_' or '+' or '-')
            && TimeZoneInfo.TryFindSystemTimeZoneById(name, out zone) && zone.HasIanaId;
    }

    /// <summary>
    /// The request's filter as the event store reads it: <c>link</c> slugs of the domain in <c>?domain=</c> (the
    /// default one without) become ids, and <c>?shortDomain=</c> narrows to that domain's links; a problem (400) when
    /// a domain or slug is unknown.
    /// </summary>
    public async Task<(EventFilter? Filter, ProblemHttpResult? Problem)> NarrowAsync(EventFilter filter, HttpRequest request, CancellationToken ct)
    {
        var (domain, shortDomains, unknown) = await NamesOfAsync(request, filter, ct);
        return unknown is not null ? (null, unknown) : (await stats.NarrowAsync(filter, domain, shortDomains, ct), null);
    }
}
