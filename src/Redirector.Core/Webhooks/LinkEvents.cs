using System.Text.Json;
using Redirector.Links;
using Redirector.Times;

namespace Redirector.Webhooks;

/// <summary>A link as link events carry it: the API's fields, without the short URL (which depends on the request's host).</summary>
public sealed record LinkSnapshot(
    string Slug,
    string Url,
    string? Title,
    IReadOnlyList<string> Tags,
    UtmTags Utm,
    int RedirectType,
    bool Enabled,
    DateTime? ExpiresAt,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    int Version)
{
    public static LinkSnapshot Of(Link link) => new(link.Slug, link.Destination, link.Title, [.. link.Tags], link.Utm, link.RedirectType,
        link.Enabled, link.ExpiresAt is { } expires ? UtcTime.AsUtc(expires) : null, UtcTime.AsUtc(link.CreatedAt), UtcTime.AsUtc(link.UpdatedAt), link.Version);

    /// <summary>The destination's host, lowercase, for the "domains" filter.</summary>
    public string Domain => Uri.TryCreate(Url, UriKind.Absolute, out var uri) ? uri.IdnHost : "";
}

/// <summary>The "data" of link.created, link.updated and link.deleted: the link after the change (before it, for a delete).</summary>
public sealed record LinkEventData(LinkSnapshot Link);

/// <summary>
/// Writes link events into the catalogue's outbox (<see cref="WebhookOutboxEvent"/>). The link catalogue calls
/// <see cref="Add"/> on the context that saves the change, so the event commits with it.
/// </summary>
public static class LinkEvents
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Adds one event of <paramref name="type"/> (a <see cref="WebhookEventTypes"/> link type) for the link as it is now.</summary>
    public static void Add(Catalog.CatalogDb db, string type, Link link, DateTime at) =>
        db.WebhookOutbox.Add(new WebhookOutboxEvent
        {
            EventId = "lnk_" + Guid.CreateVersion7().ToString("N"),
            Type = type,
            At = at,
            Data = JsonSerializer.Serialize(new LinkEventData(LinkSnapshot.Of(link)), Json),
        });
}
