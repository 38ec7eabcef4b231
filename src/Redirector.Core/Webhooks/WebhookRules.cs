using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using Redirector.Domains;

namespace Redirector.Webhooks;

/// <summary>What an endpoint may be: its URL, the addresses it may reach, its events and filters.</summary>
public static class WebhookRules
{
    public const int MaxUrlLength = 2048;
    public const int MaxFilterValues = 100;
    public const int MaxFilterValueLength = 256;

    /// <summary>
    /// An absolute http(s) URL without user info or fragment, re-serialised. A host written as an IP address must be
    /// public unless <paramref name="allowPrivate"/>; a host name is checked when it is resolved, at every connection
    /// (<see cref="WebhookConnector"/>), because what it resolves to can change.
    /// </summary>
    public static bool TryNormalizeUrl(string? text, bool allowPrivate, [NotNullWhen(true)] out string? url, [NotNullWhen(false)] out string? error)
    {
        url = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "The URL is required.";
            return false;
        }
        if (text.Length > MaxUrlLength)
        {
            error = $"The URL is longer than {MaxUrlLength} characters.";
            return false;
        }
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            error = "The URL must be an absolute http:// or https:// URL.";
            return false;
        }
        if (uri.UserInfo.Length > 0 || uri.Host.Length == 0)
        {
            error = "The URL must name a host and carry no user name or password.";
            return false;
        }
        if (IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var address) && !allowPrivate && !IsPublic(address))
        {
            error = "The URL points at a loopback, private or link-local address; such endpoints are refused unless Webhooks:AllowPrivateAddresses is true.";
            return false;
        }
        url = uri.GetComponents(UriComponents.AbsoluteUri & ~UriComponents.Fragment, UriFormat.UriEscaped);
        error = null;
        return true;
    }

    /// <summary>
    /// False for loopback, unspecified, private (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7), link-local
    /// (169.254/16, fe80::/10), multicast and broadcast addresses, IPv4-mapped ones included.
    /// </summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
            return false;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return !(b[0] == 0 || b[0] == 10 || b[0] >= 224
                     || (b[0] == 172 && (b[1] & 0xF0) == 16)
                     || (b[0] == 192 && b[1] == 168)
                     || (b[0] == 169 && b[1] == 254)
                     || (b[0] == 100 && (b[1] & 0xC0) == 64));
        }
        Span<byte> v6 = stackalloc byte[16];
        address.TryWriteBytes(v6, out _);
        return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || (v6[0] & 0xFE) == 0xFC);
    }

    /// <summary>The event types given, each known; errors under "events".</summary>
    public static List<string> NormalizeEvents(IReadOnlyList<string>? events, Dictionary<string, string[]> errors)
    {
        if (events is null || events.Count == 0)
        {
            errors["events"] = [$"Name at least one event type: {string.Join(", ", WebhookEventTypes.All)}."];
            return [];
        }
        var unknown = events.Where(e => !WebhookEventTypes.All.Contains(e)).ToList();
        if (unknown.Count > 0)
            errors["events"] = [$"Unknown event type(s) {string.Join(", ", unknown)}; known: {string.Join(", ", WebhookEventTypes.All)}."];
        return [.. events.Distinct(StringComparer.Ordinal).Where(WebhookEventTypes.All.Contains)];
    }

    /// <summary>A filter's values trimmed and distinct, without control characters; errors under <paramref name="field"/>.</summary>
    public static List<string> NormalizeFilter(string field, IReadOnlyList<string>? values, Dictionary<string, string[]> errors)
    {
        if (values is null)
            return [];
        var cleaned = values.Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v.Trim()).Distinct().ToList();
        // No tag, slug or host holds a control character, so a value with one could never match.
        if (cleaned.Count > MaxFilterValues || cleaned.Any(v => v.Length > MaxFilterValueLength || v.Any(char.IsControl)))
            errors[field] = [$"At most {MaxFilterValues} values of at most {MaxFilterValueLength} characters each, without control characters."];
        return cleaned;
    }

    /// <summary>
    /// The "domains" filter (destination hosts): each value a DNS name as <see cref="DomainRules.TryNormalizeHost"/>
    /// keeps short domains (lowercase, punycode, which is how a destination's host is compared), so that a value that
    /// can never match is refused rather than saved. A URL given in its place is named with its host as the hint.
    /// Errors under "linkFilter.domains".
    /// </summary>
    public static List<string> NormalizeDomainFilter(IReadOnlyList<string>? values, Dictionary<string, string[]> errors)
    {
        const string field = "linkFilter.domains";
        var cleaned = NormalizeFilter(field, values, errors);
        if (errors.ContainsKey(field))
            return cleaned;
        var hosts = new List<string>(cleaned.Count);
        var problems = new List<string>();
        foreach (var value in cleaned)
        {
            if (DomainRules.TryNormalizeHost(value, out var host, out var error))
                hosts.Add(host);
            else if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Host.Length > 0)
                problems.Add($"'{value}' is a URL, not a host: give its host, {uri.IdnHost}.");
            else
                problems.Add(error);
        }
        if (problems.Count > 0)
            errors[field] = [.. problems];
        return [.. hosts.Distinct()];
    }
}
