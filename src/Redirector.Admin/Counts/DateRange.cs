using System.Globalization;

namespace Redirector.Admin.Counts;

/// <summary>A range of whole UTC days, both ends included.</summary>
public readonly record struct DateRange(DateOnly From, DateOnly To)
{
    public static readonly IReadOnlyList<(string Key, string Label, int Days)> Presets =
        [("today", "Today", 1), ("7d", "7 days", 7), ("30d", "30 days", 30), ("90d", "90 days", 90)];

    public int Days => To.DayNumber - From.DayNumber + 1;

    /// <summary>The range of the same length just before this one, for "change against the previous period".</summary>
    public DateRange Previous => new(From.AddDays(-Days), From.AddDays(-1));

    public static DateRange Last(int days, DateOnly today) => new(today.AddDays(-(days - 1)), today);

    public static DateRange Parse(string? preset, string? from, string? to, DateOnly today)
    {
        if (DateOnly.TryParseExact(from, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var first) &&
            DateOnly.TryParseExact(to, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var last))
        {
            if (last < first)
                (first, last) = (last, first);
            if (last > today)
                last = today;
            return new DateRange(first > last ? last : first, last).Capped();
        }
        var days = Presets.FirstOrDefault(p => p.Key == preset).Days;
        return Last(days > 0 ? days : 30, today);
    }

    public string Query => string.Create(CultureInfo.InvariantCulture, $"from={From:yyyy-MM-dd}&to={To:yyyy-MM-dd}");

    private DateRange Capped() =>
        Days > Analytics.StatsReader.MaxRangeDays ? new DateRange(To.AddDays(-(Analytics.StatsReader.MaxRangeDays - 1)), To) : this;
}
