using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Redirector.Links;
using Redirector.Stats;
using Redirector.Clicks;
using Redirector.Events;

namespace Redirector.Admin.Stats;

/// <summary>One filter value a page shows as a removable chip: "UTM campaign: spring", or "not" one.</summary>
public sealed record FilterChip(string Title, string Value, bool Excluded, string RemoveHref);

/// <summary>
/// The filters of a counts page, read from its query string with the stats API's parameters and rules
/// (<see cref="EventFilter"/>, docs/events.md: <c>?utmCampaign=spring&amp;deviceType=mobile</c>), so a filtered view
/// is a URL that can be shared, and the links that add a value (a breakdown row) or remove one (a chip). As in the
/// stats API, <c>?shortDomain=HOST</c> (repeatable) narrows to the links of short domains and <c>?domain=HOST</c>
/// says which short domain the <c>link</c> filter's slugs are on (the default one without).
/// </summary>
public sealed class ChosenFilters
{
    /// <summary>The stats API's parameters: <c>StatsSources.ShortDomainParameter</c> and the link filter's domain.</summary>
    public const string ShortDomainParameter = "shortDomain", DomainParameter = "domain";

    private const string LinkParameter = "link";

    private static readonly HashSet<string> Parameters = [.. EventFilter.Parameters, ShortDomainParameter];

    private readonly string _path;
    private readonly List<KeyValuePair<string, string>> _query;

    private readonly string _defaultHost;

    private ChosenFilters(string path, List<KeyValuePair<string, string>> query, EventFilter filter, string? error, string defaultHost = "")
    {
        _defaultHost = defaultHost;
        _path = path;
        _query = query;
        Filter = filter;
        Error = error;
    }

    public EventFilter Filter { get; }

    /// <summary>Why the query's filters were dropped (an empty value); null when they parsed.</summary>
    public string? Error { get; }

    public bool IsEmpty => Filter.IsEmpty && ShortDomains.Count == 0;

    /// <summary>The short domain (host) whose slugs the <c>link</c> filter names; null for the default one.</summary>
    public string? Domain => _query.LastOrDefault(q => q.Key == DomainParameter && q.Value.Length > 0).Value;

    /// <summary>The short domains (hosts) chosen: the counts are those of their links only; none for every domain.</summary>
    public IReadOnlyCollection<string> ShortDomains =>
        [.. _query.Where(q => q.Key == ShortDomainParameter && q.Value.Length > 0).Select(q => q.Value)];

    /// <summary><see cref="ShortDomains"/> as <see cref="FilteredStats"/> takes them: the default domain's host as null.</summary>
    public IReadOnlyCollection<string?> ShortDomainsToRead =>
        [.. ShortDomains.Select(host => string.Equals(host, _defaultHost, StringComparison.OrdinalIgnoreCase) ? null : host)];

