using System.Globalization;
using System.Text.Json;
using CsvHelper;
using Redirector.Clicks;
using Redirector.Events;
using Redirector.Sites;

namespace Redirector.Admin.Exports;

/// <summary>
/// Raw events as GET /api/events and the admin's raw-click export write them, streamed as the store hands them over
/// (never all in memory). A row is the event's time (ISO 8601, UTC), node, sequence and index in its batch (together
/// its identity), kind (click, bot, view), bot flag, visitor hash (16 hex digits; never an address), then one column
/// per dimension, named as its filter parameter (the link column holds the link's id).
/// </summary>
public static class EventCsv
{
    public static readonly IReadOnlyList<string> Header =
        ["time", "node", "sequence", "index", "event", "isBot", "visitor", .. EventColumns.Dimensions.Select(c => EventColumns.ParameterOf(c.Dimension))];

    private static readonly CsvWriterOptions CsvOptions = CsvWriterOptions.Default with { Injection = CsvInjection.None, NewLine = "\r\n" };

    /// <summary>
    /// RFC 4180 by CsvHelper, cells made safe for spreadsheets as the admin's exports are (<see cref="Csv.Defuse"/>).
    /// CsvHelper writes synchronously, which Kestrel refuses on a response, so rows go a thousand at a time through a
    /// buffer that is then copied to the response asynchronously.
    /// </summary>
    public static async Task WriteCsvAsync(Stream body, IAsyncEnumerable<EventRow> rows, CancellationToken ct)
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
    public static async Task WriteNdjsonAsync(Stream body, IAsyncEnumerable<EventRow> rows, CancellationToken ct)
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

    private static readonly int SourcePageColumn = EventColumns.Dimensions.Select(c => c.Dimension).ToList().IndexOf(Dimensions.SourcePage);

    /// <summary>
    /// Events with the stats' meaning of a source page (<see cref="Stats.SubjectStats.WithSitePagesOnly"/>): a page of a
    /// registered site, else none. The store keeps the page every click came from, as the counters do, so a site
    /// registered later gets its history; a short link clicked from google.com shows that page as its referrer only.
    /// </summary>
    public static async IAsyncEnumerable<EventRow> SitePagesOnly(IAsyncEnumerable<EventRow> rows, SiteCache sites)
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
}
