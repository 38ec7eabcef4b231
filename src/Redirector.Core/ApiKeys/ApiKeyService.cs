using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Redirector.Catalog;

namespace Redirector.ApiKeys;

public sealed record CreatedApiKey(long Id, string Name, string Prefix, string Secret, string Role);

/// <summary>A key that authenticated: its id and its role (one of <see cref="Security.Roles"/>).</summary>
public sealed record AuthenticatedApiKey(long Id, string Role);

/// <summary>Creates, checks and revokes API keys. Keys are 160 random bits; only hashes are stored.</summary>
public sealed class ApiKeyService(IDbContextFactory<CatalogDb> dbFactory, ApiKeyUsage usage, TimeProvider time)
{
    private const string KeyPrefix = "rdk_";
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(5);

    // A short-lived cache keeps API calls off the database without delaying a revocation by more than 5 s.
    private readonly ConcurrentDictionary<string, (AuthenticatedApiKey? Key, DateTime CheckedAt)> _recent = new(StringComparer.Ordinal);

    public static string HashOf(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>
    /// Creates a key named <paramref name="name"/> (trimmed, at most 100 characters) with <paramref name="role"/>
    /// (one of <see cref="Security.Roles"/>) and returns its secret, shown only now.
    /// </summary>
    public async Task<CreatedApiKey> CreateAsync(string name, string role, CancellationToken ct)
    {
        if (!Security.Roles.TryParse(role, out role))
            throw new ArgumentException("Not a role", nameof(role));
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await AddAsync(db, name, null, role, ct);
    }

    /// <summary>
    /// Creates the first key (an administrator's), from <paramref name="secret"/> or generated, unless a key exists already; null then.
    /// Runs under the catalogue's setup lock, so nodes starting together on an empty catalogue create one key.
    /// </summary>
    public async Task<CreatedApiKey?> CreateFirstAsync(string? secret, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.UnderSetupLockAsync(async () => await db.ApiKeys.AnyAsync(ct) ? null : await AddAsync(db, "initial", secret, Security.Roles.Administrator, ct), ct);
    }

    private async Task<CreatedApiKey> AddAsync(CatalogDb db, string name, string? secret, string role, CancellationToken ct)
    {
        secret ??= KeyPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
        var key = new ApiKey
        {
            Name = name.Trim() is { Length: > 0 } trimmed ? trimmed[..Math.Min(trimmed.Length, 100)] : "key",
            Prefix = secret[..Math.Min(secret.Length, 12)],
            Hash = HashOf(secret),
            CreatedAt = time.GetUtcNow().UtcDateTime,
            Role = role,
        };
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(ct);
        return new CreatedApiKey(key.Id, key.Name, key.Prefix, secret, role);
    }

    /// <summary>
    /// Returns the key's id and role when the secret belongs to a key that is not revoked. Only reads the catalogue:
    /// the key's last-used time is written later by <see cref="ApiKeyUsage"/>.
    /// </summary>
    public async Task<AuthenticatedApiKey?> AuthenticateAsync(string secret, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var hash = HashOf(secret);
        if (!_recent.TryGetValue(hash, out var checkedKey) || now - checkedKey.CheckedAt >= CacheLifetime)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var key = await db.ApiKeys.AsNoTracking()
                .Where(k => k.Hash == hash && k.RevokedAt == null)
                .Select(k => new AuthenticatedApiKey(k.Id, k.Role))
                .FirstOrDefaultAsync(ct);
            if (_recent.Count > 10_000)
                _recent.Clear();
            checkedKey = (key, now);
            _recent[hash] = checkedKey;
        }
        if (checkedKey.Key is { } known)
            usage.Record(known.Id, now);
        return checkedKey.Key;
    }

    public async Task<bool> RevokeAsync(long id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow().UtcDateTime;
        var revoked = await db.ApiKeys.Where(k => k.Id == id && k.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, now), ct);
        _recent.Clear();
        return revoked > 0;
    }

    public async Task<List<ApiKey>> ListAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ApiKeys.AsNoTracking().OrderByDescending(k => k.CreatedAt).ToListAsync(ct);
    }

}
