using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Redirector.Clicks;
using Redirector.Events;

namespace Redirector.Admin.Stats;

/// <summary>One filter value a page shows as a removable chip: "UTM campaign: spring", or "not" one.</summary>
public sealed record FilterChip(string Title, string Value, bool Excluded, string RemoveHref);

/// <summary>
/// The filters of a counts page, read from its query string with the stats API's parameters and rules
/// (<see cref="EventFilter"/>, docs/events.md: <c>?utmCampaign=spring&amp;deviceType=mobile</c>), so a filtered view
/// is a URL that can be shared, and the links that add a value (a breakdown row) or remove one (a chip).
/// </summary>
public sealed class ChosenFilters
{
    private static readonly HashSet<string> Parameters = [.. EventFilter.Parameters];

    private readonly string _path;
    private readonly List<KeyValuePair<string, string>> _query;

    private ChosenFilters(string path, List<KeyValuePair<string, string>> query, EventFilter filter, string? error)
    {
        _path = path;
        _query = query;
        Filter = filter;
        Error = error;
    }

    public EventFilter Filter { get; }

    /// <summary>Why the query's filters were dropped (an empty value); null when they parsed.</summary>
    public string? Error { get; }

    public bool IsEmpty => Filter.IsEmpty;

    public static ChosenFilters Of(HttpRequest? request)
    {
        if (request is null)
            return new ChosenFilters("/admin", [], EventFilter.None, null);
        var query = request.Query.SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? ""))).ToList();
        var parsed = EventFilter.TryParse(request.Query, out var filter, out var error);
        return new ChosenFilters(request.PathBase + request.Path, query, parsed ? filter : EventFilter.None, error);
    }

    /// <summary>The query parameter that filters by a dimension; null for one the event store has no column for (page views).</summary>
    public static string? ParameterOf(Dimension dimension)
    {
        var name = EventColumns.ParameterOf(dimension);
        return Parameters.Contains(name) ? name : null;
    }

    /// <summary>Every filter value, each with the page's URL without it.</summary>
    public IReadOnlyList<FilterChip> Chips =>
    [
        .. _query.Where(q => Parameters.Contains(q.Key) && q.Value.Length > 0)
            .Select(q => (Pair: q, Dimension: Dimensions.All.First(d => EventColumns.ParameterOf(d) == q.Key)))
            .Select(q => new FilterChip(q.Dimension.Title, q.Pair.Value.TrimStart('!'), q.Pair.Value.StartsWith('!'),
                Href(_query.Where(other => !other.Equals(q.Pair))))),
    ];

    /// <summary>This page narrowed to one more value (AND with the other parameters, OR with the same one's); null when it cannot be filtered by.</summary>
    public string? AddHref(Dimension dimension, string value)
    {
        if (ParameterOf(dimension) is not { } name || value.Length == 0 || value.Length > EventFilter.MaxValueLength)
            return null;
        var pair = new KeyValuePair<string, string>(name, value);
        // A value already chosen stays one chip; a second value of a dimension shown alone would only widen it again.
        return _query.Contains(pair) ? null : Href(_query.Where(q => q.Key != name).Append(pair));
    }

    /// <summary>Another page with this page's range and filters: what moving between the counts pages keeps.</summary>
    public string Carry(string path) => Href(_query.Where(q => Parameters.Contains(q.Key) || IsRange(q.Key)), path);

    /// <summary>Another page with this page's range only (a page that does not filter).</summary>
    public string CarryRange(string path) => Href(_query.Where(q => IsRange(q.Key)), path);

    private static bool IsRange(string name) => name is "preset" or "from" or "to" or "group";

    /// <summary>A URL (with its own query) with this page's filters added: exports follow the view.</summary>
    public string WithFilters(string url) => Href(_query.Where(q => Parameters.Contains(q.Key)), url);

    /// <summary>The query parameters other than the range's, for the range form to keep as hidden fields.</summary>
    public IEnumerable<KeyValuePair<string, string>> KeptByRangeForm => _query.Where(q => q.Key is not ("preset" or "from" or "to"));

    private string Href(IEnumerable<KeyValuePair<string, string>> query, string? path = null) =>
        QueryHelpers.AddQueryString(path ?? _path, query.Select(q => new KeyValuePair<string, string?>(q.Key, q.Value)));
}
