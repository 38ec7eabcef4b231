using Redirector.Clicks;
using Redirector.Links;

namespace Redirector.Stats;

/// <summary>A page of a registered site: clicks that left it, views reported by the tracker and their ratio (null without views, or with fewer views than clicks).</summary>
public sealed record PageCount(string Key, long Clicks, long PageViews, double? ExitRate);

/// <summary>An outbound destination URL, its domain, its clicks and the link texts it was clicked with.</summary>
public sealed record TargetCount(string Url, string Domain, long Clicks, IReadOnlyList<KeyCount> Texts);

/// <summary>
/// Source pages and target URLs derived from one read of the global counters, so the stats API and the admin
/// pages cannot drift apart in how an exit rate or a link text is computed.
/// </summary>
public static class OutboundCounts
{
    /// <summary>Pages that sent clicks or were viewed, most clicks first; the rate is the page's exit rate through its links.</summary>
    public static IReadOnlyList<PageCount> PagesOf(SubjectStats stats)
    {
        var clicks = stats[Dimensions.SourcePage].ToDictionary(k => k.Key, k => k.Clicks, StringComparer.Ordinal);
        var views = stats[Dimensions.PageViews].ToDictionary(k => k.Key, k => k.Clicks, StringComparer.Ordinal);
        return clicks.Keys.Union(views.Keys)
            .Select(page => (Page: page, Clicks: clicks.GetValueOrDefault(page), Views: views.GetValueOrDefault(page)))
            .Select(p => new PageCount(p.Page, p.Clicks, p.Views, RateOf(p.Clicks, p.Views)))
            .OrderByDescending(p => p.Clicks).ThenByDescending(p => p.PageViews).ThenBy(p => p.Key, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Clicks per view, or null when the views cannot carry a rate: none counted, or fewer than the clicks (the
    /// tracker script missing from some of the page's views, or views not yet reported), where a rate above 100%
    /// would claim more than the data supports.
    /// </summary>
    public static double? RateOf(long clicks, long views) => views > 0 && clicks <= views ? (double)clicks / views : null;

    /// <summary>Highest exit rate first; pages without views have no rate and come last, by clicks.</summary>
    public static IReadOnlyList<PageCount> ByExitRate(IEnumerable<PageCount> pages) =>
        pages.OrderBy(p => p.ExitRate is null).ThenByDescending(p => p.ExitRate)
            .ThenByDescending(p => p.Clicks).ThenBy(p => p.Key, StringComparer.Ordinal)
            .ToList();

    /// <summary>Outbound destination URLs, most clicked first, each with the link texts it was clicked with.</summary>
    public static IReadOnlyList<TargetCount> TargetsOf(SubjectStats stats)
    {
        // A link-text field is "url\ntext": the text belongs to the URL before the first line break.
        var texts = stats[Dimensions.LinkText]
            .Select(k => (Url: k.Key[..Math.Max(0, k.Key.IndexOf('\n', StringComparison.Ordinal))], Text: k.Key[(k.Key.IndexOf('\n', StringComparison.Ordinal) + 1)..], k.Clicks))
            .ToLookup(t => t.Url, t => new KeyCount(t.Text, t.Clicks), StringComparer.Ordinal);
        return stats[Dimensions.TargetUrl]
            .Select(k => new TargetCount(k.Key, DomainOf(k.Key), k.Clicks, texts[k.Key].ToList()))
            .ToList();
    }

    private static string DomainOf(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out _) ? DestinationUrl.DomainOf(url) : "";
}
