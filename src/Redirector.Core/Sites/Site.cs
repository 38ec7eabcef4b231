using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Redirector.Sites;

/// <summary>
/// A website whose outbound links are tracked. Its host names decide which links leave it and which
/// referrers are its own; its key is public (it sits in the tracker's script tag) and only names the site.
/// </summary>
public sealed class Site
{
    public long Id { get; set; }
    public required string Key { get; set; }
    public required string Name { get; set; }

    /// <summary>Lower-case ASCII host names (IDNs in punycode), without port.</summary>
    public List<string> Hosts { get; set; } = [];

    /// <summary>Whether pages on subdomains of the hosts (dot boundary: "blog.example.com" for "example.com") belong to the site.</summary>
    public bool AllowSubdomains { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class SiteConfiguration : IEntityTypeConfiguration<Site>
{
    public void Configure(EntityTypeBuilder<Site> builder)
    {
        builder.Property(s => s.Key).HasMaxLength(SiteRules.KeyLength);
        builder.HasIndex(s => s.Key).IsUnique();
        builder.Property(s => s.Name).HasMaxLength(SiteRules.MaxNameLength);
        builder.PrimitiveCollection(s => s.Hosts);
    }
}
