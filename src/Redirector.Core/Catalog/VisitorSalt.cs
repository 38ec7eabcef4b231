using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Redirector.Catalog;

/// <summary>
/// A random salt for one UTC day, shared by all nodes so a visitor hashes the same everywhere, and deleted
/// once the day is over so yesterday's visitor hashes can no longer be linked to an address.
/// </summary>
public sealed class VisitorSalt
{
    public required string Day { get; set; }
    public required byte[] Salt { get; set; }
}

internal sealed class VisitorSaltConfiguration : IEntityTypeConfiguration<VisitorSalt>
{
    public void Configure(EntityTypeBuilder<VisitorSalt> builder)
    {
        builder.HasKey(s => s.Day);
        builder.Property(s => s.Day).HasMaxLength(8);
    }
}
