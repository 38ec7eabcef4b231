using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Redirector.Catalog;

namespace Redirector.ApiKeys;

public sealed record CreatedApiKey(long Id, string Name, string Prefix, string Secret);

/// <summary>Creates, checks and revokes API keys. Keys are 160 random bits; only hashes are stored.</summary>
public sealed class ApiKeyService(IDbContextFactory<CatalogDb> dbFactory, ApiKeyUsage usage, TimeProvider time)
{
    private const string KeyPrefix = "rdk_";
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(5);

    // A short-lived cache keeps API calls off the database without delaying a revocation by more than 5 s.
    private readonly ConcurrentDictionary<string, (long? Id, DateTime CheckedAt)> _recent = new(StringComparer.Ordinal);

    public static string HashOf(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Creates a key named <paramref name="name"/> (trimmed, at most 100 characters) and returns its secret, shown only now.</summary>
    public async Task<CreatedApiKey> CreateAsync(string name, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await AddAsync(db, name, null, ct);
    }

    /// <summary>
    /// Creates the first key, from <paramref name="secret"/> or generated, unless a key exists already; null then.
    /// Runs under the catalogue's setup lock, so nodes starting together on an empty catalogue create one key.
    /// </summary>
    public async Task<CreatedApiKey?> CreateFirstAsync(string? secret, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.UnderSetupLockAsync(async () => await db.ApiKeys.AnyAsync(ct) ? null : await AddAsync(db, "initial", secret, ct), ct);
    }

    private async Task<CreatedApiKey> AddAsync(CatalogDb db, string name, string? secret, CancellationToken ct)
    {
        secret ??= KeyPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
        var key = new ApiKey
        {
            Name = name.Trim() is { Length: > 0 } trimmed ? trimmed[..Math.Min(trimmed.Length, 100)] : "key",
            Prefix = secret[..Math.Min(secret.Length, 12)],
            Hash = HashOf(secret),
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(ct);
        return new CreatedApiKey(key.Id, key.Name, key.Prefix, secret);
    }

    /// <summary>
    /// Returns the key's id when the secret belongs to a key that is not revoked. Only reads the catalogue: the
    /// key's last-used time is written later by <see cref="ApiKeyUsage"/>.
    /// </summary>
    public async Task<long?> AuthenticateAsync(string secret, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var hash = HashOf(secret);
        if (!_recent.TryGetValue(hash, out var checkedKey) || now - checkedKey.CheckedAt >= CacheLifetime)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var id = await db.ApiKeys.AsNoTracking()
                .Where(k => k.Hash == hash && k.RevokedAt == null)
                .Select(k => (long?)k.Id)
                .FirstOrDefaultAsync(ct);
            if (_recent.Count > 10_000)
                _recent.Clear();
            checkedKey = (id, now);
            _recent[hash] = checkedKey;
        }
        if (checkedKey.Id is { } keyId)
            usage.Record(keyId, now);
        return checkedKey.Id;
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
