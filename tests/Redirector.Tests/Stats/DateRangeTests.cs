using Redirector.Stats;

namespace Redirector.Tests.Stats;

/// <summary>The admin's range presets, and the note a range carries when the dates asked for were changed.</summary>
public sealed class DateRangeTests
{
    private static readonly DateOnly Today = new(2026, 11, 30);

    [Theory]
    [InlineData("today", "2026-11-30", "2026-11-30")]
    [InlineData("yesterday", "2026-11-29", "2026-11-29")]
    [InlineData("7d", "2026-11-24", "2026-11-30")]
    [InlineData("12m", "2025-12-01", "2026-11-30")]
    [InlineData("ytd", "2026-01-01", "2026-11-30")]
    [InlineData("all", "2025-10-27", "2026-11-30")]
    [InlineData("nonsense", "2026-11-01", "2026-11-30")]
    public void Each_preset_gives_its_days(string preset, string from, string to)
    {
        var range = DateRange.Parse(preset, null, null, Today);
        Assert.Equal((DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), DateOnly.Parse(to, System.Globalization.CultureInfo.InvariantCulture)), (range.From, range.To));
        Assert.Null(range.Adjusted);
    }

    [Fact]
    public void A_swapped_a_too_long_or_a_future_range_says_what_was_changed()
    {
        Assert.Null(DateRange.Parse(null, "2026-11-01", "2026-11-30", Today).Adjusted);
        Assert.Equal("from and to were swapped", DateRange.Parse(null, "2026-11-30", "2026-11-01", Today).Adjusted);
        var cut = DateRange.Parse(null, "2020-01-01", "2026-11-30", Today);
        Assert.Equal(StatsReader.MaxRangeDays, cut.Days);
        Assert.Contains("cut to its last 400 days", cut.Adjusted, StringComparison.Ordinal);
        Assert.Contains("moved to today", DateRange.Parse(null, "2026-11-01", "2027-01-01", Today).Adjusted, StringComparison.Ordinal);
    }
}
