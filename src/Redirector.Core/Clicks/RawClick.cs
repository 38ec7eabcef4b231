using System.Net;
using Redirector.Links;

namespace Redirector.Clicks;

/// <summary>
/// A click as the request saw it, before enrichment: built on the redirect path, so it only copies
/// references. Parsing, capping and hashing happen in the pipeline.
/// </summary>
public sealed class RawClick
{
    public DateTime Time { get; init; }
    public long LinkId { get; init; }
    public required string DestinationDomain { get; init; }
    public required UtmTags LinkUtm { get; init; }
    public string? Query { get; init; }
    public string? UserAgent { get; init; }
    public string? Referrer { get; init; }

    /// <summary>The page the click came from when the request says so (outbound tracking); else the referrer.</summary>
    public string? SourcePage { get; init; }

    public string? Country { get; init; }

    /// <summary>Only used to compute the visitor hash in memory; never written anywhere.</summary>
    public IPAddress? ClientAddress { get; init; }

    /// <summary>For outbound clicks: the URL the visitor left for and the text of the link they clicked.</summary>
    public string? TargetUrl { get; init; }

    public string? LinkText { get; init; }

    /// <summary>A page view reported by the tracker script for <see cref="SourcePage"/>: counted as a view, never as a click.</summary>
    public bool IsPageView { get; init; }

    /// <summary>Set on the marker that asks the pipeline to flush everything queued before it.</summary>
    internal TaskCompletionSource? FlushSignal { get; init; }
}
