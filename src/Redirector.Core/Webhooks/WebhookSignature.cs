using System.Security.Cryptography;
using System.Text;

namespace Redirector.Webhooks;

/// <summary>
/// The Standard Webhooks signature (https://www.standardwebhooks.com, spec 1.0): <c>webhook-signature</c> is
/// "v1," + base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")), the key being the base64 after
/// "whsec_" in the secret. Written here because the StandardWebhooks package is not served by this project's
/// registry; the published test vector is checked in WebhookSignatureTests.
/// </summary>
public static class WebhookSignature
{
    public const string SecretPrefix = "whsec_";
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    /// <summary>A new secret: "whsec_" + base64 of 32 random bytes.</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>The key bytes of a "whsec_..." secret (the prefix is optional, as in the reference libraries).</summary>
    /// <exception cref="FormatException">The rest is not base64.</exception>
    public static byte[] KeyOf(string secret) =>
        Convert.FromBase64String(secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret);

    /// <summary>The webhook-signature value for one message; <paramref name="timestamp"/> in unix seconds.</summary>
    public static string Sign(byte[] key, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
    }

    /// <summary>
    /// What a receiver does: true when one of the space-separated signatures in <paramref name="signatureHeader"/>
    /// is the v1 signature of the message (compared in constant time) and the timestamp is within
    /// <paramref name="tolerance"/> of <paramref name="now"/>, so a captured message cannot be replayed later.
    /// </summary>
    public static bool Verify(byte[] key, string id, string timestampHeader, string signatureHeader, ReadOnlySpan<byte> body,
        DateTimeOffset now, TimeSpan tolerance)
    {
        if (!long.TryParse(timestampHeader, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var timestamp) ||
            Math.Abs(now.ToUnixTimeSeconds() - timestamp) > tolerance.TotalSeconds)
            return false;
        var expected = Encoding.ASCII.GetBytes(Sign(key, id, timestamp, body));
        foreach (var candidate in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(candidate), expected))
                return true;
        }
        return false;
    }
}
