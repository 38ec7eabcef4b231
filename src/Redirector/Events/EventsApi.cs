using Redirector.Admin.Exports;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Redirector.Api;
using Redirector.Links;
using Redirector.Sites;
using Redirector.Stats;

namespace Redirector.Events;

/// <summary>
/// GET /api/events: raw events of a range under the stats filters, streamed as CSV or NDJSON as the store hands them
/// over (never all in memory), in the rows of <see cref="EventCsv"/>, which the admin's raw-click export writes too.
/// </summary>
public static class EventsApi
{
    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapApiGroup("/api/events", "Events").RequireAuthorization(ApiServices.ApiEditorPolicy).MapGet("/", GetEvents).AcceptQueryParameters(StatsSources.Parameters);
        return app;
    }

    public static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> GetEvents(
        HttpRequest request, EventStore store, StatsSources sources, SiteCache sites, ShortUrls shortUrls, IOptions<EventsOptions> options, CancellationToken ct,
        DateOnly? from = null, DateOnly? to = null, string? format = null)
    {
        var csv = format is null or "csv";
        if (!csv && format != "ndjson")
            return TypedResults.Problem(title: "Unknown format.", detail: "format is csv (the default) or ndjson.", statusCode: StatusCodes.Status400BadRequest);
        if (!EventFilter.TryParse(request.Query, out var filter, out var error))
            return TypedResults.Problem(title: "A filter is not valid.", detail: error, statusCode: StatusCodes.Status400BadRequest);
        if (!options.Value.Enabled)
            throw new EventStoreUnavailableException();
        var (narrowed, unknown) = await sources.NarrowAsync(filter, request, ct);
        if (unknown is not null)
            return unknown;
        filter = narrowed!;
        var range = StatsApi.Range(from, to, sources.Time);
        var query = EventQuery.Days(range.From, range.To, null, filter);
        // Opened before the answer starts, so a store that is away is a 503, not a cut-off body.
        try
        {
            await store.OpenAsync(ct);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            throw new EventStoreUnavailableException(ex);
        }
        var name = $"events-{range.From:yyyy-MM-dd}-{range.To:yyyy-MM-dd}." + (csv ? "csv" : "ndjson");
        var links = new EventLinks(sources.Catalog, shortUrls, request);
        return TypedResults.Stream(
            body => csv ? EventCsv.WriteCsvAsync(body, EventCsv.SitePagesOnly(store.ReadEventsAsync(query, ct), sites), links, ct)
                : EventCsv.WriteNdjsonAsync(body, EventCsv.SitePagesOnly(store.ReadEventsAsync(query, ct), sites), links, ct),
            csv ? "text/csv; charset=utf-8" : "application/x-ndjson", name);
    }
}
