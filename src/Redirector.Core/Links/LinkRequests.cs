using System.Text.Json.Serialization;

namespace Redirector.Links;

/// <summary>What a client sends to create a link.</summary>
public sealed record CreateLinkRequest
{
    public string? Url { get; init; }
    public string? Slug { get; init; }

    /// <summary>The short domain's host; empty or absent for the default domain. It must be registered.</summary>
    public string? Domain { get; init; }
    public string? Title { get; init; }
    public List<string>? Tags { get; init; }
    public UtmTags? Utm { get; init; }
    public int? RedirectType { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public bool? Enabled { get; init; }
    public DateTimeOffset? ValidFrom { get; init; }
    public long? MaxClicks { get; init; }
    public string? ExpiredUrl { get; init; }

    /// <summary>The visitors' password (write-only: never answered, stored as a salted slow hash); empty for none.</summary>
    [WriteOnly]
    public string? Password { get; init; }

    /// <summary>An already hashed password (a CSV export's <c>password_hash</c>), used when <see cref="Password"/> is absent; write-only too.</summary>
    [WriteOnly]
    public string? PasswordHash { get; init; }

    public List<LinkRule>? Rules { get; init; }
    public List<LinkVariant>? Variants { get; init; }
    public LinkPreview? Preview { get; init; }
}

/// <summary>
/// A partial update: only the properties present in the JSON body change. The setters record presence so
/// that <c>"expiresAt": null</c> (clear the expiry) differs from leaving the property out.
/// </summary>
public sealed class UpdateLinkRequest
{
    public string? Url { get => _url; set { _url = value; HasUrl = true; } }

    /// <summary>
    /// Renames the link (Slugs rules; unique on its domain, after any <see cref="Domain"/> move), counts, events and
    /// QR codes' link id kept; the old short URL stops answering. The slug the link has now moves nothing.
    /// </summary>
    public string? Slug { get => _slug; set { _slug = value; HasSlug = true; } }

    /// <summary>
    /// Moves the link to this short domain (a registered host; empty or null for the default domain), slug, counts
    /// and QR codes' link id kept. The host the link is on now (as a GET shows it) moves nothing.
    /// </summary>
    public string? Domain { get => _domain; set { _domain = value; HasDomain = true; } }
    public string? Title { get => _title; set { _title = value; HasTitle = true; } }
    public List<string>? Tags { get => _tags; set { _tags = value; HasTags = true; } }
    public UtmTags? Utm { get => _utm; set { _utm = value; HasUtm = true; } }
    public int? RedirectType { get => _redirectType; set { _redirectType = value; HasRedirectType = true; } }
    public bool? Enabled { get => _enabled; set { _enabled = value; HasEnabled = true; } }
    public DateTimeOffset? ExpiresAt { get => _expiresAt; set { _expiresAt = value; HasExpiresAt = true; } }
    public DateTimeOffset? ValidFrom { get => _validFrom; set { _validFrom = value; HasValidFrom = true; } }
    public long? MaxClicks { get => _maxClicks; set { _maxClicks = value; HasMaxClicks = true; } }
    public string? ExpiredUrl { get => _expiredUrl; set { _expiredUrl = value; HasExpiredUrl = true; } }

    /// <summary>A new visitor password (write-only: a read answers <c>hasPassword</c>); null or empty removes the password.</summary>
    [WriteOnly]
    public string? Password { get => _password; set { _password = value; HasPassword = true; } }

    /// <summary>
    /// An already hashed password, used when <see cref="Password"/> is absent; null or empty removes the password. Not
    /// part of the API's JSON: a links CSV's <c>password_hash</c>, which an import with update sets, as a create takes it.
    /// </summary>
    [JsonIgnore] public string? PasswordHash { get => _passwordHash; set { _passwordHash = value; HasPasswordHash = true; } }

    public List<LinkRule>? Rules { get => _rules; set { _rules = value; HasRules = true; } }
    public List<LinkVariant>? Variants { get => _variants; set { _variants = value; HasVariants = true; } }
    public LinkPreview? Preview { get => _preview; set { _preview = value; HasPreview = true; } }

    /// <summary>
    /// The version the change was made from (as a GET answers it): when it is not the stored one the change is refused
    /// (the API answers 412, as for a stale If-Match). Null or absent checks nothing.
    /// </summary>
    public int? Version { get; set; }

    [JsonIgnore] public bool HasUrl { get; private set; }
    [JsonIgnore] public bool HasSlug { get; private set; }
    [JsonIgnore] public bool HasDomain { get; private set; }
    [JsonIgnore] public bool HasTitle { get; private set; }
    [JsonIgnore] public bool HasTags { get; private set; }
    [JsonIgnore] public bool HasUtm { get; private set; }
    [JsonIgnore] public bool HasRedirectType { get; private set; }
    [JsonIgnore] public bool HasEnabled { get; private set; }
    [JsonIgnore] public bool HasExpiresAt { get; private set; }
    [JsonIgnore] public bool HasValidFrom { get; private set; }
    [JsonIgnore] public bool HasMaxClicks { get; private set; }
    [JsonIgnore] public bool HasExpiredUrl { get; private set; }
    [JsonIgnore] public bool HasPassword { get; private set; }
    [JsonIgnore] public bool HasPasswordHash { get; private set; }
    [JsonIgnore] public bool HasRules { get; private set; }
    [JsonIgnore] public bool HasVariants { get; private set; }
    [JsonIgnore] public bool HasPreview { get; private set; }

    /// <summary>Drops <see cref="Domain"/> from the change: the API calls it when the body names the domain the link is on (a GET sent back).</summary>
    public void KeepDomain() => HasDomain = false;

    private string? _url;
    private string? _slug;
    private string? _domain;
    private string? _title;
    private List<string>? _tags;
    private UtmTags? _utm;
    private int? _redirectType;
    private bool? _enabled;
    private DateTimeOffset? _expiresAt;
    private DateTimeOffset? _validFrom;
    private long? _maxClicks;
    private string? _expiredUrl;
    private string? _password;
    private string? _passwordHash;
    private List<LinkRule>? _rules;
    private List<LinkVariant>? _variants;
    private LinkPreview? _preview;
}
