namespace Redirector.Admin.Components.Shared;

/// <summary>
/// The one gate for every href the admin renders from data (query strings, counters, the catalogue): a link may
/// only lead to an absolute http(s) URL or a path on this host. Anything else (javascript:, data:, vbscript:, in any
/// case, behind white space or control characters that browsers skip, or a "//host" / "/\host" path that browsers
/// read as another host) yields null, and the page shows the value as plain text instead.
/// </summary>
public static class SafeHref
{
    /// <summary>The href to render for <paramref name="candidate"/>, re-serialised when absolute; null when none is safe.</summary>
    public static string? Of(string? candidate)
    {
        if (string.IsNullOrEmpty(candidate) || candidate.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) ||
            candidate.Contains('\\', StringComparison.Ordinal))
            return null;
        if (candidate[0] == '/')
            return candidate.Length > 1 && candidate[1] == '/' ? null : candidate;
        return Uri.TryCreate(candidate, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri.AbsoluteUri
            : null;
    }
}
