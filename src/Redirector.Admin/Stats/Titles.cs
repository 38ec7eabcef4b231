using Redirector.Admin.LinkList;
using Redirector.Clicks;
using Redirector.Links;

namespace Redirector.Admin.Stats;

/// <summary>Which breakdowns a subject's page shows (from <see cref="Dimensions"/>), how their keys are labelled and linked for drill-down.</summary>
public static class Titles
{
    /// <summary>For breakdowns without links to name.</summary>
    public static readonly IReadOnlyDictionary<string, Link> NoLinks = new Dictionary<string, Link>();

    /// <summary>The breakdowns shown in the admin that a subject's stats hold, in the table's order.</summary>
    public static IReadOnlyList<Dimension> ShownFor(Subjects scope) =>
        [.. Dimensions.All.Where(d => d.InAdmin && d.IsAnsweredFor(scope))];

    /// <summary>
    /// A breakdown key as shown: a link (keyed by id) as its short URL without the scheme, <c>go.example.com/promo</c>,
    /// since the same slug may be on two short domains; <paramref name="hostOf"/> turns a link's domain key into its host.
    /// </summary>
    public static string LabelOf(Dimension dimension, string key, IReadOnlyDictionary<string, Link> links, Func<string, string> hostOf) =>
        dimension == Dimensions.Link ? (links.TryGetValue(key, out var link) ? $"{hostOf(link.Domain)}/{link.Slug}" : "(deleted link)") : key;

    /// <summary>What a breakdown with no rows says while the period has clicks: why, and what would fill it (README for the settings).</summary>
    public static string EmptyOf(Dimension dimension) =>
        dimension == Dimensions.City ? "Cities are counted only with a city database (Geo:DatabasePath)."
        : dimension == Dimensions.BotKind ? "No bots in this period."
        : dimension == Dimensions.Link ? "No short-link clicks in this period."
        : dimension == Dimensions.Via ? "Counted for short-link clicks only: outbound clicks have none."
        : dimension == Dimensions.Variant ? "Counted for links with an A/B split (the link's form, under A/B split)."
        : dimension == Dimensions.SourcePage ? "No clicks on your sites' pages in this period: add a site and its script to count them."
        : dimension.Name.StartsWith("Utm", StringComparison.Ordinal) ? $"No clicks with a {dimension.Title} in this period: give a link UTM values, or add them to the URL you share."
        : "None in this period.";

    /// <summary>Drill-down keeps the range: <paramref name="rangeQuery"/> is "preset=7d" or "from=…&amp;to=…".</summary>
    public static string? HrefOf(Dimension dimension, string key, IReadOnlyDictionary<string, Link> links, string rangeQuery)
    {
        if (dimension == Dimensions.Link)
            return links.TryGetValue(key, out var link) ? LinkAddress.Page(link) + (link.Domain.Length > 0 ? '&' : '?') + rangeQuery : null;
        if (dimension == Dimensions.DestinationDomain)
            return $"/admin/domains/{Uri.EscapeDataString(key)}?{rangeQuery}";
        if (dimension == Dimensions.SourcePage && key.StartsWith("http", StringComparison.Ordinal))
            return $"/admin/pages?url={Uri.EscapeDataString(key)}&{rangeQuery}";
        return null;
    }
}
