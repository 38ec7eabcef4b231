using Redirector.Clicks;

namespace Redirector.Admin.Stats;

/// <summary>Which breakdowns a subject's page shows (from <see cref="Dimensions"/>), how their keys are labelled and linked for drill-down.</summary>
public static class Titles
{
    /// <summary>The breakdowns shown in the admin that a subject's stats hold, in the table's order.</summary>
    public static IReadOnlyList<Dimension> ShownFor(Subjects scope) =>
        [.. Dimensions.All.Where(d => d.InAdmin && d.IsAnsweredFor(scope))];

    public static string LabelOf(Dimension dimension, string key, IReadOnlyDictionary<string, string> slugs) =>
        dimension == Dimensions.Link ? (slugs.TryGetValue(key, out var slug) ? "/" + slug : "(deleted link)") : key;

    /// <summary>Drill-down keeps the range: <paramref name="rangeQuery"/> is "preset=7d" or "from=…&amp;to=…".</summary>
    public static string? HrefOf(Dimension dimension, string key, IReadOnlyDictionary<string, string> slugs, string rangeQuery)
    {
        if (dimension == Dimensions.Link)
            return slugs.TryGetValue(key, out var slug) ? $"/admin/links/{Uri.EscapeDataString(slug)}?{rangeQuery}" : null;
        if (dimension == Dimensions.DestinationDomain)
            return $"/admin/domains/{Uri.EscapeDataString(key)}?{rangeQuery}";
        if (dimension == Dimensions.SourcePage && key.StartsWith("http", StringComparison.Ordinal))
            return $"/admin/pages?url={Uri.EscapeDataString(key)}&{rangeQuery}";
        return null;
    }
}
