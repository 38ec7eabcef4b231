using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Redirector.Catalog;

namespace Redirector.Webhooks;

/// <summary>Which links' events an endpoint receives; every list empty or absent: all links. A link must match every list given.</summary>
public sealed record WebhookLinkFilter(IReadOnlyList<string>? Tags = null, IReadOnlyList<string>? Domains = null, IReadOnlyList<string>? Links = null);

/// <summary>The body of POST /api/webhooks and of the admin's form.</summary>
/// <param name="BatchSize">Events per request, 1 (the default) to <see cref="WebhookOptions.MaxBatchSize"/>; above 1 the body is a JSON array.</param>
public sealed record CreateWebhookRequest(string? Url, IReadOnlyList<string>? Events, WebhookLinkFilter? LinkFilter = null, int? BatchSize = null, bool? Enabled = null);

/// <summary>The body of PATCH /api/webhooks/{id}: the properties given change, null ones stay.</summary>
public sealed record UpdateWebhookRequest(string? Url = null, IReadOnlyList<string>? Events = null, WebhookLinkFilter? LinkFilter = null, int? BatchSize = null, bool? Enabled = null);

public enum WebhookOutcomeKind { Saved, Invalid, NotFound }

/// <param name="Secret">The signing secret, set only when it was just made (create, rotate): it is shown once.</param>
public sealed record WebhookOutcome(WebhookOutcomeKind Kind, WebhookEndpoint? Endpoint = null, IDictionary<string, string[]>? Errors = null, string? Secret = null);

/// <summary>
/// Creates, changes and deletes webhook endpoints in the catalogue. Secrets are made here, returned once and stored
/// protected with the Data Protection key ring, which every node shares through the catalogue.
/// </summary>
public sealed class WebhookCatalog(IDbContextFactory<CatalogDb> dbFactory, IDataProtectionProvider dataProtection, IOptions<WebhookOptions> options, TimeProvider time)
{
    private readonly IDataProtector _protector = dataProtection.CreateProtector("Redirector.Webhooks.Secret.v1");

    public async Task<WebhookOutcome> CreateAsync(CreateWebhookRequest request, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var now = time.GetUtcNow().UtcDateTime;
        var secret = WebhookSignature.NewSecret();
        var endpoint = new WebhookEndpoint { Url = "", ProtectedSecret = Protect(secret), CreatedAt = now, UpdatedAt = now };
        Apply(endpoint, new UpdateWebhookRequest(request.Url ?? "", request.Events ?? [], request.LinkFilter ?? new(), request.BatchSize ?? 1, request.Enabled ?? true), errors);
        if (errors.Count > 0)
            return new WebhookOutcome(WebhookOutcomeKind.Invalid, Errors: errors);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.WebhookEndpoints.Add(endpoint);
        await db.SaveChangesAsync(ct);
        return new WebhookOutcome(WebhookOutcomeKind.Saved, endpoint, Secret: secret);
    }

    public async Task<List<WebhookEndpoint>> ListAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.WebhookEndpoints.AsNoTracking().OrderBy(e => e.Id).ToListAsync(ct);
    }

    public async Task<WebhookEndpoint?> FindAsync(long id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.WebhookEndpoints.AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, ct);
    }

    /// <summary>
    /// Changes the properties given; enabling an endpoint clears the reason the service disabled it. Values equal to
    /// the stored ones are no change: updatedAt stays, as a link's and a domain's do (docs/links.md, unchanged values).
    /// </summary>
    public async Task<WebhookOutcome> UpdateAsync(long id, UpdateWebhookRequest request, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var endpoint = await db.WebhookEndpoints.FirstOrDefaultAsync(e => e.Id == id, ct);
        if (endpoint is null)
            return new WebhookOutcome(WebhookOutcomeKind.NotFound);
        var errors = new Dictionary<string, string[]>();
        Apply(endpoint, request, errors);
        if (errors.Count > 0)
            return new WebhookOutcome(WebhookOutcomeKind.Invalid, Errors: errors);
        if (!db.ChangeTracker.HasChanges())
            return new WebhookOutcome(WebhookOutcomeKind.Saved, endpoint);
        endpoint.UpdatedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return new WebhookOutcome(WebhookOutcomeKind.Saved, endpoint);
    }

    /// <summary>Replaces the signing secret; the new one is returned once and signs every request from the next poll on.</summary>
    public async Task<WebhookOutcome> RotateSecretAsync(long id, CancellationToken ct)
    {
        var secret = WebhookSignature.NewSecret();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var changed = await db.WebhookEndpoints.Where(e => e.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(e => e.ProtectedSecret, Protect(secret))
            .SetProperty(e => e.UpdatedAt, time.GetUtcNow().UtcDateTime), ct);
        return changed == 0 ? new WebhookOutcome(WebhookOutcomeKind.NotFound) : new WebhookOutcome(WebhookOutcomeKind.Saved, await FindAsync(id, ct), Secret: secret);
    }

    public async Task<bool> DeleteAsync(long id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.WebhookEndpoints.Where(e => e.Id == id).ExecuteDeleteAsync(ct) > 0;
    }

    /// <summary>Stops delivery to an endpoint that kept failing, saying why (the admin shows it).</summary>
    public async Task DisableAsync(long id, string reason, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.WebhookEndpoints.Where(e => e.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(e => e.Enabled, false)
            .SetProperty(e => e.DisabledReason, reason[..Math.Min(reason.Length, 1024)])
            .SetProperty(e => e.UpdatedAt, time.GetUtcNow().UtcDateTime), ct);
    }

    /// <summary>The secret's key bytes, for signing.</summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The key ring that protected it is gone.</exception>
    public byte[] KeyOf(WebhookEndpoint endpoint) => WebhookSignature.KeyOf(_protector.Unprotect(endpoint.ProtectedSecret));

    private string Protect(string secret) => _protector.Protect(secret);

    private void Apply(WebhookEndpoint endpoint, UpdateWebhookRequest request, Dictionary<string, string[]> errors)
    {
        if (request.Url is not null)
        {
            if (WebhookRules.TryNormalizeUrl(request.Url, options.Value.AllowPrivateAddresses, out var url, out var error))
                endpoint.Url = url;
            else
                errors["url"] = [error];
        }
        if (request.Events is not null)
            endpoint.Events = WebhookRules.NormalizeEvents(request.Events, errors);
        if (request.LinkFilter is { } filter)
        {
            endpoint.FilterTags = WebhookRules.NormalizeFilter("linkFilter.tags", filter.Tags, errors);
            endpoint.FilterDomains = WebhookRules.NormalizeDomainFilter(filter.Domains, errors);
            endpoint.FilterLinks = WebhookRules.NormalizeFilter("linkFilter.links", filter.Links, errors);
        }
        if (request.BatchSize is { } batchSize)
        {
            if (batchSize < 1 || batchSize > options.Value.MaxBatchSize)
                errors["batchSize"] = [$"The batch size must be 1 to {options.Value.MaxBatchSize}."];
            endpoint.BatchSize = batchSize;
        }
        if (request.Enabled is { } enabled)
        {
            endpoint.Enabled = enabled;
            if (enabled)
                endpoint.DisabledReason = null;
        }
    }
}
