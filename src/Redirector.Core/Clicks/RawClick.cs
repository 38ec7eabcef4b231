using System.Net;
using Redirector.Links;

namespace Redirector.Clicks;

/// <summary>What the request path hands to the <see cref="ClickQueue"/>: a click, a page view or a flush marker.</summary>
public abstract class QueuedEvent
{
    public DateTime Time { get; init; }
}

/// <summary>
/// A click as the request saw it, before enrichment: built on the redirect path, so it only copies
/// references. Parsing, capping and hashing happen in the pipeline.
/// </summary>
public sealed class RawClick : QueuedEvent
{
    /// <summary>The catalogue link clicked; null for an outbound click on a page of a registered site (/out).</summary>
    public long? LinkId { get; init; }

    public required string DestinationDomain { get; init; }
    public required UtmTags LinkUtm { get; init; }
    public string? Query { get; init; }
    public string? UserAgent { get; init; }
    public string? Referrer { get; init; }

    /// <summary>The page the click came from when the request says so (outbound tracking); else the referrer.</summary>
    public string? SourcePage { get; init; }

    /// <summary>The country header a trusted proxy set (<c>Analytics:CountryHeader</c>), as sent.</summary>
    public string? Country { get; init; }

    /// <summary>The Accept-Language header, as sent.</summary>
    public string? AcceptLanguage { get; init; }

    /// <summary>Only used in memory, for the visitor hash and the place lookup; never written anywhere.</summary>
    public IPAddress? ClientAddress { get; init; }

    /// <summary>For outbound clicks: the URL the visitor left for and the text of the link they clicked.</summary>
    public string? TargetUrl { get; init; }

    public string? LinkText { get; init; }

    /// <summary>Why the link refused the visit (<see cref="Refusals.KeyOf"/>); null for a click. A refused visit is counted apart, never as a click.</summary>
    public string? Refusal { get; init; }

    /// <summary>The side of the link's A/B split the visitor was sent to (its URL); null for a link without one.</summary>
    public string? Variant { get; init; }
}

/// <summary>A view of <see cref="Page"/> reported by the tracker script: the denominator of the page's exit rate, never a click.</summary>
public sealed class PageView : QueuedEvent
{
    public required string Page { get; init; }

    /// <summary>Views by bots are not counted.</summary>
    public string? UserAgent { get; init; }
}

/// <summary>A page view as counted: the UTC day (yyyyMMdd) and the cleaned page URL.</summary>
public readonly record struct PageViewed(string Day, string Page);

/// <summary>Asks the pipeline to finish everything queued before it, then completes <see cref="Done"/>.</summary>
internal sealed class FlushMarker : QueuedEvent
{
    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
