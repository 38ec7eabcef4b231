using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Redirector.ApiKeys;

/// <summary>An API key. Only its SHA-256 hash and a short prefix (to recognise it in lists) are stored.</summary>
public sealed class ApiKey
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public required string Prefix { get; set; }
    public required string Hash { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
    public DateTime? RevokedAt { get; set; }

    /// <summary>One of <see cref="Security.Roles"/>: a viewer key may only read (GET; the API answers HEAD with 405 for every role).</summary>
    public string Role { get; set; } = Security.Roles.Editor;
}

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> builder)
    {
        builder.Property(k => k.Name).HasMaxLength(100);
        builder.Property(k => k.Prefix).HasMaxLength(16);
        builder.Property(k => k.Hash).HasMaxLength(64);
        builder.Property(k => k.Role).HasMaxLength(16).HasDefaultValue(Security.Roles.Editor);
        builder.HasIndex(k => k.Hash).IsUnique();
    }
}
