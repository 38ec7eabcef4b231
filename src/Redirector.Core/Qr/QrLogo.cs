using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Redirector.Links;

namespace Redirector.Qr;

/// <summary>
/// The logo drawn in the centre of a link's QR codes: a PNG or an SVG the marketer uploaded, checked by
/// <see cref="QrLogoFile"/> before it is stored. At most one per link; deleted with the link.
/// </summary>
public sealed class QrLogo
{
    /// <summary>The link's id (<see cref="Link.Id"/>), which is also this row's key.</summary>
    public long LinkId { get; set; }

    /// <summary><c>image/png</c> or <c>image/svg+xml</c>.</summary>
    public required string ContentType { get; set; }

    /// <summary>The file as uploaded, at most <see cref="QrLogoFile.MaxBytes"/> bytes.</summary>
    public required byte[] Content { get; set; }

    public DateTime UpdatedAt { get; set; }
}

internal sealed class QrLogoConfiguration : IEntityTypeConfiguration<QrLogo>
{
    public void Configure(EntityTypeBuilder<QrLogo> builder)
    {
        builder.ToTable("QrLogos");
        builder.HasKey(l => l.LinkId);
        builder.Property(l => l.LinkId).ValueGeneratedNever();
        builder.Property(l => l.ContentType).HasMaxLength(32);
        // Keyed by the link's id, not its slug, so a renamed slug or a link on another short domain keeps its logo.
        builder.HasOne<Link>().WithOne().HasForeignKey<QrLogo>(l => l.LinkId).OnDelete(DeleteBehavior.Cascade);
    }
}
