using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Redirector.Tracking;

/// <summary>
/// Signs tracked outbound URLs and the interstitial's continue tokens: HMAC-SHA256, truncated to 128 bits,
/// base64url (22 characters). The HMAC key is random, made once by whichever node needs it first and kept in the
/// catalogue (<see cref="Security.CatalogSecrets"/>, name <see cref="SecretName"/>), so every node signs alike.
/// </summary>
/// <param name="key">The HMAC key, <see cref="KeyBytes"/> random bytes.</param>
public sealed class OutboundSigner(byte[] key)
{
    /// <summary>The name of the signing key among the catalogue's secrets.</summary>
    public const string SecretName = "outbound-hmac";

    /// <summary>The length of the signing key in bytes (the HMAC-SHA256 block is 64; 32 random bytes are 256 bits).</summary>
    public const int KeyBytes = 32;

    private const int MacBytes = 16;

    private readonly byte[] _key = key;

    /// <summary>The signature of a rewritten link: the site, the exact target URL and the source page it was found on.</summary>
    public string Sign(string site, string url, string? from) => Mac("out", site, url, from ?? "");

    public bool Verify(string site, string url, string? from, string? signature) =>
        Matches(Sign(site, url, from), signature);

    /// <summary>
    /// A continue token for the interstitial: valid until <paramref name="expires"/>, and only for the browser that
    /// holds <paramref name="nonce"/> in its cookie, so a continue URL copied from someone else's warning page is not a
    /// redirect for anybody else.
    /// </summary>
    public string ConfirmToken(string nonce, string site, string url, string? from, DateTimeOffset expires)
    {
        var at = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return at + "." + Mac("confirm", nonce, at, site, url, from ?? "");
    }

    public bool VerifyConfirm(string? token, string? nonce, string site, string url, string? from, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(token) || string.IsNullOrEmpty(nonce))
            return false;
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !long.TryParse(token.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var at) ||
            at < now.ToUnixTimeSeconds())
            return false;
        return Matches(Mac("confirm", nonce, token[..dot], site, url, from ?? ""), token[(dot + 1)..]);
    }

    /// <summary>Each part is length-prefixed, so no choice of values can make two different tuples sign alike.</summary>
    private string Mac(params string[] parts)
    {
        var buffer = new List<byte>(256);
        Span<byte> length = stackalloc byte[4];
        foreach (var part in parts)
        {
            var bytes = Encoding.UTF8.GetBytes(part);
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            buffer.AddRange(length);
            buffer.AddRange(bytes);
        }
        var mac = HMACSHA256.HashData(_key, buffer.ToArray());
        return WebEncoders.Base64UrlEncode(mac, 0, MacBytes);
    }

    private static bool Matches(string expected, string? given) =>
        given is not null && given.Length == expected.Length &&
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(given));
}
