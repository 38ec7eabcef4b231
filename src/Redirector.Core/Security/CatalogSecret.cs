using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Redirector.Security;

/// <summary>
/// A long-lived secret that every node must hold alike (the outbound-link signing key), kept in the catalogue and
/// encrypted with the Data Protection key ring, which is in the catalogue too.
/// </summary>
public sealed class CatalogSecret
{
    /// <summary>What the secret is for, e.g. "outbound-hmac" (at most 64 characters).</summary>
    public required string Name { get; set; }

    /// <summary>The secret as Data Protection protected it (base64 of the protected bytes).</summary>
    public required string Protected { get; set; }

    public DateTime CreatedAt { get; set; }
}

internal sealed class CatalogSecretConfiguration : IEntityTypeConfiguration<CatalogSecret>
{
    public void Configure(EntityTypeBuilder<CatalogSecret> builder)
    {
        builder.HasKey(s => s.Name);
        builder.Property(s => s.Name).HasMaxLength(64);
    }
}
