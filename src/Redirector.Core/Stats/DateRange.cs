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

    public static readonly IReadOnlyList<(string Key, string Label, int Days)> Presets =
        [("today", "Today", 1), ("7d", "7 days", 7), ("30d", "30 days", 30), ("90d", "90 days", 90)];

    private DateRange(DateOnly from, DateOnly to)
    {
        From = from;
        To = to;
    }

    public DateOnly From { get; }

    public DateOnly To { get; }

    public int Days => To.DayNumber - From.DayNumber + 1;

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
        if (last < first)
            (first, last) = (last, first);
        if (last.DayNumber - first.DayNumber >= StatsReader.MaxRangeDays)
            first = last.AddDays(-(StatsReader.MaxRangeDays - 1));
        return new DateRange(first, last);
    }

    /// <summary>The admin pages' query: "from" and "to" as yyyy-MM-dd when both parse, else a preset (30 days when unknown).</summary>
    public static DateRange Parse(string? preset, string? from, string? to, DateOnly today)
    {
        if (DateOnly.TryParseExact(from, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var first) &&
            DateOnly.TryParseExact(to, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var last))
            return Of(first, last, today, 30);
        var days = Presets.FirstOrDefault(p => p.Key == preset).Days;
        return Last(days > 0 ? days : 30, today);
    }

    public string Query => string.Create(CultureInfo.InvariantCulture, $"from={From:yyyy-MM-dd}&to={To:yyyy-MM-dd}");

    private static DateOnly Clamp(DateOnly day, DateOnly today) =>
        day < Earliest ? Earliest : day > today ? today : day;
}
