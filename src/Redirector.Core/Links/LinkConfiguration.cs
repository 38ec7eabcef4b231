using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Redirector.Links;

internal sealed class LinkConfiguration : IEntityTypeConfiguration<Link>
{
    public void Configure(EntityTypeBuilder<Link> builder)
    {
        builder.Property(l => l.Slug).HasMaxLength(Slugs.MaxLength);
        builder.Property(l => l.Domain).HasMaxLength(Domains.DomainRules.MaxHostLength);
        builder.HasIndex(l => new { l.Domain, l.Slug }).IsUnique();
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
        builder.Property(l => l.Rules).HasConversion(Json<List<LinkRule>>.Converter, Json<List<LinkRule>>.Comparer);
        builder.Property(l => l.Variants).HasConversion(Json<List<LinkVariant>>.Converter, Json<List<LinkVariant>>.Comparer);
        builder.Property(l => l.Preview).HasConversion(Json<LinkPreview>.Converter, Json<LinkPreview>.Comparer);
        builder.Property(l => l.Version).IsConcurrencyToken();
        builder.HasIndex(l => l.CreatedAt);
    }
}

/// <summary>
/// Rules and variants are read and written whole, never queried inside, so a JSON text column serves every provider
/// alike; values are compared by their JSON, which is what is stored.
/// </summary>
internal static class Json<T> where T : class
{
    public static readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<T?, string?> Converter = new(
        value => value == null ? null : JsonSerializer.Serialize(value, JsonSerializerOptions.Web),
        text => text == null ? null : JsonSerializer.Deserialize<T>(text, JsonSerializerOptions.Web));

    public static readonly ValueComparer<T?> Comparer = new(
        (a, b) => JsonSerializer.Serialize(a, JsonSerializerOptions.Web) == JsonSerializer.Serialize(b, JsonSerializerOptions.Web),
        value => value == null ? 0 : JsonSerializer.Serialize(value, JsonSerializerOptions.Web).GetHashCode(StringComparison.Ordinal),
        value => value == null ? null : JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(value, JsonSerializerOptions.Web), JsonSerializerOptions.Web));
}
