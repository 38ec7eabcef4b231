namespace Redirector.Links;

/// <summary>
/// Everything the redirect handler needs about one link, precomputed when the link is cached so that a
/// redirect without a query string is a dictionary lookup and a header write.
/// </summary>
public sealed class RedirectTarget
{
    public required long LinkId { get; init; }
    public required string Slug { get; init; }
    public required int StatusCode { get; init; }
    public required string Domain { get; init; }
    public DateTime? ExpiresAt { get; init; }

    /// <summary>The Location for a request without a query string.</summary>
    public required string Location { get; init; }

    /// <summary>The destination up to (not including) its query string and fragment.</summary>
    public required string PathPart { get; init; }

    /// <summary>The destination's query pairs (already encoded) followed by the link's UTM pairs it lacked.</summary>
    public required IReadOnlyList<QueryPair> Query { get; init; }

    /// <summary>The fragment including '#', or empty.</summary>
    public required string Fragment { get; init; }

    /// <summary>The UTM values a click carries unless its request overrides them.</summary>
    public required UtmTags Utm { get; init; }

    public bool IsExpiredAt(DateTime utcNow) => ExpiresAt is { } expiry && expiry <= utcNow;

    public static RedirectTarget For(Link link)
    {
        var location = RedirectLocation.Prepare(link.Destination, link.Utm);
        return new RedirectTarget
        {
            LinkId = link.Id,
            Slug = link.Slug,
            StatusCode = link.RedirectType,
            Domain = DestinationUrl.DomainOf(link.Destination),
            ExpiresAt = link.ExpiresAt,
            Location = location.Location,
            PathPart = location.PathPart,
            Query = location.Query,
            Fragment = location.Fragment,
            Utm = location.Utm,
        };
    }
}

/// <summary>One query parameter, kept in its encoded form.</summary>
public readonly record struct QueryPair(string Name, string EncodedName, string EncodedValue, bool HasValue);
