using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;

namespace Redirector.Tracking;

/// <summary>
/// Signs tracked outbound URLs and the interstitial's continue tokens: HMAC-SHA256, truncated to 128 bits,
/// base64url (22 characters). The HMAC key is random, made once and stored in the Data Protection key folder,
/// protected by Data Protection, so it is as secret as the key ring and shared by the nodes that share it.
/// </summary>
public sealed class OutboundSigner
{
    public const string Purpose = "Redirector.Outbound.v1";
    private const int MacBytes = 16;
    private const string KeyFileName = "outbound-hmac.protected";

    private readonly byte[] _key;

    public OutboundSigner(IDataProtectionProvider dataProtection, string keyDirectory)
    {
        var protector = dataProtection.CreateProtector(Purpose);
        _key = LoadOrCreateKey(protector, Path.Combine(keyDirectory, KeyFileName));
    }

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

    private static byte[] LoadOrCreateKey(IDataProtector protector, string path)
    {
        if (File.Exists(path))
            return protector.Unprotect(Convert.FromBase64String(File.ReadAllText(path)));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var key = RandomNumberGenerator.GetBytes(32);
        try
        {
            using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
            file.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(protector.Protect(key))));
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another node or process made the key first: use theirs, so both sign alike.
            return protector.Unprotect(Convert.FromBase64String(File.ReadAllText(path)));
        }
    }
}
