namespace Redirector.Links;

/// <summary>Queries of the catalogue by (domain, slug), the key of a link.</summary>
internal static class LinkKeyQueries
{
    /// <summary>
    /// The links among <paramref name="keys"/>, in one query whatever the number of domains: domains and slugs are
    /// each matched in SQL and the pairs by the caller (a row of one key's domain and another's slug may come back
    /// too). Matched on both, so that the catalogue finds them through its unique (domain, slug) index; on slugs alone
    /// PostgreSQL read the whole table (bench/README.md, "Growth on PostgreSQL, 20,000,000 links").
    /// </summary>
    public static IQueryable<Link> AmongKeys(this IQueryable<Link> links, IReadOnlyCollection<(string Domain, string Slug)> keys)
    {
        var domains = keys.Select(k => k.Domain).Distinct().ToList();
        var slugs = keys.Select(k => k.Slug).Distinct().ToList();
        return links.Where(l => domains.Contains(l.Domain) && slugs.Contains(l.Slug));
    }
}
