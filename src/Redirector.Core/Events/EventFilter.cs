using Microsoft.Extensions.Primitives;
using Redirector.Clicks;

namespace Redirector.Events;

/// <summary>The values one dimension must have (any of <see cref="Include"/>) and must not have (none of <see cref="Exclude"/>).</summary>
public sealed record DimensionFilter(Dimension Dimension, IReadOnlyList<string> Include, IReadOnlyList<string> Exclude);

/// <summary>
/// Filters of a stats or events request, from query parameters named after the dimensions
/// (<see cref="EventColumns.ParameterOf"/>: utmSource, deviceType, country, link...): different parameters combine
/// with AND, a parameter repeated (or given several values) means OR, and a value starting with "!" excludes it
/// (a click without a value is kept by an exclusion). Other parameters (from, to, format) are not filters.
/// </summary>
public sealed class EventFilter
{
    /// <summary>The longest value a filter takes; stored values are capped shorter than this.</summary>
    public const int MaxValueLength = 4096;

    private static readonly Dictionary<string, Dimension> ByParameter =
        EventColumns.Dimensions.ToDictionary(c => EventColumns.ParameterOf(c.Dimension), c => c.Dimension, StringComparer.Ordinal);

    public static readonly EventFilter None = new([]);

    public EventFilter(IReadOnlyList<DimensionFilter> dimensions) => Dimensions = dimensions;

    public IReadOnlyList<DimensionFilter> Dimensions { get; }

    public bool IsEmpty => Dimensions.Count == 0;

    /// <summary>Every query parameter that names a dimension.</summary>
    public static IReadOnlyCollection<string> Parameters => ByParameter.Keys;

    /// <summary>
    /// The filters in a query string, each value written as clicks hold it (<see cref="Dimension.FilterValue"/>).
    /// False, with <paramref name="error"/> naming the parameter, when a value is empty ("" or "!"), longer than
    /// <see cref="MaxValueLength"/>, or none of a closed set's (<see cref="Dimension.KnownValues"/>).
    /// </summary>
    public static bool TryParse(IEnumerable<KeyValuePair<string, StringValues>> query, out EventFilter filter, out string? error)
    {
        var dimensions = new List<DimensionFilter>();
        filter = None;
        error = null;
        foreach (var (name, values) in query)
        {
            if (!ByParameter.TryGetValue(name, out var dimension))
                continue;
            var include = new List<string>();
            var exclude = new List<string>();
            foreach (var raw in values)
            {
                var excluded = raw is ['!', ..];
                var value = excluded ? raw![1..] : raw;
                if (string.IsNullOrEmpty(value) || value.Length > MaxValueLength)
                {
                    error = $"Filter \"{name}\" needs a value of 1 to {MaxValueLength} characters (\"!value\" excludes one).";
                    return false;
                }
                value = dimension.FilterValue?.Invoke(value) ?? value;
                if (dimension.KnownValues is { } known && !known.Contains(value, StringComparer.Ordinal))
                {
                    error = $"Filter \"{name}\" takes one of {string.Join(", ", known)}; \"{value}\" is none of them.";
                    return false;
                }
                (excluded ? exclude : include).Add(value);
            }
            dimensions.Add(new DimensionFilter(dimension, include, exclude));
        }
        filter = new EventFilter(dimensions);
        return true;
    }

    /// <summary>
    /// The same filter with one dimension's values mapped (link slugs to the link ids the events hold); a value
    /// mapped to null matches no event.
    /// </summary>
    public async Task<EventFilter> MapAsync(Dimension dimension, Func<string, Task<string?>> map)
    {
        var mapped = new List<DimensionFilter>(Dimensions.Count);
        foreach (var each in Dimensions)
        {
            if (each.Dimension != dimension)
            {
                mapped.Add(each);
                continue;
            }
            mapped.Add(new DimensionFilter(dimension, await MapAll(each.Include), await MapAll(each.Exclude)));
        }
        return new EventFilter(mapped);

        async Task<IReadOnlyList<string>> MapAll(IReadOnlyList<string> values)
        {
            var result = new List<string>(values.Count);
            foreach (var value in values)
                result.Add(await map(value) ?? NoMatch);
            return result;
        }
    }

    // No stored value is this: link ids are digits.
    private const string NoMatch = "\0";
}

/// <summary>
/// What to read from the event store: events from <see cref="From"/> (inclusive) to <see cref="To"/> (exclusive),
/// UTC, of one link when <see cref="LinkId"/> is set, under a filter. Stats group days and hours in
/// <see cref="TimeZone"/> (an IANA zone; UTC when null).
/// </summary>
public sealed record EventQuery(DateTime From, DateTime To, long? LinkId, EventFilter Filter, TimeZoneInfo? TimeZone = null)
{
    /// <summary>
    /// The days of a stats range in a time zone (UTC when null): from the start of its first day there to the end of
    /// its last, as UTC times.
    /// </summary>
    public static EventQuery Days(DateOnly from, DateOnly to, long? linkId, EventFilter filter, TimeZoneInfo? zone = null)
    {
        zone = IsUtc(zone) ? null : zone;
        return new(StartOf(from, zone), StartOf(to.AddDays(1), zone), linkId, filter, zone);
    }

    /// <summary>The first and last day of the range in its zone.</summary>
    public (DateOnly First, DateOnly Last) DayRange =>
        (DateOnly.FromDateTime(Local(From)), DateOnly.FromDateTime(Local(To.AddTicks(-1))));

    /// <summary>Whether a zone's days are UTC's (no zone, UTC itself, or a zone at +00:00 without daylight saving time).</summary>
    public static bool IsUtc(TimeZoneInfo? zone) =>
        zone is null || zone.BaseUtcOffset == TimeSpan.Zero && !zone.SupportsDaylightSavingTime;

    private DateTime Local(DateTime utc) => TimeZone is null ? utc : TimeZoneInfo.ConvertTimeFromUtc(utc, TimeZone);

    private static DateTime StartOf(DateOnly day, TimeZoneInfo? zone)
    {
        var midnight = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        if (zone is null)
            return DateTime.SpecifyKind(midnight, DateTimeKind.Utc);
        // A zone whose clocks jump over midnight (a few do) starts that day at the first minute that exists.
        while (zone.IsInvalidTime(midnight))
            midnight = midnight.AddMinutes(15);
        return TimeZoneInfo.ConvertTimeToUtc(midnight, zone);
    }
}
