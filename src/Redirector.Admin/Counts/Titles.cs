using Redirector.Analytics;

namespace Redirector.Admin.Counts;

/// <summary>How breakdowns are named, labelled and linked for drill-down.</summary>
public static class Titles
{
    public static readonly IReadOnlyList<Dimension> Audience =
    [
        Dimension.ReferrerDomain, Dimension.Referrer, Dimension.UtmSource, Dimension.UtmMedium, Dimension.UtmCampaign,
        Dimension.DeviceType, Dimension.Os, Dimension.Browser, Dimension.Country,
    ];

    public static string Of(Dimension dimension) => dimension switch
    {
        Dimension.Link => "Top links",
        Dimension.DestinationDomain => "Destination domains",
        Dimension.SourcePage => "Source pages",
        Dimension.ReferrerDomain => "Referrer domains",
        Dimension.Referrer => "Referrers",
        Dimension.UtmSource => "UTM source",
        Dimension.UtmMedium => "UTM medium",
        Dimension.UtmCampaign => "UTM campaign",
        Dimension.UtmTerm => "UTM term",
        Dimension.UtmContent => "UTM content",
        Dimension.DeviceType => "Device types",
        Dimension.Os => "Operating systems",
        Dimension.Browser => "Browsers",
        Dimension.Country => "Countries",
        _ => dimension.ToString(),
    };

    public static string LabelOf(Dimension dimension, string key, IReadOnlyDictionary<string, string> slugs) =>
        dimension == Dimension.Link ? (slugs.TryGetValue(key, out var slug) ? "/" + slug : "(deleted link)") : key;

    /// <summary>Drill-down keeps the range: <paramref name="rangeQuery"/> is "preset=7d" or "from=…&amp;to=…".</summary>
    public static string? HrefOf(Dimension dimension, string key, IReadOnlyDictionary<string, string> slugs, string rangeQuery) => dimension switch
    {
        Dimension.Link when slugs.TryGetValue(key, out var slug) => $"/admin/links/{Uri.EscapeDataString(slug)}?{rangeQuery}",
        Dimension.DestinationDomain => $"/admin/domains/{Uri.EscapeDataString(key)}?{rangeQuery}",
        Dimension.SourcePage when key.StartsWith("http", StringComparison.Ordinal) => $"/admin/pages?url={Uri.EscapeDataString(key)}&{rangeQuery}",
        _ => null,
    };
}
