using System.Globalization;
using Redirector.Clicks;
using Redirector.Stats;

namespace Redirector.Admin.Stats;

/// <summary>The range a counts page shows as its query chose it: a preset ("7d"), or "" for a custom from/to.</summary>
public readonly record struct ChosenRange(string Preset, DateRange Range)
{
    public static ChosenRange Of(string? preset, string? from, string? to, DateOnly today)
    {
        var chosen = from is not null && to is not null ? "" : preset ?? "30d";
        return new ChosenRange(chosen, DateRange.Parse(chosen, from, to, today));
    }

    public string Label
    {
        get
        {
            var preset = Preset;
            return DateRange.Presets.FirstOrDefault(p => p.Key == preset).Label is { } label
                ? label.ToLowerInvariant()
                : Range.From.Year != Range.To.Year
                    ? string.Create(CultureInfo.InvariantCulture, $"{Range.From:MMM d, yyyy} – {Range.To:MMM d, yyyy}")
                    : string.Create(CultureInfo.InvariantCulture, $"{Range.From:MMM d} – {Range.To:MMM d}");
        }
    }

    /// <summary>What drill-down links carry, so a preset stays a preset instead of turning into fixed dates.</summary>
    public string Query => Preset.Length > 0 ? "preset=" + Preset : Range.Query;
}
