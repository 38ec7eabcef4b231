using System.Globalization;
using System.Text.Json;
using CsvHelper;
using Redirector.Admin.Exports;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Redirector.Api;
using Redirector.Clicks;
using Redirector.Sites;
using Redirector.Stats;

namespace Redirector.Events;

/// <summary>
/// GET /api/events: raw events of a range under the stats filters, streamed as CSV or NDJSON as the store hands them
/// over (never all in memory). A row is the event's time (ISO 8601, UTC), node, sequence and index in its batch
/// (together its identity), kind (click, bot, view), bot flag, visitor hash (16 hex digits; never an address), then
/// one column per dimension, named as its filter parameter (the link column holds the link's id).
/// </summary>
public static class EventsApi
{
    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapApiGroup("/api/events", "Events").MapGet("/", GetEvents).AcceptOnlyKnownQueryParameters(StatsSources.Parameters);
        return app;
    }

    private static readonly string[] Header =
        ["time", "node", "sequence", "index", "event", "isBot", "visitor", .. EventColumns.Dimensions.Select(c => EventColumns.ParameterOf(c.Dimension))];

    public static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> GetEvents(
        HttpRequest request, EventStore store, StatsSources sources, SiteCache sites, IOptions<EventsOptions> options, CancellationToken ct,
        DateOnly? from = null, DateOnly? to = null, string? format = null)
    {
        var csv = format is null or "csv";
        if (!csv && format != "ndjson")
            return TypedResults.Problem(title: "Unknown format.", detail: "format is csv (the default) or ndjson.", statusCode: StatusCodes.Status400BadRequest);
        if (!EventFilter.TryParse(request.Query, out var filter, out var error))
            return TypedResults.Problem(title: "A filter is not valid.", detail: error, statusCode: StatusCodes.Status400BadRequest);
        if (!options.Value.Enabled)
            throw new EventStoreUnavailableException();
        filter = await sources.NarrowAsync(filter, request, ct);
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
        return TypedResults.Stream(
            body => csv ? WriteCsvAsync(body, SitePagesOnly(store.ReadEventsAsync(query, ct), sites), ct)
                : WriteNdjsonAsync(body, SitePagesOnly(store.ReadEventsAsync(query, ct), sites), ct),
            csv ? "text/csv; charset=utf-8" : "application/x-ndjson", name);
    }

    private static readonly CsvWriterOptions CsvOptions = CsvWriterOptions.Default with { Injection = CsvInjection.None, NewLine = "\r\n" };

    /// <summary>
    /// RFC 4180 by CsvHelper, cells made safe for spreadsheets as the admin's exports are (<see cref="Csv.Defuse"/>).
    /// CsvHelper writes synchronously, which Kestrel refuses on a response, so rows go a thousand at a time through a
    /// buffer that is then copied to the response asynchronously.
    /// </summary>
    private static async Task WriteCsvAsync(Stream body, IAsyncEnumerable<EventRow> rows, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var pending = new List<IEnumerable<string?>> { Header };
        async Task FlushAsync()
        {
            using (var writer = CsvWriter.Create(buffer, CsvOptions, leaveOpen: true))
            {
                foreach (var row in pending)
                {
                    foreach (var cell in row)
                        writer.WriteField(Csv.Defuse(cell));
                    writer.EndRecord();
                }
            }
            pending.Clear();
            buffer.Position = 0;
            await buffer.CopyToAsync(body, ct);
            buffer.SetLength(0);
        }
        await foreach (var row in rows.WithCancellation(ct))
        {
            pending.Add(Cells(row).ToList());
            if (pending.Count >= 1000)
                await FlushAsync();
        }
        await FlushAsync();
    }

    /// <summary>One JSON object a line; like the CSV, written to a buffer and copied to the response a thousand rows at a time.</summary>
    private static async Task WriteNdjsonAsync(Stream body, IAsyncEnumerable<EventRow> rows, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await using var json = new Utf8JsonWriter(buffer);
        var written = 0;
        await foreach (var row in rows.WithCancellation(ct))
        {
            json.WriteStartObject();
            var i = 0;
            foreach (var cell in Cells(row))
            {
                if (i is 2 or 3)
                    json.WriteNumber(Header[i], long.Parse(cell!, CultureInfo.InvariantCulture));
                else if (i == 5)
                    json.WriteBoolean(Header[i], row.IsBot);
                else
                    json.WriteString(Header[i], cell);
                i++;
            }
            json.WriteEndObject();
            json.Flush();
            json.Reset();
            buffer.WriteByte((byte)'\n');
            if (++written % 1000 == 0)
                await CopyAsync();
        }
        await CopyAsync();

        async Task CopyAsync()
        {
            buffer.Position = 0;
            await buffer.CopyToAsync(body, ct);
            buffer.SetLength(0);
        }
    }

    private static readonly int SourcePageColumn = EventColumns.Dimensions.Select(c => c.Dimension).ToList().IndexOf(Dimensions.SourcePage);

    /// <summary>
    /// Events with the stats' meaning of a source page (<see cref="SubjectStats.WithSitePagesOnly"/>): a page of a
    /// registered site, else none. The store keeps the page every click came from, as the counters do, so a site
    /// registered later gets its history; a short link clicked from google.com shows that page as its referrer only.
    /// </summary>
    private static async IAsyncEnumerable<EventRow> SitePagesOnly(IAsyncEnumerable<EventRow> rows, SiteCache sites)
    {
        await foreach (var row in rows)
        {
            if (row.Values[SourcePageColumn] is { } page && !sites.OwnsPage(page))
            {
                var values = (string?[])row.Values.Clone();
                values[SourcePageColumn] = null;
                yield return row with { Values = values };
            }
            else
            {
                yield return row;
            }
        }
    }

    private static IEnumerable<string?> Cells(EventRow row)
    {
        yield return row.Time.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        yield return row.Node;
        yield return row.Sequence.ToString(CultureInfo.InvariantCulture);
        yield return row.Index.ToString(CultureInfo.InvariantCulture);
        yield return row.Event;
        yield return row.IsBot ? "true" : "false";
        yield return row.Visitor?.ToString("x16", CultureInfo.InvariantCulture);
        foreach (var value in row.Values)
            yield return value;
    }
}
