using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Redirector.Clicks;

/// <summary>
/// HMAC-SHA256 under one key, computed for every click. .NET's HMAC goes through its OpenSSL shim, which
/// clears OpenSSL's error queue and duplicates an EVP context on each call: for an input of a few hundred bytes
/// that overhead outweighs the hashing itself (figures in bench/README.md). Where OpenSSL's plain SHA-256 functions are exported (Linux), the
/// key's inner and outer pads are hashed once and each MAC continues a copy of those two states: four short
/// calls, no allocation, no lock. Elsewhere, or if those functions do not give the standard HMAC, .NET's is used.
/// </summary>
internal abstract partial class PreparedHmac
{
    public const int Size = 32;

    /// <summary>True where the OpenSSL path is taken (it is on Linux with OpenSSL 3).</summary>
    internal static bool UsesOpenSsl => OpenSslSha256.IsUsable;

    public static PreparedHmac Create(byte[] key) =>
        OpenSslSha256.IsUsable ? new OpenSslHmac(key) : CreateFallback(key);

    /// <summary>The implementation used where OpenSSL's functions are not: .NET's HMAC.</summary>
    internal static PreparedHmac CreateFallback(byte[] key) => new DotNetHmac(key);

    public abstract void Compute(ReadOnlySpan<byte> data, Span<byte> mac);

    private sealed class DotNetHmac(byte[] key) : PreparedHmac
    {
        // One context kept per key: the one-shot HMACSHA256.HashData sets up a context and key schedule per call.
        private readonly IncrementalHash _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        private readonly Lock _lock = new();

        public override void Compute(ReadOnlySpan<byte> data, Span<byte> mac)
        {
            lock (_lock)
            {
                _hmac.AppendData(data);
                _hmac.GetHashAndReset(mac);
            }
        }
    }

    private sealed class OpenSslHmac : PreparedHmac
    {
        private const int BlockSize = 64;
        private readonly byte[] _inner = new byte[OpenSslSha256.ContextSize];
        private readonly byte[] _outer = new byte[OpenSslSha256.ContextSize];

        public OpenSslHmac(byte[] key)
        {
            Span<byte> block = stackalloc byte[BlockSize];
            block.Clear();
            if (key.Length > BlockSize)
                SHA256.HashData(key, block);
            else
                key.CopyTo(block);
            Span<byte> pad = stackalloc byte[BlockSize];
            Prepare(_inner, block, pad, 0x36);
            Prepare(_outer, block, pad, 0x5c);
            CryptographicOperations.ZeroMemory(block);
            CryptographicOperations.ZeroMemory(pad);
        }

        private static void Prepare(byte[] state, ReadOnlySpan<byte> key, Span<byte> pad, byte mask)
        {
            for (var i = 0; i < BlockSize; i++)
                pad[i] = (byte)(key[i] ^ mask);
            OpenSslSha256.Init(state);
            OpenSslSha256.Update(state, pad, BlockSize);
        }

        public override void Compute(ReadOnlySpan<byte> data, Span<byte> mac)
        {
            Span<byte> state = stackalloc byte[OpenSslSha256.ContextSize];
            Span<byte> innerHash = stackalloc byte[Size];
            _inner.CopyTo(state);
            OpenSslSha256.Update(state, data, (nuint)data.Length);
            OpenSslSha256.Final(innerHash, state);
            _outer.CopyTo(state);
            OpenSslSha256.Update(state, innerHash, Size);
            OpenSslSha256.Final(mac, state);
        }
    }

    /// <summary>OpenSSL's SHA256_Init/Update/Final: deprecated in 3.0 for new code, still exported by every 3.x build that keeps the deprecated API.</summary>
    private static partial class OpenSslSha256
    {
        // SHA256_CTX is 112 bytes (eight state words, a bit count, a 64-byte block, two counters). The rest is slack,
        // so that a build with a larger context could not write past the buffer before the check below rejects it.
        public const int ContextSize = 256;
        private const string Library = "libcrypto.so.3";

        public static bool IsUsable { get; } = Check();

        /// <summary>Known-answer check against .NET's HMAC, so a different or missing library means the fallback, never a wrong hash.</summary>
        private static bool Check()
        {
            if (!OperatingSystem.IsLinux())
                return false;
            try
            {
                var key = RandomNumberGenerator.GetBytes(32);
                var data = RandomNumberGenerator.GetBytes(200);
                Span<byte> expected = stackalloc byte[Size];
                Span<byte> actual = stackalloc byte[Size];
                HMACSHA256.HashData(key, data, expected);
                new OpenSslHmac(key).Compute(data, actual);
                return actual.SequenceEqual(expected);
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                return false;
            }
        }

        public static void Init(Span<byte> state)
        {
            if (SHA256_Init(ref MemoryMarshal.GetReference(state)) != 1)
                throw new CryptographicException("SHA256_Init failed");
        }

        public static void Update(Span<byte> state, ReadOnlySpan<byte> data, nuint length)
        {
            if (SHA256_Update(ref MemoryMarshal.GetReference(state), in MemoryMarshal.GetReference(data), length) != 1)
                throw new CryptographicException("SHA256_Update failed");
        }

        public static void Final(Span<byte> digest, Span<byte> state)
        {
            if (SHA256_Final(ref MemoryMarshal.GetReference(digest), ref MemoryMarshal.GetReference(state)) != 1)
                throw new CryptographicException("SHA256_Final failed");
        }

        [LibraryImport(Library)]
        private static partial int SHA256_Init(ref byte state);

        [LibraryImport(Library)]
        private static partial int SHA256_Update(ref byte state, in byte data, nuint length);

        [LibraryImport(Library)]
        private static partial int SHA256_Final(ref byte digest, ref byte state);
    }
}
