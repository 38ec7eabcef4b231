using System.Buffers;
using System.Security.Cryptography;

namespace Redirector.Sites;

/// <summary>Validation and normalisation of what a site is made of: its name, key and host names.</summary>
public static class SiteRules
{
    public const int KeyLength = 16;
    public const int MaxNameLength = 200;
    public const int MaxHosts = 50;
    private const int MaxHostLength = 253;

    // A host, not a URL: anything that would introduce a scheme, port, path, user or query is refused.
    private static readonly SearchValues<char> NotInHost = SearchValues.Create(":/\\@?#% \t\r\n*");

    public static string NewKey() => RandomNumberGenerator.GetString(Links.Slugs.Base62, KeyLength);

    public static string? ValidateName(string? name, Dictionary<string, string[]> errors)
    {
        var trimmed = name?.Trim();
        if (string.IsNullOrEmpty(trimmed))
            errors["name"] = ["The name is required."];
        else if (trimmed.Length > MaxNameLength || trimmed.Any(char.IsControl))
            errors["name"] = [$"The name is at most {MaxNameLength} characters, without control characters."];
        return trimmed;
    }

    public static List<string> NormalizeHosts(IEnumerable<string?>? hosts, Dictionary<string, string[]> errors)
    {
        var result = new List<string>();
        var problems = new List<string>();
        foreach (var host in hosts ?? [])
        {
            if (Normalize(host) is { } normalized)
            {
                if (!result.Contains(normalized))
                    result.Add(normalized);
            }
            else
                problems.Add($"'{Shorten(host)}' is not a host name (write it as example.com, without scheme, port or path).");
        }
        if (result.Count == 0 && problems.Count == 0)
            problems.Add("At least one host name is required.");
        if (result.Count > MaxHosts)
            problems.Add($"A site has at most {MaxHosts} host names.");
        if (problems.Count > 0)
            errors["hosts"] = [.. problems];
        return result;
    }

    /// <summary>The canonical form of a host name as given by a person: lower case, punycode, no trailing dot; null if not a host.</summary>
    public static string? Normalize(string? host)
    {
        var text = host?.Trim().TrimEnd('.');
        if (string.IsNullOrEmpty(text) || text.Length > MaxHostLength || text.AsSpan().ContainsAny(NotInHost) ||
            text.Any(char.IsControl) || !Uri.TryCreate("http://" + text + "/", UriKind.Absolute, out var uri))
            return null;
        return HostOf(uri);
    }

    /// <summary>The host of a parsed URL in the form hosts are stored in, or null when it has none or cannot be mapped.</summary>
    public static string? HostOf(Uri uri)
    {
        if (uri.HostNameType is not (UriHostNameType.Dns or UriHostNameType.IPv4) || uri.UserInfo.Length > 0)
            return null;
        try
        {
            var host = uri.IdnHost.TrimEnd('.').ToLowerInvariant();
            return host.Length == 0 ? null : host;
        }
        catch (UriFormatException)
        {
            return null;
        }
    }

    private static string Shorten(string? value) => value is null ? "" : value.Length > 64 ? value[..64] + "…" : value;
}
