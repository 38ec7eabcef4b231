using Microsoft.EntityFrameworkCore;
using Redirector.Catalog;

namespace Redirector.Benchmarks.HotPath;

/// <summary>
/// Stands in for the catalogue where only the visitor salt would need it: <see cref="Clicks.VisitorHasher"/> then
/// falls back to a local salt per day, which hashes the same way.
/// </summary>
internal sealed class NoCatalogue : IDbContextFactory<CatalogDb>
{
    public CatalogDb CreateDbContext() => throw new InvalidOperationException("no catalogue here");
}
