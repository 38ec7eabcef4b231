using System.Globalization;
using Microsoft.AspNetCore.Http;
using System.Runtime.CompilerServices;
using System.Text.Json;
using CsvHelper;
using Redirector.Clicks;
using Redirector.Events;
using Redirector.Links;
using Redirector.Sites;

namespace Redirector.Admin.Exports;

/// <summary>
/// Raw events as GET /api/events and the admin's raw-click export write them, streamed as the store hands them over
/// (never all in memory). A row is the event's time (ISO 8601, UTC), node, sequence and index in its batch (together
/// its identity), kind (click, bot, view), bot flag, visitor hash (16 hex digits; never an address), then one column
/// per dimension, named as its filter parameter (the link column holds the link's id), then the link's
/// <c>slug</c>, <c>shortDomain</c> and <c>shortUrl</c> as the catalogue has them now (<see cref="EventLinks"/>): empty
/// for an event of no link (a page view, an outbound click) and for a link deleted since.
/// </summary>
public static class EventCsv
{
    public static readonly IReadOnlyList<string> Header =
        ["time", "node", "sequence", "index", "event", "isBot", "visitor", .. EventColumns.Dimensions.Select(c => EventColumns.ParameterOf(c.Dimension)),
            "slug", "shortDomain", "shortUrl"];

    /// <summary>Rows are read, their links resolved and written this many at a time.</summary>
    private const int ChunkRows = 1000;

    private static readonly CsvWriterOptions CsvOptions = CsvWriterOptions.Default with { Injection = CsvInjection.None, NewLine = "\r\n" };

    /// <summary>
    /// RFC 4180 by CsvHelper, cells made safe for spreadsheets as the admin's exports are (<see cref="Csv.Defuse"/>).
    /// CsvHelper writes synchronously, which Kestrel refuses on a response, so rows go a thousand at a time through a
    /// buffer that is then copied to the response asynchronously.
    /// </summary>
    public static async Task WriteCsvAsync(Stream body, IAsyncEnumerable<EventRow> rows, EventLinks links, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await FlushAsync([Header]);
        await foreach (var chunk in ChunksAsync(rows, links, ct))
            await FlushAsync(chunk.Select(row => Cells(row, links)));

        async Task FlushAsync(IEnumerable<IEnumerable<string?>> pending)
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
            buffer.Position = 0;
            await buffer.CopyToAsync(body, ct);
            buffer.SetLength(0);
        }
    }

    /// <summary>One JSON object a line; like the CSV, written to a buffer and copied to the response a thousand rows at a time.</summary>
    public static async Task WriteNdjsonAsync(Stream body, IAsyncEnumerable<EventRow> rows, EventLinks links, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await using var json = new Utf8JsonWriter(buffer);
        await foreach (var chunk in ChunksAsync(rows, links, ct))
        {
            foreach (var row in chunk)
            {
                json.WriteStartObject();
                var i = 0;
                foreach (var cell in Cells(row, links))
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
            }
            buffer.Position = 0;
            await buffer.CopyToAsync(body, ct);
            buffer.SetLength(0);
        }
    }

    /// <summary>The rows in chunks of <see cref="ChunkRows"/>, each chunk's links resolved in one catalogue read.</summary>
    private static async IAsyncEnumerable<List<EventRow>> ChunksAsync(IAsyncEnumerable<EventRow> rows, EventLinks links,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var chunk = new List<EventRow>(ChunkRows);
        await foreach (var row in rows.WithCancellation(ct))
        {
            chunk.Add(row);
            if (chunk.Count < ChunkRows)
                continue;
            await links.ResolveAsync(chunk, ct);
            yield return chunk;
            chunk = new List<EventRow>(ChunkRows);
        }
        if (chunk.Count > 0)
        {
            await links.ResolveAsync(chunk, ct);
            yield return chunk;
        }
    }

    private static IEnumerable<string?> Cells(EventRow row, EventLinks links)
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
        var link = links.Of(row);
        yield return link?.Slug ?? "";
        yield return link?.ShortDomain ?? "";
        yield return link?.ShortUrl ?? "";
    }

    private static readonly int LinkColumn = EventColumns.Dimensions.Select(c => c.Dimension).ToList().IndexOf(Dimensions.Link);

    /// <summary>The link id an event names; null for none (a page view, an outbound click).</summary>
    internal static long? LinkIdOf(EventRow row) =>
        long.TryParse(row.Values[LinkColumn], NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    /// <summary>
    /// Events with each value as every reader shows it (<see cref="SiteCache.ShownValue"/>): a source page only when it
    /// is a page of a registered site, else none. The store keeps the page every click came from, as the counters do,
    /// so a site registered later gets its history; a short link clicked from google.com shows that page as its
    /// referrer only.
    /// </summary>
    public static async IAsyncEnumerable<EventRow> SitePagesOnly(IAsyncEnumerable<EventRow> rows, SiteCache sites)
    {
        var columns = EventColumns.Dimensions;
        await foreach (var row in rows)
        {
            string?[]? shown = null;
            for (var i = 0; i < columns.Count; i++)
            {
                if (row.Values[i] is { } value && sites.ShownValue(columns[i].Dimension, value) is null)
                {
                    shown ??= (string?[])row.Values.Clone();
                    shown[i] = null;
                }
            }
            yield return shown is null ? row : row with { Values = shown };
        }
    }
}

/// <summary>
/// The short link of each event's link id, for one export: the catalogue is read once per chunk of rows for the ids
/// not met before (<see cref="LinkCatalog.FindManyAsync"/>), never once per row; an id met again is answered from
/// memory (a few dozen bytes per distinct link of the export). The event store keeps ids only: slugs and domains
/// change (a rename, a move) and links are deleted, so the names are the catalogue's at the time of the export.
/// </summary>
/// <param name="request">The request the export answers: the default domain's host is its host unless configured.</param>
public sealed class EventLinks(LinkCatalog catalog, ShortUrls shortUrls, HttpRequest request)
{
    /// <summary>A link as an export names it: slug, short domain host and short URL.</summary>
    public sealed record Name(string Slug, string ShortDomain, string ShortUrl);

    private readonly Dictionary<long, Name?> _names = [];

    /// <summary>Reads the links of <paramref name="rows"/> not known yet, in one query; a deleted link is known as none.</summary>
    public async Task ResolveAsync(IReadOnlyList<EventRow> rows, CancellationToken ct)
    {
        var missing = rows.Select(EventCsv.LinkIdOf).OfType<long>().Where(id => !_names.ContainsKey(id)).ToHashSet();
        if (missing.Count == 0)
            return;
        foreach (var link in await catalog.FindManyAsync(missing, ct))
            _names[link.Id] = new Name(link.Slug, shortUrls.HostOf(request, link.Domain), shortUrls.For(request, link.Slug, link.Domain));
        foreach (var id in missing)
            _names.TryAdd(id, null);
    }

    /// <summary>The row's link, once <see cref="ResolveAsync"/> has seen the row; null for none or a deleted one.</summary>
    public Name? Of(EventRow row) => EventCsv.LinkIdOf(row) is { } id ? _names.GetValueOrDefault(id) : null;
}
