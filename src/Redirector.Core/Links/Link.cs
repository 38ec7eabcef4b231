namespace Redirector.Links;

/// <summary>A tracked short link: the catalogue's unit, stored by EF Core.</summary>
public sealed class Link
{
    public long Id { get; set; }
    public required string Slug { get; set; }
    public required string Destination { get; set; }
    public string? Title { get; set; }
    public List<string> Tags { get; set; } = [];
    public UtmTags Utm { get; set; } = new();
    public int RedirectType { get; set; } = 302;
    public bool Enabled { get; set; } = true;
    public DateTime? ExpiresAt { get; set; }

    /// <summary>Before this moment (UTC) the link does not redirect yet; visitors get the expired answer.</summary>
    public DateTime? ValidFrom { get; set; }

    /// <summary>After this many counted clicks the link stops redirecting (see docs/links.md for the bound across nodes).</summary>
    public long? MaxClicks { get; set; }

    /// <summary>Where a link that is disabled, expired, not yet valid or used up sends visitors instead of the 404 page.</summary>
    public string? ExpiredUrl { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>Incremented on every change; the API exposes it as the ETag for optimistic concurrency.</summary>
    public int Version { get; set; }

    public bool IsLiveAt(DateTime utcNow) => Enabled && (ExpiresAt is null || ExpiresAt > utcNow) && (ValidFrom is null || ValidFrom <= utcNow);
}
