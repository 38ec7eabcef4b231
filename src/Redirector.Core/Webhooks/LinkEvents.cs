using System.Text.Json;
using System.Text.Json.Serialization;
using Redirector.Links;
using Redirector.Times;

namespace Redirector.Webhooks;

/// <summary>
/// A link as link events and link.clicked carry it: the API's fields, with <see cref="Domain"/> its short domain's host
/// and <see cref="ShortUrl"/> its short URL on that domain. Both come from <c>Redirector:BaseUrl</c> for the default
/// domain (without a request there is no other source): without it they are null for the default domain's links, and
/// <see cref="ShortUrl"/> is null for every link (its scheme and port are unknown).
/// </summary>
public sealed record LinkSnapshot(
    string Slug,
    string? Domain,
    string? ShortUrl,
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
    public static LinkSnapshot Of(Link link, ShortUrls urls) => new(link.Slug, urls.ConfiguredHostOf(link.Domain), urls.ConfiguredFor(link.Slug, link.Domain),
        link.Destination, link.Title, [.. link.Tags], link.Utm, link.RedirectType,
        link.Enabled, link.ExpiresAt is { } expires ? UtcTime.AsUtc(expires) : null, UtcTime.AsUtc(link.CreatedAt), UtcTime.AsUtc(link.UpdatedAt), link.Version);

    /// <summary>The destination's host, lowercase, for the "domains" filter (docs/webhooks.md: it names destinations).</summary>
    [JsonIgnore]
    public string DestinationDomain => Uri.TryCreate(Url, UriKind.Absolute, out var uri) ? uri.IdnHost : "";
}

/// <summary>
/// The "data" of link.created, link.updated and link.deleted: the link after the change (before it, for a delete).
/// A link.updated that renamed or moved the link also has "previousSlug" and "previousDomain" (<see cref="LinkEvents.Add"/>).
/// </summary>
public sealed record LinkEventData(LinkSnapshot Link);

/// <summary>
/// Writes link events into the catalogue's outbox (<see cref="WebhookOutboxEvent"/>). The link catalogue calls
/// <see cref="Add"/> on the context that saves the change, so the event commits with it.
/// </summary>
public static class LinkEvents
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Adds one event of <paramref name="type"/> (a <see cref="WebhookEventTypes"/> link type) for the link as it is now.
    /// <paramref name="before"/> is the link's domain key and slug before a change: the data then has
    /// <c>"previousSlug"</c> when the slug differs and <c>"previousDomain"</c> (the host, as <see cref="LinkSnapshot.Domain"/>
    /// gives it: null for the default domain without BaseUrl) when the domain differs, and neither when both are the same.
    /// </summary>
    public static void Add(Catalog.CatalogDb db, string type, Link link, DateTime at, ShortUrls urls, (string Domain, string Slug)? before = null)
    {
        var data = JsonSerializer.SerializeToNode(new LinkEventData(LinkSnapshot.Of(link, urls)), Json)!.AsObject();
        // A receiver keys the links it knows by (domain, slug): without the old key it cannot tell a renamed or moved
        // link from a new one. Each is written only when it changed: previousDomain may be null (the default domain
        // without BaseUrl), so its presence, not its value, says that the link moved.
        if (before is { } was && was.Slug != link.Slug)
            data["previousSlug"] = was.Slug;
        if (before is { } from && from.Domain != link.Domain)
            data["previousDomain"] = urls.ConfiguredHostOf(from.Domain);
        db.WebhookOutbox.Add(new WebhookOutboxEvent
        {
            EventId = "lnk_" + Guid.CreateVersion7().ToString("N"),
            Type = type,
            At = at,
            Data = data.ToJsonString(Json),
        });
    }
}
