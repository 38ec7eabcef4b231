using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Redirector.Links;

namespace Redirector.Clicks;

/// <summary>
/// Decides whether an answered redirect is a click and hands it to the pipeline without waiting. HEAD
/// requests and browser prefetches are not clicks: the endpoints answer a prefetch apart (<see cref="IsPrefetch"/>)
/// and never track it, and the tracker drops a HEAD. Bots are recognised later, in the pipeline, and counted apart.
/// </summary>
public sealed class ClickTracker(ClickQueue queue, TimeProvider time, IOptions<AnalyticsOptions> options)
{
    private readonly string? _countryHeader = string.IsNullOrWhiteSpace(options.Value.CountryHeader) ? null : options.Value.CountryHeader;

    /// <param name="referrer">The referrer the visitor came with when the request's own is not it (a password form's post); else the Referer header.</param>
    /// <param name="target">The link, or the rule's or variant's target chosen for this visitor (its domain and variant are counted).</param>
    public void Track(HttpContext context, RedirectTarget target, string? referrer = null) =>
        Track(context, target.LinkId, target.Domain, target.Utm, sourcePage: null, targetUrl: null, linkText: null, referrer, target.VariantKey);

    /// <param name="linkId">The catalogue link clicked; null for an outbound click (/out) that is no catalogue link.</param>
    public void Track(HttpContext context, long? linkId, string destinationDomain, UtmTags utm, string? sourcePage, string? targetUrl, string? linkText,
        string? referrer = null, string? variant = null)
    {
        var request = context.Request;
        // A POST is a password form answered with the redirect: a click like a GET.
        if (!(HttpMethods.IsGet(request.Method) || HttpMethods.IsPost(request.Method)))
            return;
        var headers = request.Headers;
        queue.Enqueue(new RawClick
        {
            Time = time.GetUtcNow().UtcDateTime,
            LinkId = linkId,
            DestinationDomain = destinationDomain,
            LinkUtm = utm,
            Query = request.QueryString.Value,
            UserAgent = headers.UserAgent.ToString(),
            Referrer = referrer ?? headers.Referer.ToString(),
            SourcePage = sourcePage,
            Country = _countryHeader is null ? null : headers[_countryHeader].ToString(),
            AcceptLanguage = headers.AcceptLanguage.ToString(),
            ClientAddress = context.Connection.RemoteIpAddress,
            TargetUrl = targetUrl,
            LinkText = linkText,
            Variant = variant,
        });
    }

    /// <summary>A person's or bot's GET of a link that may not redirect now: counted apart by <paramref name="refusal"/>, never as a click.</summary>
    public void TrackRefused(HttpContext context, RedirectTarget target, Refusal refusal)
    {
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method))
            return;
        queue.Enqueue(new RawClick
        {
            Time = time.GetUtcNow().UtcDateTime,
            LinkId = target.LinkId,
            DestinationDomain = target.Domain,
            LinkUtm = target.Utm,
            UserAgent = request.Headers.UserAgent.ToString(),
            Refusal = Refusals.KeyOf(refusal),
        });
    }

    /// <summary>The User-Agent as the pipeline parses it (capped), so a parse on the redirect path hits the same cache entry.</summary>
    public static string? CappedUserAgent(IHeaderDictionary headers) => ClickEnricher.Cap(headers.UserAgent.ToString(), ClickEnricher.MaxUserAgentLength);

    /// <summary>A view of <paramref name="page"/> reported by the tracker script; bots are dropped by the pipeline.</summary>
    public void TrackPageView(HttpContext context, string page) =>
        queue.Enqueue(new PageView
        {
            Time = time.GetUtcNow().UtcDateTime,
            Page = page,
            UserAgent = context.Request.Headers.UserAgent.ToString(),
        });

    /// <summary>
    /// Chrome and Edge send Sec-Purpose, older browsers Purpose or X-Moz, for speculative loads nobody clicked. The
    /// redirect handler answers these 503 so the browser cannot reuse them for the navigation (see RefusePrefetch).
    /// </summary>
    public static bool IsPrefetch(IHeaderDictionary headers) =>
        headers["Sec-Purpose"].ToString().Contains("prefetch", StringComparison.OrdinalIgnoreCase) ||
        headers["Purpose"].ToString().Contains("prefetch", StringComparison.OrdinalIgnoreCase) ||
        headers["X-Moz"].ToString().Contains("prefetch", StringComparison.OrdinalIgnoreCase) ||
        headers["X-Purpose"].ToString().Contains("preview", StringComparison.OrdinalIgnoreCase);
}
