using System.Buffers;
using System.Security.Cryptography;

namespace Redirector.Links;

/// <summary>Slug rules: 1-64 characters of A-Za-z0-9_-, case-sensitive, never one of the routes the service owns.</summary>
public static class Slugs
{
    public const int MaxLength = 64;
    public const int GeneratedLength = 7;

    internal const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-");

    // Routing matches paths case-insensitively, so "/Admin" would reach the admin area: compare the same way.
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "api", "admin", "out", "pv", "healthz", "readyz", "openapi", "t.js", "_content", "_framework",
        "_blazor", "account", "login", "logout", "static", "assets", "favicon.ico", "robots.txt", "metrics",
        "swagger", "docs", "health", "status", "qr",
    };

    private static bool IsReserved(string slug) => Reserved.Contains(slug);

    /// <summary>Whether <paramref name="slug"/> is 1-64 characters of A-Za-z0-9_- (reserved names not checked).</summary>
    public static bool IsWellFormed(ReadOnlySpan<char> slug) =>
        slug.Length is > 0 and <= MaxLength && !slug.ContainsAnyExcept(Allowed);

    /// <summary>Returns null when the slug is acceptable, otherwise the reason.</summary>
    public static string? Validate(string? slug)
    {
        if (string.IsNullOrEmpty(slug))
            return "The slug is empty.";
        if (slug.Length > MaxLength)
            return $"The slug is longer than {MaxLength} characters.";
        if (!IsWellFormed(slug))
            return "The slug may only contain letters, digits, '_' and '-'.";
        if (IsReserved(slug))
            return $"'{slug}' is reserved by the service.";
        return null;
    }

    public static string Generate() => RandomNumberGenerator.GetString(Base62, GeneratedLength);
}
