namespace Redirector.Links;

/// <summary>A tracked short link: the catalogue's unit, stored by EF Core.</summary>
public sealed class Link
{
    public long Id { get; set; }
    public required string Slug { get; set; }

    /// <summary>
    /// The short domain the slug lives on: a registered host, or empty for the default domain (never null, since a
    /// unique index treats NULLs as distinct in SQLite and PostgreSQL). A slug is unique per domain.
    /// </summary>
    public string Domain { get; set; } = "";
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

    /// <summary>
    /// The visitor password's salted slow hash (ASP.NET Core Identity's PasswordHasher format: PBKDF2-HMAC-SHA512,
    /// 100,000 iterations, 128-bit salt), or null for a link without a password. The password itself is never stored.
    /// </summary>
    public string? PasswordHash { get; set; }

    /// <summary>Targeting rules, tried in order before the variants; null for none (stored as JSON).</summary>
    public List<LinkRule>? Rules { get; set; }

    /// <summary>A weighted A/B split of the visitors no rule took; null for none (stored as JSON).</summary>
    public List<LinkVariant>? Variants { get; set; }

    /// <summary>The card shown to link-preview agents instead of the redirect; null for none (stored as JSON).</summary>
    public LinkPreview? Preview { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>Incremented on every change; the API exposes it as the ETag for optimistic concurrency.</summary>
    public int Version { get; set; }

    public bool IsLiveAt(DateTime utcNow) => Enabled && (ExpiresAt is null || ExpiresAt > utcNow) && (ValidFrom is null || ValidFrom <= utcNow);
}
