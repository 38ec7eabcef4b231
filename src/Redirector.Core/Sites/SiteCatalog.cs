using Microsoft.EntityFrameworkCore;
using Redirector.Catalog;

namespace Redirector.Sites;

public sealed record CreateSiteRequest(string? Name, List<string>? Hosts, bool? AllowSubdomains);

/// <summary>A partial update: null properties are left as they are.</summary>
public sealed record UpdateSiteRequest(string? Name, List<string>? Hosts, bool? AllowSubdomains);

/// <summary>
/// How a save ended. <see cref="HostTaken"/>: a host it gives is another site's (the API's 409), its error keyed
/// <c>hosts</c> as an invalid one's, so that a form shows it on that field.
/// </summary>
public enum SiteOutcomeKind { Saved, Invalid, NotFound, HostTaken }

public sealed record SiteOutcome(SiteOutcomeKind Kind, Site? Site = null, IDictionary<string, string[]>? Errors = null);

/// <summary>
/// Creates, changes and deletes sites. Like links, every change writes a change-log row in the same
/// transaction (so other nodes refresh their <see cref="SiteCache"/>) and updates this node's cache at once.
/// </summary>
public sealed class SiteCatalog(IDbContextFactory<CatalogDb> dbFactory, SiteCache cache, TimeProvider time)
{
    public async Task<SiteOutcome> CreateAsync(CreateSiteRequest request, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var name = SiteRules.ValidateName(request.Name, errors);
        var hosts = SiteRules.NormalizeHosts(request.Hosts, errors);
        if (errors.Count > 0)
            return new SiteOutcome(SiteOutcomeKind.Invalid, Errors: errors);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await HostTakenAsync(db, hosts, null, ct) is { } taken)
            return taken;
        var now = time.GetUtcNow().UtcDateTime;
        var site = new Site
        {
            Key = SiteRules.NewKey(),
            Name = name!,
            Hosts = hosts,
            AllowSubdomains = request.AllowSubdomains ?? false,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Sites.Add(site);
        db.Changes.Add(new CatalogChange { Slug = SiteCache.ChangeOf(site.Key), At = now });
        await db.SaveChangesAsync(ct);
        cache.Upsert(site);
        return new SiteOutcome(SiteOutcomeKind.Saved, site);
    }

    /// <summary>Changes the properties given; saved with the site as stored when every value equals the stored one (updatedAt and the change log untouched).</summary>
    public async Task<SiteOutcome> UpdateAsync(string key, UpdateSiteRequest patch, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var site = await db.Sites.FirstOrDefaultAsync(s => s.Key == key, ct);
        if (site is null)
            return new SiteOutcome(SiteOutcomeKind.NotFound);
        var errors = new Dictionary<string, string[]>();
        if (patch.Name is not null)
            site.Name = SiteRules.ValidateName(patch.Name, errors)!;
        if (patch.Hosts is not null)
            site.Hosts = SiteRules.NormalizeHosts(patch.Hosts, errors);
        if (patch.AllowSubdomains is { } allow)
            site.AllowSubdomains = allow;
        if (errors.Count > 0)
            return new SiteOutcome(SiteOutcomeKind.Invalid, Errors: errors);
        if (patch.Hosts is not null && await HostTakenAsync(db, site.Hosts, site.Key, ct) is { } taken)
            return taken;
        // Values equal to the stored ones are no change: updatedAt stays and no change-log entry makes nodes reload it.
        if (!db.ChangeTracker.HasChanges())
            return new SiteOutcome(SiteOutcomeKind.Saved, site);
        site.UpdatedAt = time.GetUtcNow().UtcDateTime;
        db.Changes.Add(new CatalogChange { Slug = SiteCache.ChangeOf(site.Key), At = site.UpdatedAt });
        await db.SaveChangesAsync(ct);
        cache.Upsert(site);
        return new SiteOutcome(SiteOutcomeKind.Saved, site);
    }

    /// <summary>
    /// The <see cref="SiteOutcomeKind.HostTaken"/> outcome when another site than <paramref name="exceptKey"/> has one
    /// of <paramref name="hosts"/> (normalised), naming the first such site; null when none has. A host belongs to one
    /// site: which site's key and settings (subdomains) a page is tracked under must not depend on which snippet it
    /// carries. Hosts are compared as written, so "blog.example.com" beside a site of "example.com" with subdomains is
    /// not refused. Checked before the write, as a list column cannot carry a unique index: two saves of the same host
    /// at the same moment can both pass.
    /// </summary>
    private static async Task<SiteOutcome?> HostTakenAsync(CatalogDb db, IReadOnlyList<string> hosts, string? exceptKey, CancellationToken ct)
    {
        // Sites are few (one per website a team runs): reading every site's hosts is cheaper than a JSON query per dialect.
        var others = await db.Sites.AsNoTracking().Where(s => s.Key != exceptKey).Select(s => new { s.Key, s.Name, s.Hosts }).ToListAsync(ct);
        foreach (var host in hosts)
        {
            if (others.FirstOrDefault(o => o.Hosts.Contains(host)) is { } owner)
                return new SiteOutcome(SiteOutcomeKind.HostTaken, Errors: new Dictionary<string, string[]>
                {
                    ["hosts"] = [$"'{host}' already belongs to the site '{owner.Name}' (key {owner.Key}): remove it from that site first, or put that site's snippet on its pages."],
                });
        }
        return null;
    }

    public async Task<bool> DeleteAsync(string key, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.DeleteAndRecordChangeAsync(db.Sites.Where(s => s.Key == key), SiteCache.ChangeOf(key), time.GetUtcNow().UtcDateTime, ct))
            return false;
        cache.Remove(key);
        return true;
    }

    public async Task<Site?> FindAsync(string key, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Sites.AsNoTracking().FirstOrDefaultAsync(s => s.Key == key, ct);
    }

    public async Task<IReadOnlyList<Site>> ListAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Sites.AsNoTracking().OrderBy(s => s.Name).ThenBy(s => s.Id).ToListAsync(ct);
    }
}
