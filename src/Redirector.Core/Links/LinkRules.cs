namespace Redirector.Links;

/// <summary>Validation shared by the API, the admin area and CSV import, keyed by the JSON field names.</summary>
public static class LinkRules
{
    public const int MaxTitleLength = 200;
    public const int MaxTags = 20;
    public const int MaxTagLength = 50;
    public static readonly IReadOnlyList<int> RedirectTypes = [301, 302, 307, 308];

    public static void ValidateTitle(string? title, Dictionary<string, string[]> errors)
    {
        if (title is { Length: > MaxTitleLength })
            errors["title"] = [$"The title is longer than {MaxTitleLength} characters."];
    }

    public static List<string> NormalizeTags(IEnumerable<string>? tags, Dictionary<string, string[]> errors)
    {
        var result = new List<string>();
        foreach (var raw in tags ?? [])
        {
            var tag = raw?.Trim();
            if (string.IsNullOrEmpty(tag))
                continue;
            if (tag.Length > MaxTagLength || tag.Contains(',', StringComparison.Ordinal) || tag.Any(char.IsControl))
            {
                errors["tags"] = [$"Tags are at most {MaxTagLength} characters, without commas or control characters."];
                continue;
            }
            if (!result.Contains(tag, StringComparer.OrdinalIgnoreCase))
                result.Add(tag);
        }
        if (result.Count > MaxTags)
            errors["tags"] = [$"At most {MaxTags} tags."];
        return result;
    }

    public static UtmTags NormalizeUtm(UtmTags? utm, Dictionary<string, string[]> errors)
    {
        var clean = (utm ?? new UtmTags()).Normalized();
        string[] names = ["source", "medium", "campaign", "term", "content"];
        for (var i = 0; i < names.Length; i++)
        {
            if (clean[i] is { } value && (value.Length > UtmTags.MaxValueLength || value.Any(char.IsControl)))
                errors["utm." + names[i]] = [$"At most {UtmTags.MaxValueLength} characters, without control characters."];
        }
        return clean;
    }

    public static void ValidateRedirectType(int redirectType, Dictionary<string, string[]> errors)
    {
        if (!RedirectTypes.Contains(redirectType))
            errors["redirectType"] = ["The redirect type must be 301, 302, 307 or 308."];
    }

    public static DateTime? NormalizeExpiry(DateTimeOffset? expiresAt) => expiresAt?.UtcDateTime;

    /// <summary>The access rules of a link (validFrom, expiresAt, maxClicks, expiredUrl), checked together since they bound each other.</summary>
    public static void ValidateAccess(Link link, Dictionary<string, string[]> errors)
    {
        if (link.ValidFrom is { } from && link.ExpiresAt is { } until && from >= until)
            errors["validFrom"] = ["The link must become valid before it expires."];
        if (link.MaxClicks is < 1)
            errors["maxClicks"] = ["The maximum of clicks is a whole number of at least 1, or null for no maximum."];
    }

    /// <summary>An empty expired URL means none (the domain's or the 404 page); any other must be a valid destination.</summary>
    public static string? NormalizeExpiredUrl(string? expiredUrl, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(expiredUrl))
            return null;
        if (DestinationUrl.TryNormalize(expiredUrl, out var normalized, out var error))
            return normalized;
        errors["expiredUrl"] = [error];
        return null;
    }
}
