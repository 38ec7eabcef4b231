using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Redirector.Catalog;
using Redirector.Domains;
using Redirector.Times;
using Redirector.UserAgents;
using Redirector.Webhooks;

namespace Redirector.Links;

public enum LinkOutcomeKind { Saved, Invalid, SlugTaken, NotFound, VersionMismatch }

/// <param name="Errors">
/// With <see cref="LinkOutcomeKind.Invalid"/>, every problem by field (the API's names); with
/// <see cref="LinkOutcomeKind.SlugTaken"/>, the problems found besides the taken slug: some when the save was refused
/// for them too, maybe none from a check only, null when the slug alone was in the way.
/// </param>
public sealed record LinkOutcome(LinkOutcomeKind Kind, Link? Link = null, IDictionary<string, string[]>? Errors = null)
{
    public static LinkOutcome Invalid(IDictionary<string, string[]> errors) => new(LinkOutcomeKind.Invalid, Errors: errors);
}

/// <param name="Search">Case-insensitive substring of the slug, title, destination, a tag or a UTM value.</param>
/// <param name="Tags">Links carrying any of these tags (OR, as Dub's tag filter); null or empty for every link.</param>
/// <param name="Domain">Only the links of this domain key (empty for the default domain); null for every domain.</param>
public sealed record LinkQuery(string? Search = null, IReadOnlyList<string>? Tags = null, string Sort = "created", int Page = 1, int PageSize = 50, string? Domain = null);

public sealed record LinkPage(IReadOnlyList<Link> Items, int Total, int Page, int PageSize);

/// <summary>What a bulk import does with a row whose (domain, slug) already has a link (docs/links.md, "CSV import").</summary>
public enum ExistingLinks
{
    /// <summary>The row is an error ("This slug is already taken on go.example.com."), so nothing is imported: the default, and the only choice before.</summary>
    Fail,

    /// <summary>The row is left out and the link left as it is.</summary>
    Skip,

    /// <summary>The row's change (<see cref="LinkImportRow.ChangeOf"/>) is applied to the link, by the rules of a PATCH.</summary>
    Update,
}

/// <summary>What a bulk import did with a row, or, when it imported nothing, would have done.</summary>
public enum ImportedAs { Created, Updated, Unchanged, Skipped }

/// <summary>One row of a bulk import.</summary>
/// <param name="Link">The link the row creates; its domain and slug also name the link it meets when that exists.</param>
/// <param name="ChangeOf">
/// With <see cref="ExistingLinks.Update"/>, the change the row makes to the link it meets, given that link as stored: the
/// properties the row has (a CSV's columns), the others absent so that they stay.
/// </param>
/// <param name="ExportedAt">
/// The <c>updatedAt</c> of the link when the row was exported (a links CSV's <c>updated_at</c>), or null: an update of a
/// link changed since then is refused, so that a file edited for an hour does not undo a colleague's edit of the meantime.
/// </param>
public sealed record LinkImportRow(CreateLinkRequest Link, Func<Link, UpdateLinkRequest>? ChangeOf = null, DateTime? ExportedAt = null);

/// <summary>What a bulk import did with one row, and the link's key: its domain (empty for the default domain) and slug, a generated one once saved.</summary>
public sealed record ImportedLink(ImportedAs As, string Domain, string Slug);

/// <summary>
/// What a bulk import did (or would do) with each row, by row index; when any row was invalid, nothing was saved and
/// <see cref="Errors"/> holds the problems by row index and field (the API's names).
/// </summary>
public sealed record BulkOutcome(IReadOnlyList<ImportedLink> Rows, IReadOnlyDictionary<int, IDictionary<string, string[]>> Errors);

