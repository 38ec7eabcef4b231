using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Redirector.Links;

namespace Redirector.Domains;

/// <summary>
/// A registered short domain: a host the service answers on besides the default one (the host of
/// <c>Redirector:BaseUrl</c>), with its own slugs and its own answers for the root, unknown slugs and refused links.
/// </summary>
public sealed class ShortDomain
{
    /// <summary>The host in lowercase ASCII (an internationalised name in its punycode form), e.g. <c>go.example.com</c>.</summary>
    public required string Host { get; set; }

    /// <summary>Where <c>/</c> on this host redirects (302); null for the 404 page.</summary>
    public string? RootUrl { get; set; }

    /// <summary>Where an unknown slug on this host redirects (302); null for the 404 page.</summary>
    public string? NotFoundUrl { get; set; }

    /// <summary>Where a refused link (disabled, expired, not yet valid, used up) without its own expired URL redirects; null for the 404 page.</summary>
    public string? ExpiredUrl { get; set; }

    /// <summary>The JSON served at <c>/.well-known/apple-app-site-association</c> on this host; null for 404.</summary>
    public string? AppleAppSiteAssociation { get; set; }

    /// <summary>The JSON served at <c>/.well-known/assetlinks.json</c> on this host; null for 404.</summary>
    public string? AssetLinks { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class ShortDomainConfiguration : IEntityTypeConfiguration<ShortDomain>
{
    public void Configure(EntityTypeBuilder<ShortDomain> builder)
    {
        builder.ToTable("Domains");
        builder.HasKey(d => d.Host);
        builder.Property(d => d.Host).HasMaxLength(DomainRules.MaxHostLength);
        builder.Property(d => d.RootUrl).HasMaxLength(DestinationUrl.MaxLength);
        builder.Property(d => d.NotFoundUrl).HasMaxLength(DestinationUrl.MaxLength);
        builder.Property(d => d.ExpiredUrl).HasMaxLength(DestinationUrl.MaxLength);
    }
}
