using System.Text;
using System.Text.Encodings.Web;
using AngleSharp.Html.Parser;
using Redirector.Links;
using Redirector.Sites;

namespace Redirector.Tracking;

/// <summary>
/// Replaces the outbound links of an HTML document by signed /out URLs. AngleSharp finds the links the way a
/// browser would; the document itself is edited as text, only inside the href values that change, so everything
/// else (formatting, comments, entities, other attributes) stays byte for byte as it was.
/// </summary>
public sealed class OutboundRewriter(OutboundSigner signer)
{
    private static readonly HtmlParserOptions Options = new() { IsKeepingSourceReferences = true };

    /// <param name="outEndpoint">The absolute URL of /out on this service's public base.</param>
    public string Rewrite(string html, SiteEntry site, string? sourcePage, string outEndpoint)
    {
        var document = new HtmlParser(Options).ParseDocument(html);
        var pageUri = sourcePage is not null && Uri.TryCreate(sourcePage, UriKind.Absolute, out var parsed) ? parsed : null;
        var ownAuthority = Uri.TryCreate(outEndpoint, UriKind.Absolute, out var endpoint) ? endpoint.Authority : null;
        var edits = new List<(int Start, int Length, string Value)>();
        foreach (var anchor in document.QuerySelectorAll("a[href]"))
        {
            if (anchor.HasAttribute("data-redirector-ignore") || anchor.SourceReference is not { } source)
                continue;
            if (OutboundTarget(anchor.GetAttribute("href")!, pageUri, site, ownAuthority) is not { } target)
                continue;
            if (HrefValueSpan(html, source.Position.Index) is not { } span)
                continue;
            var text = ClickText(anchor.TextContent);
            var url = outEndpoint + OutboundUrls.Query(site.Key, target, sourcePage, text, ("sig", signer.Sign(site.Key, target, sourcePage)));
            edits.Add((span.Start, span.Length, "\"" + HtmlEncoder.Default.Encode(url) + "\""));
        }
        if (edits.Count == 0)
            return html;
        var result = new StringBuilder(html.Length + edits.Count * 256);
        var at = 0;
        foreach (var (start, length, value) in edits.OrderBy(e => e.Start))
        {
            result.Append(html, at, start - at).Append(value);
            at = start + length;
        }
        return result.Append(html, at, html.Length - at).ToString();
    }

    /// <summary>The same rules as the tracker script: an http(s) URL to a host that is not the site's, nor this service's.</summary>
    private static string? OutboundTarget(string href, Uri? page, SiteEntry site, string? ownAuthority)
    {
        var trimmed = href.Trim();
        if (!trimmed.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !trimmed.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            // Relative and scheme-relative links resolve against the page; without a page they are the site's own.
            if (page is null || !Uri.TryCreate(page, trimmed, out var resolved))
                return null;
            trimmed = resolved.AbsoluteUri;
        }
        if (!DestinationUrl.TryNormalize(trimmed, out var target, out _) || site.OwnsUrl(target) ||
            (Uri.TryCreate(target, UriKind.Absolute, out var uri) && uri.Authority == ownAuthority))
            return null;
        return target;
    }

    private static string? ClickText(string text)
    {
        var collapsed = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return Clicks.ClickEnricher.Cap(collapsed, Clicks.ClickEnricher.MaxLinkTextLength);
    }

    /// <summary>
    /// The span of the href attribute's value (with its quotes) in the start tag at <paramref name="tagStart"/>,
    /// found by reading the tag's attributes as the HTML tokenizer does.
    /// </summary>
    internal static (int Start, int Length)? HrefValueSpan(string html, int tagStart)
    {
        // One before: AngleSharp's position may point at the "<" or just after it.
        var i = html.IndexOf('<', Math.Max(0, tagStart - 1));
        if (i < 0)
            return null;
        i++;
        while (i < html.Length && !IsSpace(html[i]) && html[i] is not ('>' or '/'))
            i++;
        while (i < html.Length)
        {
            while (i < html.Length && (IsSpace(html[i]) || html[i] == '/'))
                i++;
            if (i >= html.Length || html[i] == '>')
                return null;
            var nameStart = i;
            i++;
            while (i < html.Length && !IsSpace(html[i]) && html[i] is not ('>' or '/' or '='))
                i++;
            var isHref = html.AsSpan(nameStart, i - nameStart).Equals("href", StringComparison.OrdinalIgnoreCase);
            while (i < html.Length && IsSpace(html[i]))
                i++;
            if (i >= html.Length || html[i] != '=')
                continue;
            i++;
            while (i < html.Length && IsSpace(html[i]))
                i++;
            var valueStart = i;
            if (i < html.Length && html[i] is '"' or '\'')
            {
                var close = html.IndexOf(html[i], i + 1);
                if (close < 0)
                    return null;
                i = close + 1;
            }
            else
            {
                while (i < html.Length && !IsSpace(html[i]) && html[i] != '>')
                    i++;
            }
            // The first href wins, as in the browser.
            if (isHref)
                return (valueStart, i - valueStart);
        }
        return null;
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\r' or '\f';
}
