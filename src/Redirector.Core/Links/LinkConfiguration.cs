using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Redirector.Links;

internal sealed class LinkConfiguration : IEntityTypeConfiguration<Link>
{
    public void Configure(EntityTypeBuilder<Link> builder)
    {
        builder.Property(l => l.Slug).HasMaxLength(Slugs.MaxLength);
        builder.HasIndex(l => l.Slug).IsUnique();
        builder.Property(l => l.Destination).HasMaxLength(DestinationUrl.MaxLength);
        builder.Property(l => l.PasswordHash).HasMaxLength(LinkPasswords.MaxHashLength);
        builder.Property(l => l.ExpiredUrl).HasMaxLength(DestinationUrl.MaxLength);
        builder.Property(l => l.Title).HasMaxLength(LinkRules.MaxTitleLength);
        builder.PrimitiveCollection(l => l.Tags);
        builder.ComplexProperty(l => l.Utm, utm =>
        {
            utm.Property(u => u.Source).HasMaxLength(UtmTags.MaxValueLength).HasColumnName("UtmSource");
            utm.Property(u => u.Medium).HasMaxLength(UtmTags.MaxValueLength).HasColumnName("UtmMedium");
            utm.Property(u => u.Campaign).HasMaxLength(UtmTags.MaxValueLength).HasColumnName("UtmCampaign");
            utm.Property(u => u.Term).HasMaxLength(UtmTags.MaxValueLength).HasColumnName("UtmTerm");
            utm.Property(u => u.Content).HasMaxLength(UtmTags.MaxValueLength).HasColumnName("UtmContent");
        });
        builder.Property(l => l.Version).IsConcurrencyToken();
        builder.HasIndex(l => l.CreatedAt);
    }
}
