using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Redirector.Catalog;

namespace Redirector.Security;

/// <summary>
/// Secrets shared by every node through the catalogue (<see cref="CatalogSecret"/>), each encrypted with the Data
/// Protection key ring (also in the catalogue, see <see cref="DataProtectionServices"/>).
/// </summary>
public sealed class CatalogSecrets(IDbContextFactory<CatalogDb> catalog, IDataProtectionProvider dataProtection, TimeProvider time)
{
    private const string Purpose = "Redirector.CatalogSecrets.v1";

    /// <summary>
    /// The secret named <paramref name="name"/>: read from the catalogue, or made of <paramref name="length"/> random
    /// bytes and stored when no node has made it yet. Nodes asking at once get the same bytes: the check and the
    /// insert run under the catalogue's setup lock (<see cref="CatalogDb.UnderSetupLockAsync{T}"/>).
    /// </summary>
    /// <exception cref="CryptographicException">The stored secret was protected with a key ring this catalogue no longer has.</exception>
    public async Task<byte[]> GetOrCreateAsync(string name, int length, CancellationToken ct = default)
    {
        var protector = dataProtection.CreateProtector(Purpose, name);
        await using var db = await catalog.CreateDbContextAsync(ct);
        var stored = await db.UnderSetupLockAsync(async () =>
        {
            if (await db.Secrets.AsNoTracking().FirstOrDefaultAsync(s => s.Name == name, ct) is { } existing)
                return existing.Protected;
            var secret = new CatalogSecret
            {
                Name = name,
                Protected = Convert.ToBase64String(protector.Protect(RandomNumberGenerator.GetBytes(length))),
                CreatedAt = time.GetUtcNow().UtcDateTime,
            };
            db.Secrets.Add(secret);
            await db.SaveChangesAsync(ct);
            return secret.Protected;
        }, ct);
        return protector.Unprotect(Convert.FromBase64String(stored));
    }
}
