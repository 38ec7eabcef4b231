using Microsoft.EntityFrameworkCore;
using Redirector.Catalog;

namespace Redirector.Qr;

/// <summary>Reads, stores and deletes the QR logo of a link (one row of <c>QrLogos</c>, keyed by link id).</summary>
public sealed class QrLogos(IDbContextFactory<CatalogDb> dbFactory, TimeProvider time)
{
    public async Task<QrLogo?> FindAsync(long linkId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.QrLogos.AsNoTracking().FirstOrDefaultAsync(l => l.LinkId == linkId, ct);
    }

    /// <summary>Stores a logo that <see cref="QrLogoFile.TryRead"/> accepted, replacing the link's previous one.</summary>
    public async Task SaveAsync(long linkId, QrLogoFile file, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (await ReplaceAsync(linkId, file, now, ct))
            return;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.QrLogos.Add(new QrLogo { LinkId = linkId, ContentType = file.ContentType, Content = file.Content, UpdatedAt = now });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another upload for the link inserted first: this one, the later, replaces it; if that row is gone
            // too (the link was deleted meanwhile), the failure stands.
            if (!await ReplaceAsync(linkId, file, now, ct))
                throw;
        }
    }

    private async Task<bool> ReplaceAsync(long linkId, QrLogoFile file, DateTime now, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.QrLogos.Where(l => l.LinkId == linkId).ExecuteUpdateAsync(
            set => set.SetProperty(l => l.ContentType, file.ContentType).SetProperty(l => l.Content, file.Content).SetProperty(l => l.UpdatedAt, now), ct) > 0;
    }

    /// <summary>False when the link had no logo.</summary>
    public async Task<bool> DeleteAsync(long linkId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.QrLogos.Where(l => l.LinkId == linkId).ExecuteDeleteAsync(ct) > 0;
    }
}
