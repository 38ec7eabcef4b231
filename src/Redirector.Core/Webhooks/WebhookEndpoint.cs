using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Redirector.Webhooks;

/// <summary>
/// A receiver of webhook events, kept in the catalogue so every node delivers to the same endpoints. Its signing
/// secret is stored encrypted with the Data Protection key ring (<see cref="WebhookCatalog"/>) and shown once.
/// </summary>
public sealed class WebhookEndpoint
{
    public long Id { get; set; }

    /// <summary>An absolute http(s) URL (<see cref="WebhookRules.TryNormalizeUrl"/>).</summary>
    public required string Url { get; set; }

    /// <summary>The event types sent (<see cref="WebhookEventTypes.All"/>).</summary>
    public List<string> Events { get; set; } = [];

    /// <summary>Only events of links carrying one of these tags; empty: any.</summary>
    public List<string> FilterTags { get; set; } = [];

    /// <summary>Only events of links whose destination is on one of these domains; empty: any.</summary>
    public List<string> FilterDomains { get; set; } = [];

    /// <summary>Only events of these links (slugs); empty: any.</summary>
    public List<string> FilterLinks { get; set; } = [];

    /// <summary>Events per request: 1 sends one event per request, more sends a JSON array of up to this many.</summary>
    public int BatchSize { get; set; } = 1;

    /// <summary>The "whsec_..." secret, protected with Data Protection (base64 of the protected bytes).</summary>
    public required string ProtectedSecret { get; set; }

    public bool Enabled { get; set; } = true;

    /// <summary>Why delivery stopped when the service disabled it (failing for <see cref="WebhookOptions.DisableAfter"/>); null when a person did.</summary>
    public string? DisabledReason { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    public bool HasLinkFilter => FilterTags.Count > 0 || FilterDomains.Count > 0 || FilterLinks.Count > 0;
}

internal sealed class WebhookEndpointConfiguration : IEntityTypeConfiguration<WebhookEndpoint>
{
    public void Configure(EntityTypeBuilder<WebhookEndpoint> builder)
    {
        builder.Property(e => e.Url).HasMaxLength(WebhookRules.MaxUrlLength);
        builder.PrimitiveCollection(e => e.Events);
        builder.PrimitiveCollection(e => e.FilterTags);
        builder.PrimitiveCollection(e => e.FilterDomains);
        builder.PrimitiveCollection(e => e.FilterLinks);
        builder.Property(e => e.ProtectedSecret).HasMaxLength(1024);
        builder.Property(e => e.DisabledReason).HasMaxLength(1024);
    }
}

/// <summary>
/// The catalogue's outbox of link events: a row is written in the same transaction as the link change it reports
/// (<see cref="LinkEvents"/>), so a change is never committed without its event nor an event sent for a change
/// rolled back. A node claims rows (<see cref="ClaimedBy"/>), copies them into its delivery queue and deletes them.
/// </summary>
public sealed class WebhookOutboxEvent
{
    public long Id { get; set; }

    /// <summary>The event id sent as webhook-id: made when the change is written, so retries carry the same one.</summary>
    public required string EventId { get; set; }

    public required string Type { get; set; }
    public DateTime At { get; set; }

    /// <summary>The event's "data" object as JSON (<see cref="LinkEventData"/>).</summary>
    public required string Data { get; set; }

    /// <summary>The node that is moving the row into its queue; null until one claims it.</summary>
    public string? ClaimedBy { get; set; }
}

internal sealed class WebhookOutboxEventConfiguration : IEntityTypeConfiguration<WebhookOutboxEvent>
{
    public void Configure(EntityTypeBuilder<WebhookOutboxEvent> builder)
    {
        builder.ToTable("WebhookOutbox");
        builder.Property(e => e.EventId).HasMaxLength(64);
        builder.Property(e => e.Type).HasMaxLength(32);
        builder.Property(e => e.ClaimedBy).HasMaxLength(64);
        builder.HasIndex(e => e.ClaimedBy);
    }
}