    public static ChosenFilters Of(HttpRequest? request)
    {
        if (request is null)
            return new ChosenFilters("/admin", [], EventFilter.None, null);
        var query = request.Query.SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? ""))).ToList();
        var parsed = EventFilter.TryParse(request.Query, out var filter, out var error);
        // The default domain's host may be no registered name (no BaseUrl): its links are asked for as the default ones.
        var defaultHost = request.HttpContext.RequestServices.GetRequiredService<ShortUrls>().HostOf(request, "");
        return new ChosenFilters(request.PathBase + request.Path, query, parsed ? filter : EventFilter.None, error, defaultHost);
    }

    /// <summary>The query parameter that filters by a dimension; null for one the event store has no column for (page views).</summary>
    public static string? ParameterOf(Dimension dimension)
    {
        var name = EventColumns.ParameterOf(dimension);
        return Parameters.Contains(name) ? name : null;
    }

    /// <summary>Every filter value, each with the page's URL without it; a link's slug is shown on its short domain.</summary>
    public IReadOnlyList<FilterChip> Chips =>
    [
        .. _query.Where(q => Parameters.Contains(q.Key) && q.Value.Length > 0)
            .Select(q => new FilterChip(TitleOf(q.Key), ValueOf(q), q.Value.StartsWith('!'),
                Href(_query.Where(other => !other.Equals(q) && !(q.Key == LinkParameter && other.Key == DomainParameter))))),
    ];

    private static string TitleOf(string parameter) =>
        parameter == ShortDomainParameter ? "Short domain" : Dimensions.All.First(d => EventColumns.ParameterOf(d) == parameter).Title;

    private string ValueOf(KeyValuePair<string, string> pair) =>
        pair.Key == LinkParameter && Domain is { } host ? $"{host}/{pair.Value.TrimStart('!')}" : pair.Value.TrimStart('!');

    /// <summary>
    /// This page narrowed to one more value (AND with the other parameters, OR with the same one's); null when it
    /// cannot be filtered by. A link is named by its slug and, off the default short domain, its <paramref name="domain"/>.
    /// </summary>
    public string? AddHref(Dimension dimension, string value, string domain = "")
    {
        if (ParameterOf(dimension) is not { } name || value.Length == 0 || value.Length > EventFilter.MaxValueLength)
            return null;
        var pair = new KeyValuePair<string, string>(name, value);
        // A value already chosen stays one chip; a second value of a dimension shown alone would only widen it again.
        if (_query.Contains(pair) && (name != LinkParameter || (Domain ?? "") == domain))
            return null;
        var query = _query.Where(q => q.Key != name);
        if (name == LinkParameter)
        {
            query = query.Where(q => q.Key != DomainParameter);
            if (domain.Length > 0)
                query = query.Append(new(DomainParameter, domain));
        }
        return Href(query.Append(pair));
    }

    /// <summary>This page narrowed to the links of one short domain (<paramref name="host"/>), or to every domain's when null.</summary>
    public string ShortDomainHref(string? host) =>
        Href(_query.Where(q => q.Key != ShortDomainParameter).Concat(host is null ? [] : [new(ShortDomainParameter, host)]));

    /// <summary>Another page with this page's range and filters: what moving between the counts pages keeps.</summary>
    public string Carry(string path) => Href(_query.Where(q => Parameters.Contains(q.Key) || IsRange(q.Key) || IsLinkDomain(q.Key)), path);

    /// <summary>The link filter's domain goes along with the link filter, never alone (a link page's own <c>?domain=</c>).</summary>
    private bool IsLinkDomain(string name) => name == DomainParameter && _query.Any(q => q.Key == LinkParameter);

    /// <summary>Another page with this page's range only (a page that does not filter).</summary>
    public string CarryRange(string path) => Href(_query.Where(q => IsRange(q.Key)), path);

    private static bool IsRange(string name) => name is "preset" or "from" or "to" or "group";

    /// <summary>A URL (with its own query) with this page's filters added: exports follow the view.</summary>
    public string WithFilters(string url) => Href(_query.Where(q => Parameters.Contains(q.Key) || IsLinkDomain(q.Key)), url);

    /// <summary>
    /// The query parameters other than the range's, for the range form to keep as hidden fields, after the page's
    /// own (<paramref name="own"/>, e.g. url); a parameter repeated (an OR) keeps its first value there.
    /// </summary>
    public IReadOnlyDictionary<string, string> RangeFormKeeps(IReadOnlyDictionary<string, string>? own = null)
    {
        var keep = new Dictionary<string, string>(own ?? new Dictionary<string, string>());
        foreach (var (name, value) in _query.Where(q => q.Key is not ("preset" or "from" or "to")))
            keep.TryAdd(name, value);
        return keep;
    }

    private string Href(IEnumerable<KeyValuePair<string, string>> query, string? path = null) =>
        QueryHelpers.AddQueryString(path ?? _path, query.Select(q => new KeyValuePair<string, string?>(q.Key, q.Value)));
}