/// <summary>
/// Creates, changes and deletes links. Every change also writes a <see cref="CatalogChange"/> row in the same
/// transaction (other nodes poll it) and updates this node's <see cref="LinkCache"/> at once.
/// </summary>
public sealed partial class LinkCatalog(
    IDbContextFactory<CatalogDb> dbFactory, LinkCache cache, DomainCatalog domains, ShortUrls urls, UserAgentParser agents, TimeProvider time,
    ILogger<LinkCatalog> logger)
{
    /// <summary>Links a page of <see cref="ListAsync"/> holds at most.</summary>
    public const int MaxPageSize = 500;

    private const int GeneratedSlugAttempts = 8;

    /// <param name="seenHost">The host the caller reached this service at (<see cref="RefuseLoopsAsync"/>); null when unknown.</param>
    /// <param name="listed">Which known operating systems a targeting rule's error lists (<see cref="LinkRules.NormalizeRules"/>).</param>
    /// <param name="checkOnly">
    /// Save nothing and name every problem, a taken slug too: the caller already refuses the save (a form field it could
    /// not read, left null here) and wants the rest named in the same answer. The outcome is then
    /// <see cref="LinkOutcomeKind.SlugTaken"/> with the other errors, or <see cref="LinkOutcomeKind.Invalid"/> with every
    /// error found, maybe none.
    /// </param>
    public async Task<LinkOutcome> CreateAsync(CreateLinkRequest request, string? seenHost, KnownNames listed, CancellationToken ct, bool checkOnly = false)
    {
        var errors = new Dictionary<string, string[]>();
        var link = BuildNewLink(request, listed, errors);
        // Here and not in BuildNewLink: an import restores or moves a catalogue, whose expired links keep answering as expired.
        LinkRules.RefusePastExpiry(link.ExpiresAt, time.GetUtcNow().UtcDateTime, errors);
        await ResolveDomainAsync(link, request.Domain, errors, ct);
        await RefuseLoopsAsync(link, pending: null, errors, seenHost, ct);
        // A refused save names a taken slug with the other problems, so that one answer names them all.
        if (checkOnly || errors.Count > 0)
            return link.Slug.Length > 0 && !errors.ContainsKey("slug") && !errors.ContainsKey("domain") && await SlugExistsAsync(link.Domain, link.Slug, ct)
                ? new LinkOutcome(LinkOutcomeKind.SlugTaken, Errors: errors)
                : LinkOutcome.Invalid(errors);

        var customSlug = !string.IsNullOrEmpty(request.Slug);
        for (var attempt = 0; attempt < (customSlug ? 1 : GeneratedSlugAttempts); attempt++)
        {
            if (!customSlug)
                link.Slug = Slugs.Generate();
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            if (await db.Links.AnyAsync(l => l.Domain == link.Domain && l.Slug == link.Slug, ct))
                continue;
            db.Links.Add(link);
            db.Changes.Add(ChangeOf(link));
            LinkEvents.Add(db, WebhookEventTypes.LinkCreated, link, link.UpdatedAt, urls);
            try
            {
                await db.SaveChangesAsync(ct);
                cache.Upsert(link);
                return new LinkOutcome(LinkOutcomeKind.Saved, link);
            }
            catch (DbUpdateException)
            {
                // Lost a race with a concurrent create of the same slug: the unique index decided.
                if (!await SlugExistsAsync(link.Domain, link.Slug, ct))
                    throw;
                link.Id = 0;
            }
        }
        if (!customSlug)
            LogSlugSpaceCrowded(logger, GeneratedSlugAttempts);
        return new LinkOutcome(LinkOutcomeKind.SlugTaken);
    }

    /// <summary>
    /// Applies the properties present in <paramref name="patch"/>. Saved with the link as stored when every value equals
    /// the stored one (version, updatedAt, change log and webhooks untouched); else the version goes up by one.
    /// </summary>
    /// <param name="domain">The link's domain key: empty for the default domain, else the registered host.</param>
    /// <param name="seenHost">The host the caller reached this service at (<see cref="RefuseLoopsAsync"/>); null when unknown.</param>
    /// <param name="listed">Which known operating systems a targeting rule's error lists (<see cref="LinkRules.NormalizeRules"/>).</param>
    /// <param name="checkOnly">Save nothing and name every problem, a taken slug too, as <see cref="CreateAsync"/>'s.</param>
    public async Task<LinkOutcome> UpdateAsync(string domain, string slug, UpdateLinkRequest patch, int? expectedVersion, string? seenHost, KnownNames listed,
        CancellationToken ct, bool checkOnly = false)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var link = await db.Links.FirstOrDefaultAsync(l => l.Domain == domain && l.Slug == slug, ct);
        if (link is null)
            return new LinkOutcome(LinkOutcomeKind.NotFound);
        if (expectedVersion is { } expected && expected != link.Version)
            return new LinkOutcome(LinkOutcomeKind.VersionMismatch, link);

        var errors = new Dictionary<string, string[]>();
        var (domainBefore, slugBefore) = (link.Domain, link.Slug);
        if (await ApplyChangeAsync(link, patch, listed, errors, ct))
            await RefuseLoopsAsync(link, pending: null, errors, seenHost, ct);
        // A move to another domain and a rename both give the link a new key: unique, and learnt by every node.
        var moved = link.Domain != domainBefore || link.Slug != slugBefore;
        if (moved && await db.Links.AnyAsync(l => l.Domain == link.Domain && l.Slug == link.Slug, ct))
            return new LinkOutcome(LinkOutcomeKind.SlugTaken, Errors: checkOnly || errors.Count > 0 ? errors : null);
        if (checkOnly || errors.Count > 0)
            return LinkOutcome.Invalid(errors);
        // Values equal to the stored ones (a GET sent back, a form saved as it was) are no change: the version and
        // updatedAt stay, so a client's If-Match still holds, and no change-log entry or link.updated event is made.
        if (!db.ChangeTracker.HasChanges())
            return new LinkOutcome(LinkOutcomeKind.Saved, link);
        RecordChange(db, link, domainBefore, slugBefore);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another edit committed between our read and our write: the caller must re-read and retry.
            return new LinkOutcome(LinkOutcomeKind.VersionMismatch);
        }
        catch (DbUpdateException) when (moved)
        {
            // Lost a race with a create or move of the same slug on the new domain: the unique index decided.
            if (!await SlugExistsAsync(link.Domain, link.Slug, ct))
                throw;
            return new LinkOutcome(LinkOutcomeKind.SlugTaken);
        }
        if (moved)
            cache.Remove(domainBefore, slugBefore);
        await cache.UpsertAsync([link]);
        return new LinkOutcome(LinkOutcomeKind.Saved, link);
    }

    /// <summary>
    /// Applies the properties present in <paramref name="patch"/> to <paramref name="link"/> (tracked), each checked by
    /// the API's rules into <paramref name="errors"/>. The loop check is left to the caller, since an import checks its
    /// rows against each other: true when the change touches what it looks at (where the link goes, or its address).
    /// </summary>
    private async Task<bool> ApplyChangeAsync(Link link, UpdateLinkRequest patch, KnownNames listed, Dictionary<string, string[]> errors, CancellationToken ct)
    {
        if (patch.HasDomain)
            await ResolveDomainAsync(link, patch.Domain, errors, ct);
        if (patch.HasSlug && patch.Slug != link.Slug)
        {
            if (Slugs.Validate(patch.Slug) is { } slugError)
                errors["slug"] = [slugError];
            else
                link.Slug = patch.Slug!;
        }
        if (patch.HasUrl)
        {
            if (DestinationUrl.TryNormalize(patch.Url, out var destination, out var urlError))
                link.Destination = destination;
            else
                errors["url"] = [urlError];
        }
        if (patch.HasTitle)
        {
            LinkRules.ValidateTitle(patch.Title, errors);
            link.Title = string.IsNullOrWhiteSpace(patch.Title) ? null : patch.Title.Trim();
        }
        if (patch.HasTags)
            link.Tags = LinkRules.NormalizeTags(patch.Tags, errors);
        if (patch.HasUtm)
            link.Utm = LinkRules.NormalizeUtm(patch.Utm, errors);
        if (patch.HasRedirectType)
        {
            link.RedirectType = patch.RedirectType ?? 302;
            LinkRules.ValidateRedirectType(link.RedirectType, errors);
        }
        if (patch.HasEnabled)
            link.Enabled = patch.Enabled ?? true;
        if (patch.HasExpiresAt)
        {
            var expiry = LinkRules.NormalizeExpiry(patch.ExpiresAt);
            // The expiry the link has now may lie in the past and comes back with every GET or form sent back: it is
            // no new one, and is kept as stored. The admin form shows minutes, so it sends a stored 12:30:45 back as
            // 12:30: saved as sent, a link due at 12:30:45 would stop at 12:30, or at once when saved within that minute.
            var unchanged = expiry is { } set && link.ExpiresAt is { } before && set <= before && before - set < TimeSpan.FromMinutes(1);
            if (!unchanged)
            {
                LinkRules.RefusePastExpiry(expiry, time.GetUtcNow().UtcDateTime, errors);
                link.ExpiresAt = expiry;
            }
        }
        if (patch.HasValidFrom)
            link.ValidFrom = LinkRules.NormalizeExpiry(patch.ValidFrom);
        if (patch.HasMaxClicks)
            link.MaxClicks = patch.MaxClicks;
        if (patch.HasExpiredUrl)
            link.ExpiredUrl = LinkRules.NormalizeExpiredUrl(patch.ExpiredUrl, errors);
        if (patch.HasRules)
            link.Rules = LinkRules.NormalizeRules(patch.Rules, agents, listed, errors);
        if (patch.HasVariants)
            link.Variants = LinkRules.NormalizeVariants(patch.Variants, errors);
        if (patch.HasPreview)
            link.Preview = LinkRules.NormalizePreview(patch.Preview, errors);
        // Each hash has its own salt: the password the link has now keeps its hash, so that sending it again changes nothing.
        if (patch.HasPassword && !(link.PasswordHash is { } stored && LinkPasswords.Verify(stored, patch.Password)))
            link.PasswordHash = LinkPasswords.HashOf(patch.Password, null, errors);
        else if (!patch.HasPassword && patch.HasPasswordHash && patch.PasswordHash != link.PasswordHash)
            link.PasswordHash = LinkPasswords.HashOf(null, patch.PasswordHash, errors);
        LinkRules.ValidateAccess(link, errors);
        // Only an edit of where the link goes or of its address is checked: a link that became a loop some other way
        // (a changed Redirector:BaseUrl) must still be switched off or retitled.
        return patch.HasUrl || patch.HasSlug || patch.HasDomain || patch.HasRules || patch.HasVariants || patch.HasExpiredUrl;
    }

    /// <summary>
    /// Marks a changed link as changed: a new updatedAt and version, a change-log row (two for a move, so that every node
    /// forgets the old key and learns the new one) and the link.updated webhook event, all saved with the change.
    /// </summary>
    private void RecordChange(CatalogDb db, Link link, string domainBefore, string slugBefore)
    {
        link.UpdatedAt = time.GetUtcNow().UtcDateTime;
        link.Version++;
        db.Changes.Add(ChangeOf(link));
        if (link.Domain != domainBefore || link.Slug != slugBefore)
            db.Changes.Add(new CatalogChange { Slug = slugBefore, Domain = domainBefore, At = link.UpdatedAt });
        LinkEvents.Add(db, WebhookEventTypes.LinkUpdated, link, link.UpdatedAt, urls, (domainBefore, slugBefore));
    }

    public async Task<bool> DeleteAsync(string domain, string slug, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var links = db.Links.Where(l => l.Domain == domain && l.Slug == slug);
        // The link.deleted event carries the link as it was; it is saved in the delete's transaction.
        if (await links.AsNoTracking().FirstOrDefaultAsync(ct) is { } deleted)
            LinkEvents.Add(db, WebhookEventTypes.LinkDeleted, deleted, time.GetUtcNow().UtcDateTime, urls);
        if (!await db.DeleteAndRecordChangeAsync(links, slug, time.GetUtcNow().UtcDateTime, ct, domain))
            return false;
        cache.Remove(domain, slug);
        return true;
    }

    /// <param name="domain">The link's domain key: empty for the default domain, else the registered host.</param>
    public async Task<Link?> FindAsync(string domain, string slug, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Links.AsNoTracking().FirstOrDefaultAsync(l => l.Domain == domain && l.Slug == slug, ct);
    }

    /// <summary>The orders <see cref="ListAsync"/> knows (<see cref="LinkQuery.Sort"/>): newest first (the default), oldest first, by slug, last edited first.</summary>
    public static readonly IReadOnlyList<string> Sorts = ["created", "oldest", "slug", "updated"];

    /// <summary>One page of links (1-based; below 1 reads as 1; size 1 to 500). A page past the last one is empty.</summary>
    public async Task<LinkPage> ListAsync(LinkQuery query, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var links = Filter(db.Links.AsNoTracking(), query);
        links = query.Sort switch
        {
            "slug" => links.OrderBy(l => l.Slug),
            "updated" => links.OrderByDescending(l => l.UpdatedAt).ThenByDescending(l => l.Id),
            "oldest" => links.OrderBy(l => l.Id),
            _ => links.OrderByDescending(l => l.Id),
        };
        var pageSize = Math.Clamp(query.PageSize, 1, MaxPageSize);
        var page = Math.Max(1, query.Page);
        var total = await links.CountAsync(ct);
        // In long arithmetic: (page - 1) * pageSize overflows int for a page like 2147483647, and a negative Skip
        // would answer page 1's links for a page past the end.
        var skip = (long)(page - 1) * pageSize;
        var items = skip >= total ? [] : await links.Skip((int)skip).Take(pageSize).ToListAsync(ct);
        return new LinkPage(items, total, page, pageSize);
    }

    /// <summary>The ids of every link the query's search and tag match, for orderings the database cannot do (by clicks).</summary>
    public async Task<List<long>> MatchingIdsAsync(LinkQuery query, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await Filter(db.Links.AsNoTracking(), query).Select(l => l.Id).ToListAsync(ct);
    }

    /// <summary>The ids of every link of one domain (key: empty for the default domain), for the stats of a domain.</summary>
    public async Task<List<long>> IdsOnDomainAsync(string domain, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Links.AsNoTracking().Where(l => l.Domain == domain).Select(l => l.Id).ToListAsync(ct);
    }

    public async Task<List<Link>> FindManyAsync(IReadOnlyCollection<long> ids, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Links.AsNoTracking().Where(l => ids.Contains(l.Id)).ToListAsync(ct);
    }

    /// <summary>
    /// Imports every row or none. Every row is checked first: a new link by the rules of a create (past expiries taken,
    /// so that an export of expired links imports unchanged), a link that exists by <paramref name="existing"/> (with
    /// <see cref="ExistingLinks.Update"/>, its change by the rules of a PATCH, a change equal to what is stored being
    /// none), each (domain, slug) at most once in the rows, and no destination in a loop through the catalogue's links or
    /// the rows' own. Then every creation and change is saved in one transaction, each with its change-log row and
    /// webhook event as a single create or PATCH makes them; unchanged and skipped links keep their updatedAt and version.
    /// Errors are keyed by the row's index.
    /// </summary>
    /// <param name="seenHost">The host the caller reached this service at (<see cref="RefuseLoopsAsync"/>); null when unknown.</param>
    /// <param name="checkOnly">
    /// Validate and save nothing, even when every row is valid: the caller already refuses the batch (an import whose
    /// cells did not parse) and wants every other problem named in the same answer.
    /// </param>
    /// <param name="listed">Which known operating systems a targeting rule's error lists (<see cref="LinkRules.NormalizeRules"/>).</param>
    public async Task<BulkOutcome> ImportManyAsync(IReadOnlyList<LinkImportRow> rows, ExistingLinks existing, string? seenHost, KnownNames listed,
        CancellationToken ct, bool checkOnly = false)
    {
        var rowErrors = new SortedDictionary<int, IDictionary<string, string[]>>();
        var outcomes = new ImportedAs[rows.Count];
        var linkOf = new Link[rows.Count];
        var built = new List<(Link Link, Dictionary<string, string[]> Errors)>(rows.Count);
        var hosts = new Dictionary<string, (bool, string, string?)>(StringComparer.Ordinal);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        foreach (var row in rows)
        {
            var errors = new Dictionary<string, string[]>();
            var link = BuildNewLink(row.Link, listed, errors);
            await ResolveDomainAsync(link, row.Link.Domain, errors, ct, hosts);
            built.Add((link, errors));
        }
        // Tracked, so that the rows' changes are saved as the links' updates.
        var keys = built.Where(b => b.Link.Slug.Length > 0 && !b.Errors.ContainsKey("slug") && !b.Errors.ContainsKey("domain"))
            .Select(b => (b.Link.Domain, b.Link.Slug)).ToList();
        var stored = keys.Count == 0 ? [] : (await db.Links.AmongKeys(keys).ToListAsync(ct)).ToDictionary(l => (l.Domain, l.Slug));

        // The link each row creates or changes, for the loop check; the rows' changed links are found there before the catalogue's.
        var checkLoops = new List<(int Row, Link Link)>();
        var seen = new HashSet<(string, string)>();
        var created = new List<Link>();
        var changed = new List<Link>();
        for (var i = 0; i < rows.Count; i++)
        {
            var (link, errors) = built[i];
            outcomes[i] = ImportedAs.Created;
            if (stored.TryGetValue((link.Domain, link.Slug), out var current) && !(errors.ContainsKey("slug") || errors.ContainsKey("domain")))
            {
                switch (existing)
                {
                    case ExistingLinks.Fail:
                        // A file may name links on several domains: say which one has the slug.
                        errors["slug"] = [link.Domain.Length > 0 ? $"This slug is already taken on {link.Domain}." : "This slug is already taken on the default domain."];
                        break;
                    case ExistingLinks.Skip:
                        // Left as it is: what the row would set is never read, so it cannot be wrong.
                        outcomes[i] = ImportedAs.Skipped;
                        errors.Clear();
                        break;
                    default:
                        // What the row would set for a new link is no matter: its change is checked as a PATCH is.
                        errors.Clear();
                        if (await ChangeAsync(db, current, rows[i], listed, errors, ct))
                            checkLoops.Add((i, current));
                        // Equal values are no change (DbContext.Entry detects the entity's changes first).
                        outcomes[i] = db.Entry(current).State == EntityState.Modified ? ImportedAs.Updated : ImportedAs.Unchanged;
                        if (outcomes[i] == ImportedAs.Updated)
                            changed.Add(current);
                        link = current;
                        break;
                }
            }
            else
            {
                created.Add(link);
                checkLoops.Add((i, link));
            }
            // A key twice in one file names one link twice: which row wins would be a guess.
            if (!errors.ContainsKey("slug") && link.Slug.Length > 0 && !seen.Add((link.Domain, link.Slug)))
                errors["slug"] = ["This slug appears more than once on its domain in the import."];
            if (errors.Count > 0)
                rowErrors[i] = errors;
            linkOf[i] = link;
        }
        // Rows may point at each other: a chain is followed through the import's own links as well as the catalogue's.
        var pending = new Dictionary<(string, string), Link>();
        foreach (var (_, link) in checkLoops.Where(c => c.Link.Slug.Length > 0))
            pending.TryAdd((link.Domain, link.Slug), link);
        foreach (var (i, link) in checkLoops)
        {
            var errors = rowErrors.TryGetValue(i, out var found) ? (Dictionary<string, string[]>)found : [];
            await RefuseLoopsAsync(link, pending, errors, seenHost, ct);
            if (errors.Count > 0)
                rowErrors[i] = errors;
        }
        if (rowErrors.Count > 0 || checkOnly)
            return new BulkOutcome(Rows(), rowErrors);

        foreach (var link in created.Where(l => l.Slug.Length == 0))
        {
            do
                link.Slug = Slugs.Generate();
            while (!seen.Add((link.Domain, link.Slug)) || await db.Links.AnyAsync(l => l.Domain == link.Domain && l.Slug == link.Slug, ct));
        }
        db.Links.AddRange(created);
        db.Changes.AddRange(created.Select(ChangeOf));
        created.ForEach(l => LinkEvents.Add(db, WebhookEventTypes.LinkCreated, l, l.UpdatedAt, urls));
        changed.ForEach(l => RecordChange(db, l, l.Domain, l.Slug));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException ex)
        {
            // A link was changed (or deleted) between the check and the save; SaveChanges rolled the whole batch back.
            var row = ex.Entries.Select(e => e.Entity).OfType<Link>().Select(l => built.FindIndex(b => b.Link.Domain == l.Domain && b.Link.Slug == l.Slug))
                .FirstOrDefault(r => r >= 0);
            return new BulkOutcome(Rows(), new SortedDictionary<int, IDictionary<string, string[]>>
            {
                [row] = new Dictionary<string, string[]> { ["updatedAt"] = ["The link was changed by someone else while importing; nothing was imported, import the file again."] },
            });
        }
        catch (DbUpdateException ex) when (!CatalogBusyException.IsBusy(ex))
        {
            // A concurrent create took one of the slugs after the check; SaveChanges rolled the whole batch back.
            return new BulkOutcome(Rows(), new SortedDictionary<int, IDictionary<string, string[]>>
            {
                [0] = new Dictionary<string, string[]> { ["slug"] = ["A slug was taken while importing; nothing was imported, try again."] },
            });
        }
        await cache.UpsertAsync([.. created.Concat(changed)]);
        return new BulkOutcome(Rows(), rowErrors);

        List<ImportedLink> Rows() => [.. outcomes.Select((outcome, i) => new ImportedLink(outcome, linkOf[i].Domain, linkOf[i].Slug))];
    }

    /// <summary>
    /// Applies an import row's change to the link it meets (<see cref="ExistingLinks.Update"/>), refused under
    /// <c>updatedAt</c> when the link was changed since the row's export and the row would change it. True when the change
    /// touches what the loop check looks at.
    /// </summary>
    private async Task<bool> ChangeAsync(CatalogDb db, Link link, LinkImportRow row, KnownNames listed, Dictionary<string, string[]> errors, CancellationToken ct)
    {
        if (row.ChangeOf is null)
            return false;
        var before = link.UpdatedAt;
        var touched = await ApplyChangeAsync(link, row.ChangeOf(link), listed, errors, ct);
        if (row.ExportedAt is { } exported && exported != before && db.Entry(link).State == EntityState.Modified)
            errors["updatedAt"] = [$"The link was changed at {UtcTime.Format(before)}, after this copy of it ({UtcTime.Format(exported)}): export it again and make the change there, or empty this cell to overwrite it."];
        return touched;
    }

    public async Task<IReadOnlyList<string>> TagsAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // SQLite cannot flatten a JSON column in SQL (SelectMany needs APPLY), so the lists are merged here.
        var lists = await db.Links.AsNoTracking().Where(l => l.Tags.Count > 0).Select(l => l.Tags).ToListAsync(ct);
        return lists.SelectMany(t => t).Distinct().Order(StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>
    /// The UTM values links use, per field (the <see cref="UtmTags.ParameterNames"/> order: source, medium, campaign,
    /// term, content), at most <paramref name="limit"/> each in alphabetical order, for the link form to offer.
    /// </summary>
    public async Task<IReadOnlyList<IReadOnlyList<string>>> UtmValuesAsync(int limit, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var links = db.Links.AsNoTracking();
        return
        [
            await Values(links.Select(l => l.Utm.Source)), await Values(links.Select(l => l.Utm.Medium)),
            await Values(links.Select(l => l.Utm.Campaign)), await Values(links.Select(l => l.Utm.Term)),
            await Values(links.Select(l => l.Utm.Content)),
        ];

        async Task<IReadOnlyList<string>> Values(IQueryable<string?> field) =>
            await field.Where(v => v != null).Distinct().OrderBy(v => v).Take(limit).Select(v => v!).ToListAsync(ct);
    }

    /// <summary>Validates a create request into an unsaved link (shared with bulk import).</summary>
    /// <param name="listed">Which known operating systems a targeting rule's error lists (<see cref="LinkRules.NormalizeRules"/>).</param>
    private Link BuildNewLink(CreateLinkRequest request, KnownNames listed, Dictionary<string, string[]> errors)
    {
        if (!DestinationUrl.TryNormalize(request.Url, out var destination, out var urlError))
            errors["url"] = [urlError];
        if (!string.IsNullOrEmpty(request.Slug) && Slugs.Validate(request.Slug) is { } slugError)
            errors["slug"] = [slugError];
        LinkRules.ValidateTitle(request.Title, errors);
        var tags = LinkRules.NormalizeTags(request.Tags, errors);
        var utm = LinkRules.NormalizeUtm(request.Utm, errors);
        var redirectType = request.RedirectType ?? 302;
        LinkRules.ValidateRedirectType(redirectType, errors);
        var expiredUrl = LinkRules.NormalizeExpiredUrl(request.ExpiredUrl, errors);
        var now = time.GetUtcNow().UtcDateTime;
        var link = new Link
        {
            Slug = request.Slug ?? "",
            Destination = destination ?? "",
            Title = string.IsNullOrWhiteSpace(request.Title) ? null : request.Title.Trim(),
            Tags = tags,
            Utm = utm,
            RedirectType = redirectType,
            Enabled = request.Enabled ?? true,
            ExpiresAt = LinkRules.NormalizeExpiry(request.ExpiresAt),
            ValidFrom = LinkRules.NormalizeExpiry(request.ValidFrom),
            MaxClicks = request.MaxClicks,
            ExpiredUrl = expiredUrl,
            PasswordHash = LinkPasswords.HashOf(request.Password, request.PasswordHash, errors),
            Rules = LinkRules.NormalizeRules(request.Rules, agents, listed, errors),
            Variants = LinkRules.NormalizeVariants(request.Variants, errors),
            Preview = LinkRules.NormalizePreview(request.Preview, errors),
            CreatedAt = now,
            UpdatedAt = now,
            Version = 1,
        };
        LinkRules.ValidateAccess(link, errors);
        return link;
    }

    /// <summary>The one search of the catalogue, shared by the API's <c>search</c>, the admin list and its export.</summary>
    private static IQueryable<Link> Filter(IQueryable<Link> links, LinkQuery query)
    {
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var term = query.Search.Trim().ToLowerInvariant();
#pragma warning disable CA1862, CA1304, CA1311 // EF Core translates ToLower().Contains to SQL on every provider; the culture and StringComparison overloads do not translate.
            links = links.Where(l => l.Slug.ToLower().Contains(term) ||
                                     l.Destination.ToLower().Contains(term) ||
                                     (l.Title != null && l.Title.ToLower().Contains(term)) ||
                                     l.Tags.Any(t => t.ToLower().Contains(term)) ||
                                     (l.Utm.Source != null && l.Utm.Source.ToLower().Contains(term)) ||
                                     (l.Utm.Medium != null && l.Utm.Medium.ToLower().Contains(term)) ||
                                     (l.Utm.Campaign != null && l.Utm.Campaign.ToLower().Contains(term)) ||
                                     (l.Utm.Term != null && l.Utm.Term.ToLower().Contains(term)) ||
                                     (l.Utm.Content != null && l.Utm.Content.ToLower().Contains(term)));
#pragma warning restore CA1862, CA1304, CA1311
        }
        if (query.Domain is { } domain)
            links = links.Where(l => l.Domain == domain);
        var tags = query.Tags?.Where(t => !string.IsNullOrWhiteSpace(t)).Select(t => t.Trim()).Distinct().ToList();
        if (tags is { Count: > 0 })
            links = links.Where(l => l.Tags.Any(t => tags.Contains(t)));
        return links;
    }

    private async Task<bool> SlugExistsAsync(string domain, string slug, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Links.AnyAsync(l => l.Domain == domain && l.Slug == slug, ct);
    }

    /// <param name="known">Hosts already resolved in this batch, so that an import of many rows asks once per host.</param>
    private async Task ResolveDomainAsync(Link link, string? host, Dictionary<string, string[]> errors, CancellationToken ct,
        Dictionary<string, (bool, string, string?)>? known = null)
    {
        var lookup = host ?? "";
        if (known is null || !known.TryGetValue(lookup, out var resolved))
        {
            resolved = await domains.KeyForLinkAsync(host, ct);
            known?.Add(lookup, resolved);
        }
        var (ok, key, error) = resolved;
        if (ok)
            link.Domain = key;
        else
            errors["domain"] = [error!];
    }

    /// <summary>Places (short links, unknown slugs, roots) a check follows chains through at most before it takes them as no loop.</summary>
    private const int MaxChainLinks = 32;

    /// <summary>
    /// A place on this service a URL sends visitors to: <paramref name="Slug"/> on the domain with key
    /// <paramref name="Domain"/> (a link, or a slug no link has), or with an empty slug the domain's root.
    /// </summary>
    private readonly record struct Place(string Domain, string Slug);

    /// <summary>
    /// Refuses destinations (the link's own, a rule's, a variant's or its expired URL) that send visitors round in a
    /// loop through this service's own answers: the link's own short URL, whatever its scheme, port, query or fragment
    /// (links are found by host alone), or a chain that comes back to the link or to any place already passed on it.
    /// Each place answers as a visitor would be answered: a link by every destination it has (its expired URL too,
    /// and when it does not redirect now and has none, the domain's expiredUrl), a slug no link has by the domain's
    /// notFoundUrl, the root by the domain's rootUrl, the checks <see cref="DomainCatalog"/> makes when those are saved;
    /// a domain saved without a loop may come to have one (its notFoundUrl's link deleted since), so they are followed
    /// again here. Chains are followed up to <see cref="MaxChainLinks"/> places; another host, a path of more segments
    /// or an answer left empty (the 404 page) ends one. Short URLs are those of a registered domain, or of the default
    /// domain's host: <c>Redirector:BaseUrl</c>'s, or without it <paramref name="seenHost"/> (the host the API or admin
    /// was reached at) unless that is a registered domain. The errors go under "url", "rules", "variants" or
    /// "expiredUrl" (the domain's expiredUrl too: the link's own is what stops it) and name the chain, links by their
    /// slug and the domains' answers by their URL. <paramref name="pending"/> holds links about to be created with this
    /// one (an import), looked up before the catalogue.
    /// </summary>
    private async Task RefuseLoopsAsync(Link link, IReadOnlyDictionary<(string, string), Link>? pending,
        Dictionary<string, string[]> errors, string? seenHost, CancellationToken ct)
    {
        var defaultHost = urls.ConfiguredHostOf(DomainLinks.DefaultKey)
            ?? (seenHost is { Length: > 0 } seen && !domains.IsRegistered(seen) ? seen : null);
        var now = time.GetUtcNow().UtcDateTime;
        // A link saved without a slug gets a generated one, which no URL can name yet: it is on no chain's way back.
        Place? home = link.Slug.Length > 0 ? new Place(link.Domain, link.Slug) : null;
        // The chain being followed: each place, its name in an error and how it answered (a domain's answer, or none).
        var path = new List<(Place? Place, string Name, string Note)>();
        var done = new HashSet<Place>();
        CatalogDb? db = null;
        try
        {
            var (note, answers) = AnswersOf(link);
            foreach (var (field, url) in answers)
            {
                if (errors.ContainsKey(field) || PlaceOf(url, defaultHost) is not { } next)
                    continue;
                if (next == home)
                {
                    errors[field] = [OwnShortUrl(field)];
                    continue;
                }
                path.Clear();
                path.Add((home, link.Slug.Length > 0 ? link.Slug : "this link", field == "expiredUrl" ? note : ""));
                if (await LoopFromAsync(next) is { } loop)
                {
                    errors[field] = [loop.Back
                        ? $"This leads back to the link ({loop.Chain}): visitors would be sent round in a loop."
                        : $"This leads into a loop of this service's own answers ({loop.Chain}): visitors would be sent round in a loop."];
                }
            }
        }
        finally
        {
            if (db is not null)
                await db.DisposeAsync();
        }

        // Depth first: a place met again while still on the path closes a loop; one whose answers all ended is done.
        async Task<(string Chain, bool Back)?> LoopFromAsync(Place place)
        {
            var at = path.FindIndex(p => p.Place == place);
            if (at >= 0)
                return (string.Join(" → ", path.Select(p => p.Name + p.Note)) + " → " + path[at].Name, at == 0);
            if (done.Contains(place) || done.Count + path.Count >= MaxChainLinks)
                return null;
            var settings = cache.ForHost(place.Domain).Settings;
            var url = (place.Domain.Length > 0 ? place.Domain : defaultHost) + "/" + place.Slug;
            Link? hop = null;
            if (place.Slug.Length > 0)
            {
                hop = pending?.GetValueOrDefault((place.Domain, place.Slug));
                if (hop is null)
                {
                    db ??= await dbFactory.CreateDbContextAsync(ct);
                    hop = await db.Links.AsNoTracking().FirstOrDefaultAsync(l => l.Domain == place.Domain && l.Slug == place.Slug, ct);
                }
            }
            string name = url, note;
            IEnumerable<string?> next;
            if (place.Slug.Length == 0)
                (note, next) = (" (the domain's rootUrl)", [settings?.RootLocation]);
            else if (hop is null)
                (note, next) = (" (no link: the domain's notFoundUrl)", [settings?.NotFoundLocation]);
            else
            {
                var (hopNote, hopAnswers) = AnswersOf(hop);
                (name, note, next) = (hop.Slug, hopNote, hopAnswers.Select(a => a.Url));
            }
            path.Add((place, name, note));
            foreach (var answer in next)
            {
                if (PlaceOf(answer, defaultHost) is { } following && await LoopFromAsync(following) is { } loop)
                    return loop;
            }
            path.RemoveAt(path.Count - 1);
            done.Add(place);
            return null;
        }

        // What a link answers, by field: every destination, and for a link that does not redirect now and has no
        // expired URL of its own, its domain's expiredUrl (the note says so in a chain).
        (string Note, IEnumerable<(string Field, string? Url)> Answers) AnswersOf(Link hop)
        {
            IEnumerable<(string Field, string? Url)> destinations =
            [
                ("url", hop.Destination),
                .. (hop.Rules ?? []).Select(r => ("rules", r.Url)),
                .. (hop.Variants ?? []).Select(v => ("variants", v.Url)),
                ("expiredUrl", hop.ExpiredUrl),
            ];
            return hop.ExpiredUrl is null && !hop.IsLiveAt(now) && cache.ForHost(hop.Domain).Settings?.ExpiredLocation is { } fallback
                ? (" (does not redirect now: the domain's expiredUrl)", destinations.Append(("expiredUrl", fallback)))
                : ("", destinations);
        }

        static string OwnShortUrl(string field) => field switch
        {
            "rules" => "A rule sends visitors to the link's own short URL, round in a loop.",
            "variants" => "A variant sends visitors to the link's own short URL, round in a loop.",
            "expiredUrl" => "The expired URL is the link's own short URL: visitors of the switched-off or expired link would be sent round in a loop.",
            _ => "This is the link's own short URL: visitors would be sent round in a loop.",
        };
    }

    /// <summary>
    /// The place a URL names when it is on this service (its host a registered domain's or <paramref name="defaultHost"/>,
    /// its path one slug or the root); else null.
    /// </summary>
    private Place? PlaceOf(string? url, string? defaultHost)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            return null;
        var slug = uri.AbsolutePath.Trim('/');
        if (slug.Contains('/'))
            return null;
        var host = uri.IdnHost.TrimEnd('.');
        if (domains.IsRegistered(host))
            return new Place(domains.KeyForQuery(host), Uri.UnescapeDataString(slug));
        return defaultHost is not null && string.Equals(host, defaultHost.TrimEnd('.'), StringComparison.OrdinalIgnoreCase)
            ? new Place(DomainLinks.DefaultKey, Uri.UnescapeDataString(slug))
            : null;
    }

    private static CatalogChange ChangeOf(Link link) => new() { Slug = link.Slug, Domain = link.Domain, At = link.UpdatedAt };

    [LoggerMessage(Level = LogLevel.Warning, Message = "No free generated slug after {Attempts} attempts")]
    private static partial void LogSlugSpaceCrowded(ILogger logger, int attempts);
}
