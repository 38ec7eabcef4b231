using System.Globalization;

namespace Redirector.Stats;

/// <summary>
/// A range of whole UTC days, both ends included, that counts can be read over. Every range the API and the admin
/// area read is made here, from whatever dates a request sent: the ends are put in order and kept between
/// <see cref="Earliest"/> and today (no click is older than the Unix epoch or newer than today), and the length is
/// capped at <see cref="StatsReader.MaxRangeDays"/> days, keeping the end. So the days of a range, and of the range
/// before it (<see cref="Previous"/>), never leave the calendar, whatever a visitor typed.
/// </summary>
public readonly record struct DateRange
{
    public static readonly DateOnly Earliest = new(1970, 1, 1);

    /// <summary>The admin's presets, by query key: each gives its first day from today (its last is today, but yesterday's).</summary>
    public static readonly IReadOnlyList<(string Key, string Label)> Presets =
        [("today", "Today"), ("yesterday", "Yesterday"), ("7d", "7 days"), ("30d", "30 days"), ("90d", "90 days"),
         ("12m", "12 months"), ("ytd", "Year to date"), ("all", "All time")];

    private DateRange(DateOnly from, DateOnly to, string? adjusted = null)
    {
        From = from;
        To = to;
        Adjusted = adjusted;
    }

    public DateOnly From { get; }

    public DateOnly To { get; }

    public int Days => To.DayNumber - From.DayNumber + 1;

    /// <summary>What was changed in the dates asked for, said to the reader ("cut to the last 400 days"); null when nothing was.</summary>
    public string? Adjusted { get; }

    /// <summary>The range of the same length just before this one, for "change against the previous period".</summary>
    public DateRange Previous => new(From.AddDays(-Days), From.AddDays(-1));

    /// <summary>The last <paramref name="days"/> days up to today, today included.</summary>
    public static DateRange Last(int days, DateOnly today) => Of(null, today, today, days);

    /// <summary>
    /// The range between two dates in any order; a missing <paramref name="to"/> is today, a missing
    /// <paramref name="from"/> makes the range <paramref name="defaultDays"/> long.
    /// </summary>
    public static DateRange Of(DateOnly? from, DateOnly? to, DateOnly today, int defaultDays)
    {
        var last = Clamp(to ?? today, today);
        var first = from is { } given
            ? Clamp(given, today)
            : DateOnly.FromDayNumber(Math.Max(Earliest.DayNumber, last.DayNumber - (Math.Clamp(defaultDays, 1, StatsReader.MaxRangeDays) - 1)));
        var notes = new List<string>(3);
        if (to > today || from > today)
            notes.Add("dates after today were moved to today");
        if (last < first)
        {
            (first, last) = (last, first);
            notes.Add("from and to were swapped");
        }
        if (last.DayNumber - first.DayNumber >= StatsReader.MaxRangeDays)
        {
            first = last.AddDays(-(StatsReader.MaxRangeDays - 1));
            notes.Add($"the range was cut to its last {StatsReader.MaxRangeDays} days, as long as counts are kept");
        }
        return new DateRange(first, last, notes.Count == 0 ? null : string.Join("; ", notes));
    }

    /// <summary>The admin pages' query: "from" and "to" as yyyy-MM-dd when both parse, else a preset (30 days when unknown).</summary>
    public static DateRange Parse(string? preset, string? from, string? to, DateOnly today)
    {
        if (DateOnly.TryParseExact(from, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var first) &&
            DateOnly.TryParseExact(to, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var last))
            return Of(first, last, today, 30);
        return preset switch
        {
            "today" => Last(1, today),
            "yesterday" => Of(today.AddDays(-1), today.AddDays(-1), today, 1),
            "7d" => Last(7, today),
            "90d" => Last(90, today),
            "12m" => Of(today.AddMonths(-12).AddDays(1), today, today, 365),
            "ytd" => Of(new DateOnly(today.Year, 1, 1), today, today, 365),
            // Counters live Analytics:RetentionDays (400 by default): all time is as far back as a range reaches.
            "all" => Last(StatsReader.MaxRangeDays, today),
            _ => Last(30, today),
        };
    }

    public string Query => string.Create(CultureInfo.InvariantCulture, $"from={From:yyyy-MM-dd}&to={To:yyyy-MM-dd}");

    private static DateOnly Clamp(DateOnly day, DateOnly today) =>
        day < Earliest ? Earliest : day > today ? today : day;
}
