using Microsoft.AspNetCore.Identity;

namespace Redirector.Links;

/// <summary>
/// Visitor passwords of links, hashed and checked with ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/>
/// (its V3 format: PBKDF2-HMAC-SHA512, 100,000 iterations, a random 128-bit salt per hash) rather than own crypto.
/// </summary>
public static class LinkPasswords
{
    public const int MaxLength = 200;

    /// <summary>Identity's V3 hashes are 84 Base64 characters; room is left for its later formats.</summary>
    public const int MaxHashLength = 512;

    private static readonly PasswordHasher<Link> Hasher = new();

    /// <summary>
    /// The hash to store: of <paramref name="password"/> when given, else <paramref name="importedHash"/> when it is a
    /// hash this hasher reads (a CSV export's), else null (no password). Errors are keyed by the property that holds the
    /// bad value: <c>password</c>, or <c>passwordHash</c> for a hash this service did not write.
    /// </summary>
    public static string? HashOf(string? password, string? importedHash, Dictionary<string, string[]> errors)
    {
        if (!string.IsNullOrEmpty(password))
        {
            if (password.Length > MaxLength || password.Any(char.IsControl))
            {
                errors["password"] = [$"The password is at most {MaxLength} characters, without control characters."];
                return null;
            }
            return Hasher.HashPassword(null!, password);
        }
        if (string.IsNullOrWhiteSpace(importedHash))
            return null;
        var hash = importedHash.Trim();
        if (hash.Length > MaxHashLength || !IsV3Hash(hash))
        {
            errors["passwordHash"] = ["The password hash is not one this service wrote (ASP.NET Core Identity V3)."];
            return null;
        }
        return hash;
    }

    /// <summary>Whether <paramref name="password"/> (as the visitor typed it) matches <paramref name="hash"/>; slow by design.</summary>
    public static bool Verify(string hash, string? password) =>
        !string.IsNullOrEmpty(password) && password.Length <= MaxLength &&
        Hasher.VerifyHashedPassword(null!, hash, password) != PasswordVerificationResult.Failed;

    private static bool IsV3Hash(string hash)
    {
        Span<byte> bytes = stackalloc byte[MaxHashLength];
        return Convert.TryFromBase64String(hash, bytes, out var length) && length >= 13 + 16 + 32 && bytes[0] == 0x01;
    }
}
