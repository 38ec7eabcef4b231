using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Redirector.Catalog;
using Redirector.Links;

namespace Redirector.Domains;

public enum DomainOutcomeKind { Saved, Invalid, Exists, NotFound, InUse }

public sealed record DomainOutcome(DomainOutcomeKind Kind, ShortDomain? Domain = null, IDictionary<string, string[]>? Errors = null, int LinksUsingIt = 0);

/// <summary>
/// Registers, changes and removes short domains. Every change writes a change-log row (<see cref="ChangeKey"/> with the
/// host) in the same transaction, which other nodes' <see cref="LinkCacheRefresher"/> applies, and updates this node's
/// <see cref="LinkCache"/> at once.
/// </summary>
public sealed class DomainCatalog(IDbContextFactory<CatalogDb> dbFactory, LinkCache cache, TimeProvider time)
{
    /// <summary>The change log's slug for a change of a domain (not a valid slug, so it cannot collide with a link's).</summary>
    public const string ChangeKey = "domain:";

    public async Task<DomainOutcome> CreateAsync(CreateDomainRequest request, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!DomainRules.TryNormalizeHost(request.Host, out var host, out var hostError))
            errors["host"] = [hostError];
        var now = time.GetUtcNow().UtcDateTime;
        var domain = new ShortDomain
        {
            Host = host,
            RootUrl = DomainRules.NormalizeUrl(request.RootUrl, "rootUrl", errors),
            NotFoundUrl = DomainRules.NormalizeUrl(request.NotFoundUrl, "notFoundUrl", errors),
            ExpiredUrl = DomainRules.NormalizeUrl(request.ExpiredUrl, "expiredUrl", errors),
            AppleAppSiteAssociation = DomainRules.NormalizeDocument(DomainRules.DocumentText(request.AppleAppSiteAssociation), "appleAppSiteAssociation", JsonValueKind.Object, errors),
            AssetLinks = DomainRules.NormalizeDocument(DomainRules.DocumentText(request.AssetLinks), "assetLinks", JsonValueKind.Array, errors),
            CreatedAt = now,
            UpdatedAt = now,
        };
        if (errors.Count == 0)
            await RefuseLoopsAsync(domain, errors, ct);
        if (errors.Count > 0)
            return new DomainOutcome(DomainOutcomeKind.Invalid, Errors: errors);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.Domains.AnyAsync(d => d.Host == host, ct))
            return new DomainOutcome(DomainOutcomeKind.Exists, domain);
        db.Domains.Add(domain);
        db.Changes.Add(new CatalogChange { Slug = ChangeKey, Domain = host, At = now });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (!CatalogBusyException.IsBusy(ex))
        {
            // A concurrent registration of the same host won the primary key.
            return new DomainOutcome(DomainOutcomeKind.Exists, domain);
        }
        cache.SetDomain(domain);
        return new DomainOutcome(DomainOutcomeKind.Saved, domain);
    }

    public async Task<IReadOnlyList<ShortDomain>> ListAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Domains.AsNoTracking().OrderBy(d => d.Host).ToListAsync(ct);
    }

    /// <summary>The domain of <paramref name="host"/> in any form a person types (case, IDN, trailing dot); null when not registered.</summary>
    public async Task<ShortDomain?> FindAsync(string host, CancellationToken ct)
    {
        if (!DomainRules.TryNormalizeHost(host, out var normalized, out _))
            return null;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Domains.AsNoTracking().FirstOrDefaultAsync(d => d.Host == normalized, ct);
    }

    /// <summary>
    /// Applies the properties present in <paramref name="patch"/> (null clears one). Saved with the domain as stored
    /// when every value equals the stored one (updatedAt and the change log untouched); NotFound for an unknown host.
    /// </summary>
    public async Task<DomainOutcome> UpdateAsync(string host, UpdateDomainRequest patch, CancellationToken ct)
    {
        if (!DomainRules.TryNormalizeHost(host, out var normalized, out _))
            return new DomainOutcome(DomainOutcomeKind.NotFound);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var domain = await db.Domains.FirstOrDefaultAsync(d => d.Host == normalized, ct);
        if (domain is null)
            return new DomainOutcome(DomainOutcomeKind.NotFound);
        var errors = new Dictionary<string, string[]>();
        if (patch.HasRootUrl)
            domain.RootUrl = DomainRules.NormalizeUrl(patch.RootUrl, "rootUrl", errors);
        if (patch.HasNotFoundUrl)
            domain.NotFoundUrl = DomainRules.NormalizeUrl(patch.NotFoundUrl, "notFoundUrl", errors);
        if (patch.HasExpiredUrl)
            domain.ExpiredUrl = DomainRules.NormalizeUrl(patch.ExpiredUrl, "expiredUrl", errors);
        if (patch.HasAppleAppSiteAssociation)
            domain.AppleAppSiteAssociation = DomainRules.NormalizeDocument(DomainRules.DocumentText(patch.AppleAppSiteAssociation), "appleAppSiteAssociation", JsonValueKind.Object, errors);
        if (patch.HasAssetLinks)
            domain.AssetLinks = DomainRules.NormalizeDocument(DomainRules.DocumentText(patch.AssetLinks), "assetLinks", JsonValueKind.Array, errors);
        // Only an edit of where the domain sends visitors is checked, as for links: a domain that became a loop some
        // other way (a link deleted since) must still be changeable.
        if (errors.Count == 0 && (patch.HasRootUrl || patch.HasNotFoundUrl || patch.HasExpiredUrl))
            await RefuseLoopsAsync(domain, errors, ct);
        if (errors.Count > 0)
            return new DomainOutcome(DomainOutcomeKind.Invalid, Errors: errors);
        // Values equal to the stored ones are no change: updatedAt stays and no change-log entry makes nodes reload it.
        if (!db.ChangeTracker.HasChanges())
            return new DomainOutcome(DomainOutcomeKind.Saved, domain);
        domain.UpdatedAt = time.GetUtcNow().UtcDateTime;
        db.Changes.Add(new CatalogChange { Slug = ChangeKey, Domain = normalized, At = domain.UpdatedAt });
        await db.SaveChangesAsync(ct);
        cache.SetDomain(domain);
        return new DomainOutcome(DomainOutcomeKind.Saved, domain);
    }

    /// <summary>
    /// Removes a domain. Refused (<see cref="DomainOutcomeKind.InUse"/>, with the number of links) while links use it:
    /// deleting them silently would break printed QR codes, and moving them to the default domain could collide with
    /// its slugs. The default domain's host owns no links (they are stored without a domain), so it can always go.
    /// </summary>
    public async Task<DomainOutcome> DeleteAsync(string host, CancellationToken ct)
    {
        if (!DomainRules.TryNormalizeHost(host, out var normalized, out _))
            return new DomainOutcome(DomainOutcomeKind.NotFound);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var key = cache.KeyOf(normalized);
        if (key.Length > 0 && await db.Links.CountAsync(l => l.Domain == key, ct) is > 0 and var count)
            return new DomainOutcome(DomainOutcomeKind.InUse, LinksUsingIt: count);
        if (!await db.DeleteAndRecordChangeAsync(db.Domains.Where(d => d.Host == normalized), ChangeKey, time.GetUtcNow().UtcDateTime, ct, normalized))
            return new DomainOutcome(DomainOutcomeKind.NotFound);
        cache.RemoveDomain(normalized);
        return new DomainOutcome(DomainOutcomeKind.Saved);
    }

    /// <summary>
    /// The domain key for a link's <c>domain</c> field: empty for none or the default domain's host, else the
    /// registered host; false with the reason when the host is not a registered domain.
    /// </summary>
    public async Task<(bool Ok, string Key, string? Error)> KeyForLinkAsync(string? host, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(host))
            return (true, DomainLinks.DefaultKey, null);
        if (!DomainRules.TryNormalizeHost(host, out var normalized, out var error))
            return (false, "", error);
        var key = cache.KeyOf(normalized);
        if (key.Length == 0)
            return (true, key, null);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Domains.AnyAsync(d => d.Host == key, ct)
            ? (true, key, null)
            : (false, "", $"'{key}' is not a registered domain; register it first (Short domains in the admin, or POST /api/domains).");
    }

    /// <summary>Answers of this service a chain is followed through at most before it is taken as no loop.</summary>
    private const int MaxChainHops = 32;

    /// <summary>
    /// Refuses a rootUrl, notFoundUrl or expiredUrl of <paramref name="edited"/> that sends visitors round in a loop
    /// through this service's own answers, the check <see cref="LinkCatalog"/> makes for a link's destinations. A URL on
    /// a short domain (<paramref name="edited"/> with its new values, a registered one, or the default domain's host) is
    /// answered by that domain: its root by its rootUrl, a slug no link has by its notFoundUrl, a link that does not
    /// redirect now (disabled, expired, not yet valid) by the link's expired URL, else the domain's; each answer is
    /// followed the same way, up to <see cref="MaxChainHops"/> hops, and one that comes back to a URL already passed is
    /// a loop (the error goes under the field's name). A live link or any other host ends the chain: where a link leads
    /// is its own check, made when it is saved.
    /// </summary>
    private async Task RefuseLoopsAsync(ShortDomain edited, Dictionary<string, string[]> errors, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var (field, start) in new[] { ("rootUrl", edited.RootUrl), ("notFoundUrl", edited.NotFoundUrl), ("expiredUrl", edited.ExpiredUrl) })
        {
            var passed = new List<string>();
            for (var url = start; url is not null && passed.Count < MaxChainHops;)
            {
                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
                    break;
                var host = uri.IdnHost.TrimEnd('.');
                var own = string.Equals(host, edited.Host, StringComparison.OrdinalIgnoreCase);
                var key = cache.KeyOf(host);
                if (!own && key.Length > 0 && !IsRegistered(host))
                    break;
                var slug = uri.AbsolutePath.Trim('/');
                // A path of more segments is no slug: the 404 page answers it.
                if (slug.Contains('/'))
                    break;
                var place = host.ToLowerInvariant() + "/" + slug;
                if (passed.Contains(place))
                {
                    errors.TryAdd(field, [$"This leads back through this service's own answers ({string.Join(" → ", passed)} → {place}): visitors would be sent round in a loop."]);
                    break;
                }
                passed.Add(place);
                var answers = own ? new DomainAnswers(edited) : cache.ForHost(host).Settings;
                if (slug.Length == 0)
                {
                    url = answers?.RootLocation;
                    continue;
                }
                var name = Uri.UnescapeDataString(slug);
                var link = await db.Links.AsNoTracking().FirstOrDefaultAsync(l => l.Domain == key && l.Slug == name, ct);
                url = link is null ? answers?.NotFoundLocation
                    : link.IsLiveAt(now) ? null
                    : link.ExpiredUrl ?? answers?.ExpiredLocation;
            }
        }
    }

    /// <summary>Whether <paramref name="host"/> (any case; a port or trailing dot ignored) is a registered short domain, from memory.</summary>
    public bool IsRegistered(string host) => cache.ForHost(host.Trim()) != cache.Default;

    /// <summary>The domain key named by an API route's <c>?domain=</c> (no check that it is registered: an unknown one finds no link).</summary>
    public string KeyForQuery(string? host) =>
        string.IsNullOrWhiteSpace(host) ? DomainLinks.DefaultKey
        : DomainRules.TryNormalizeHost(host, out var normalized, out _) ? cache.KeyOf(normalized)
        : host;
}
