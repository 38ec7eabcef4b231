using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Redirector.ApiKeys;
using Redirector.Domains;
using Redirector.Links;
using Redirector.Qr;
using Redirector.Security;
using Redirector.Sites;
using Redirector.Webhooks;

namespace Redirector.Catalog;

/// <summary>
/// The catalogue: links and their QR logos, short domains, tracked sites, API keys, admin users, webhook endpoints and their outbox
/// of link events, the change log that keeps every node's link cache fresh, and what every node must share to verify
/// each other's signatures: the Data Protection key ring and <see cref="CatalogSecret"/>s.
/// Each database provider has a subclass that owns its migrations (see <see cref="SqliteCatalogDb"/>).
/// Add a migration with <c>tools/add-migration.sh &lt;Name&gt;</c>, which scaffolds it for every provider.
/// </summary>
public abstract class CatalogDb(DbContextOptions options) : IdentityDbContext<IdentityUser>(options), IDataProtectionKeyContext
{
    public DbSet<Link> Links => Set<Link>();
    public DbSet<Site> Sites => Set<Site>();
    public DbSet<ShortDomain> Domains => Set<ShortDomain>();
    public DbSet<CatalogChange> Changes => Set<CatalogChange>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<VisitorSalt> VisitorSalts => Set<VisitorSalt>();
    public DbSet<CatalogSecret> Secrets => Set<CatalogSecret>();
    public DbSet<WebhookEndpoint> WebhookEndpoints => Set<WebhookEndpoint>();

    /// <summary>Link events waiting to be moved into a node's delivery queue (see <see cref="LinkEvents"/>).</summary>
    public DbSet<WebhookOutboxEvent> WebhookOutbox => Set<WebhookOutboxEvent>();

    /// <summary>The Data Protection key ring (sign-in cookies, antiforgery tokens, <see cref="Secrets"/>).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<QrLogo> QrLogos => Set<QrLogo>();

    /// <summary>
    /// Deletes the matching rows and records the change for other nodes' caches in one transaction.
    /// False when nothing matched (and nothing is recorded).
    /// </summary>
    public async Task<bool> DeleteAndRecordChangeAsync<T>(IQueryable<T> rows, string changedKey, DateTime at, CancellationToken ct, string domain = "")
    {
        await using var transaction = await Database.BeginTransactionAsync(ct);
        if (await rows.ExecuteDeleteAsync(ct) == 0)
            return false;
        Changes.Add(new CatalogChange { Slug = changedKey, Domain = domain, At = at });
        await SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>
    /// Runs <paramref name="step"/>, a check-then-create step of a node's start (the first API key, the first
    /// administrator), in a transaction that holds the catalogue's setup lock: nodes starting together on one
    /// catalogue run it one after another, and each sees what the one before created. PostgreSQL: a
    /// transaction-level advisory lock. SQLite: the transaction itself, which Microsoft.Data.Sqlite begins with
    /// BEGIN IMMEDIATE, taking the database's write lock. The step must write through this context only.
    /// </summary>
    public async Task<T> UnderSetupLockAsync<T>(Func<Task<T>> step, CancellationToken ct)
    {
        await using var transaction = await Database.BeginTransactionAsync(ct);
        if (Database.IsNpgsql())
            await Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({SetupLockKey})", ct);
        var result = await step();
        await transaction.CommitAsync(ct);
        return result;
    }

    /// <summary>The PostgreSQL advisory lock that nodes take while they migrate or set up the catalogue (an arbitrary constant).</summary>
    internal const long SetupLockKey = 0x5265_6469_7265_6374;

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(CatalogDb).Assembly);
    }
}

/// <summary>The default single-node catalogue: a SQLite file.</summary>
public sealed class SqliteCatalogDb(DbContextOptions<SqliteCatalogDb> options) : CatalogDb(options);

/// <summary>The catalogue shared by several nodes: PostgreSQL.</summary>
public sealed class PostgresCatalogDb(DbContextOptions<PostgresCatalogDb> options) : CatalogDb(options);
