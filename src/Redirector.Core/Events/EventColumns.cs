using System.Text;
using Redirector.Clicks;

namespace Redirector.Events;

/// <summary>What an event is: a counted click of a person, a bot request, a page view reported by the tracker script, or a refused visit.</summary>
public static class EventKinds
{
    public const string Click = "click";
    public const string Bot = "bot";
    public const string View = "view";

    /// <summary>A visit the link's access rules turned away (not yet valid, expired, out of clicks, wrong password...):
    /// kept, never counted as a click; its reason is the "refused" dimension.</summary>
    public const string Refused = "refused";
}

/// <summary>
/// The event table's columns (text on ClickHouse; on DuckDB the text ones hold codes, see <see cref="DuckDbEventStore"/>).
/// Fixed ones identify and time the event; then one text column per row of
/// <see cref="Dimensions"/> that clicks carry (<see cref="Dimensions.OfClicks"/>), named after the row in snake
/// case ("UtmSource" is utm_source), so a dimension added to the table becomes a column the next time a store
/// opens (it adds the missing ones with ALTER TABLE ... ADD COLUMN; events stored before have none there).
/// </summary>
public static class EventColumns
{
    /// <summary>The fixed columns, in table order: when, which batch and place in it, what kind, who (a hash, never an address).</summary>
    public static readonly IReadOnlyList<string> Fixed = ["time", "node", "sequence", "idx", "event", "is_bot", "visitor"];

    /// <summary>Every dimension column, in the table's order.</summary>
    public static IReadOnlyList<(Dimension Dimension, string Column)> Dimensions { get; } =
        [.. Redirector.Clicks.Dimensions.OfClicks.Select(d => (d, SnakeCase(d.Name)))];

    /// <summary>The column of a dimension clicks carry; null for one they do not (page views).</summary>
    public static string? Of(Dimension dimension) =>
        dimension.Value is null ? null : SnakeCase(dimension.Name);

    /// <summary>A dimension's query parameter in filters: its name in camel case ("utmSource", "deviceType", "link").</summary>
    public static string ParameterOf(Dimension dimension) => char.ToLowerInvariant(dimension.Name[0]) + dimension.Name[1..];

    internal static string SnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (char.IsAsciiLetterUpper(c) && text.Length > 0)
                text.Append('_');
            text.Append(char.ToLowerInvariant(c));
        }
        return text.ToString();
    }
}

/// <summary>One stored event: a row of the event table.</summary>
/// <param name="Index">Its place in its batch: (node, sequence, index) identifies it.</param>
/// <param name="Visitor">The visitor hash of a person's click (the first 64 bits of a daily-salted HMAC); none for bots and views.</param>
/// <param name="Values">Per dimension column (<see cref="EventColumns.Dimensions"/>), in order.</param>
public sealed record EventRow(DateTime Time, string Node, long Sequence, int Index, string Event, bool IsBot, ulong? Visitor, string?[] Values)
{
    /// <summary>
    /// The events of a batch: one per click of each group (its time and, for people, its visitor), then one per page
    /// view, which carries only its day (views are counted per page and day before they reach the spool) and its
    /// page as the source page.
    /// </summary>
    public static IEnumerable<EventRow> Of(ClickBatch batch)
    {
        var index = 0;
        foreach (var run in EventRun.Of(batch))
        {
            var values = new string?[EventColumns.Dimensions.Count];
            run.CopyValues(values);
            for (var i = 0; i < run.Count; i++)
                yield return new EventRow(run.TimeOf(i), batch.Node, batch.Sequence, index++, run.Event, run.IsBot, run.VisitorOf(i), values);
        }
    }
}

/// <summary>
/// Events of a batch that share their kind and every dimension value, in the order <see cref="EventRow.Of"/> gives
/// them: the clicks of one group, or one page's views of one day. A store that codes values once per run (DuckDB)
/// reads these rather than an <see cref="EventRow"/> per event.
/// </summary>
internal readonly struct EventRun(string kind, bool isBot, int count, ClickShape? shape, string? page, List<DateTime>? times, DateTime day, List<ulong>? visitors)
{
    private static readonly int SourcePage = IndexOf(Clicks.Dimensions.SourcePage);

    /// <summary>The events' kind (<see cref="EventKinds"/>).</summary>
    public string Event => kind;

    public bool IsBot => isBot;

    /// <summary>How many events the run holds.</summary>
    public int Count => count;

    /// <summary>The runs of a batch: its click groups, then its page views.</summary>
    public static IEnumerable<EventRun> Of(ClickBatch batch)
    {
        foreach (var group in batch.Groups)
        {
            var groupShape = group.Shape;
            var groupKind = Clicks.Dimensions.IsRefused(groupShape) ? EventKinds.Refused : groupShape.IsBot ? EventKinds.Bot : EventKinds.Click;
            // People have a visitor per click; a group whose counts disagree (none known) keeps none rather than misplace them.
            var people = !groupShape.IsBot && group.Visitors.Count == group.Times.Count ? group.Visitors : null;
            yield return new EventRun(groupKind, groupShape.IsBot, group.Times.Count, groupShape, null, group.Times, default, people);
        }
        foreach (var view in batch.PageViews)
        {
            var viewDay = DateTime.SpecifyKind(DateTime.ParseExact(view.Day, "yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc);
            yield return new EventRun(EventKinds.View, false, view.Views, null, view.Page, null, viewDay, null);
        }
    }

    /// <summary>The value of a dimension column (its place in <see cref="EventColumns.Dimensions"/>); null when none.</summary>
    public string? Value(int column) =>
        shape is { } clicks ? clicks[EventColumns.Dimensions[column].Dimension] : column == SourcePage ? page : null;

    /// <summary>Every dimension column's value, in column order.</summary>
    public void CopyValues(Span<string?> values)
    {
        for (var c = 0; c < values.Length; c++)
            values[c] = Value(c);
    }

    /// <summary>The time of the run's i-th event: a click's own, a page view's day.</summary>
    public DateTime TimeOf(int i) => times is { } clicks ? clicks[i] : day;

    /// <summary>The visitor of the run's i-th event: people's clicks only.</summary>
    public ulong? VisitorOf(int i) => visitors is { } people ? people[i] : null;

    private static int IndexOf(Dimension dimension)
    {
        var columns = EventColumns.Dimensions;
        for (var c = 0; c < columns.Count; c++)
        {
            if (columns[c].Dimension == dimension)
                return c;
        }
        throw new InvalidOperationException($"{dimension} has no event column");
    }
}
