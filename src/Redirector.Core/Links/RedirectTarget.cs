namespace Redirector.Links;

/// <summary>
/// Everything the redirect handler needs about one link, precomputed when the link is cached so that a
/// redirect without a query string is a dictionary lookup and a header write.
/// </summary>
public sealed class RedirectTarget
{
    public required long LinkId { get; init; }

    /// <summary>The <see cref="LinkCache"/> clock mark of the last hit; the sweeper evicts the oldest marks first.</summary>
    internal int LastUsed;

    public required string Slug { get; init; }
    public required int StatusCode { get; init; }
    public required string Domain { get; init; }
    public DateTime? ExpiresAt { get; init; }
    public DateTime? ValidFrom { get; init; }

    /// <summary>False for a disabled link, cached only because it has an <see cref="ExpiredLocation"/>.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>This node's share of the link's <c>maxClicks</c>; null without a maximum.</summary>
    public ClickAllowance? Allowance { get; init; }

    /// <summary>The link's <c>expiredUrl</c>: where a refused visit goes instead of the 404 page; null for the 404 page.</summary>
    public string? ExpiredLocation { get; init; }

    /// <summary>The visitor password's hash (<see cref="LinkPasswords"/>); null when the link has none.</summary>
    public string? PasswordHash { get; init; }

    /// <summary>The link's targeting rules, compiled; null for none. Each rule's target is a destination-only target.</summary>
    public TargetRule[]? Rules { get; init; }

    /// <summary>The link's A/B split with cumulative weights; null for none.</summary>
    public TargetVariant[]? Variants { get; init; }

    /// <summary>For a variant's target: its key in the <c>variants</c> breakdown (its URL); null otherwise.</summary>
    public string? VariantKey { get; init; }

    /// <summary>The preview card's page (<see cref="PreviewCard"/>) for link-preview agents; null without a card.</summary>
    public byte[]? PreviewPage { get; init; }

    /// <summary>Whether the destination depends on the visitor (rules or variants).</summary>
    public bool IsTargeted => Rules is not null || Variants is not null;

    /// <summary>The Location for a request without a query string.</summary>
    public required string Location { get; init; }

    /// <summary>
    /// <see cref="Location"/> taken apart, for a request with a query string of its own to merge; parsed on the first
    /// such request and then kept, so that a link only ever asked for without a query holds no more than its Location.
    /// </summary>
    public RedirectLocation.Parts LocationParts => _locationParts ??= RedirectLocation.PartsOf(Location);

    // Two first requests may both parse it: equal results, either one kept.
    private RedirectLocation.Parts? _locationParts;

    /// <summary>The UTM values a click carries unless its request overrides them.</summary>
    public required UtmTags Utm { get; init; }

    /// <summary>Why the link may not redirect at <paramref name="utcNow"/> whoever asks, or <see cref="Refusal.None"/>.</summary>
    public Refusal RefusalAt(DateTime utcNow) =>
        !Enabled ? Refusal.Disabled
        : ExpiresAt is { } expiry && expiry <= utcNow ? Refusal.Expired
        : ValidFrom is { } from && from > utcNow ? Refusal.NotYetValid
        : Allowance is { IsExhausted: true } ? Refusal.MaxClicks
        : Refusal.None;

    public static RedirectTarget For(Link link, ClickAllowance? allowance = null)
    {
        TargetRule[]? rules = link.Rules is { Count: > 0 } linkRules
            ? [.. linkRules.Select(rule => new TargetRule(rule.When, Create(link, rule.Url!, variantKey: null)))]
            : null;
        TargetVariant[]? variants = null;
        if (link.Variants is { Count: > 0 } linkVariants)
        {
            var cumulative = 0L;
            variants = [.. linkVariants.Select(v => new TargetVariant(cumulative += v.Weight, Create(link, v.Url!, variantKey: v.Url)))];
        }
        return Create(link, link.Destination, variantKey: null, allowance, rules, variants, withAccessRules: true);
    }

    /// <summary>A rule's or variant's destination: the link's redirect type and UTM tags over another URL, without any rule of its own.</summary>
    private static RedirectTarget Create(Link link, string destination, string? variantKey) =>
        Create(link, destination, variantKey, allowance: null, rules: null, variants: null, withAccessRules: false);

    /// <param name="withAccessRules">The link's own target carries its validity, password and allowance; a rule's or variant's is only checked through it.</param>
    private static RedirectTarget Create(Link link, string destination, string? variantKey, ClickAllowance? allowance, TargetRule[]? rules,
        TargetVariant[]? variants, bool withAccessRules)
    {
        var location = RedirectLocation.Prepare(destination, link.Utm);
        return new RedirectTarget
        {
            LinkId = link.Id,
            Slug = link.Slug,
            StatusCode = link.RedirectType,
            Domain = SharedValues.Of(DestinationUrl.DomainOf(destination)),
            VariantKey = variantKey,
            ExpiresAt = withAccessRules ? link.ExpiresAt : null,
            ValidFrom = withAccessRules ? link.ValidFrom : null,
            Enabled = !withAccessRules || link.Enabled,
            Allowance = allowance,
            ExpiredLocation = withAccessRules ? link.ExpiredUrl : null,
            PasswordHash = withAccessRules ? link.PasswordHash : null,
            PreviewPage = withAccessRules && link.Preview is { } preview ? PreviewCard.Render(preview) : null,
            Rules = rules,
            Variants = variants,
            Location = location.Location,
            Utm = SharedValues.Of(location.Utm),
        };
    }
}

/// <summary>Why a cached link answered a visit without redirecting to its destination; such visits are counted apart, never as clicks.</summary>
public enum Refusal
{
    None,
    Disabled,
    Expired,
    NotYetValid,
    MaxClicks,
}

/// <summary>The names refused visits are counted by (the <c>refused</c> breakdown of the stats).</summary>
public static class Refusals
{
    public static string KeyOf(Refusal refusal) => refusal switch
    {
        Refusal.Disabled => "disabled",
        Refusal.Expired => "expired",
        Refusal.NotYetValid => "notYetValid",
        _ => "maxClicks",
    };
}

/// <summary>One query parameter, kept in its encoded form.</summary>
public readonly record struct QueryPair(string Name, string EncodedName, string EncodedValue, bool HasValue);
