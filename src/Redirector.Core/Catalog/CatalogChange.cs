using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Redirector.Catalog;

/// <summary>
/// One row per create, update or delete of a link, written in the same transaction. Every node polls this
/// table to refresh its in-memory link cache, which is how a change reaches all nodes within a second.
/// </summary>
public sealed class CatalogChange
{
    public long Id { get; set; }
    public required string Slug { get; set; }

    /// <summary>The link's domain key (empty for the default domain), or the host of a changed short domain.</summary>
    public string Domain { get; set; } = "";
    public DateTime At { get; set; }
}

internal sealed class CatalogChangeConfiguration : IEntityTypeConfiguration<CatalogChange>
{
    public void Configure(EntityTypeBuilder<CatalogChange> builder)
    {
        builder.Property(c => c.Slug).HasMaxLength(64);
        builder.Property(c => c.Domain).HasMaxLength(Domains.DomainRules.MaxHostLength);
        builder.HasIndex(c => c.At);
    }
}
