using System.Security.Cryptography;
using Redirector.Clicks;

namespace Redirector.Tests.Core;

/// <summary>The visitor hash's HMAC-SHA256 must be the standard one, whichever implementation computes it.</summary>
public sealed class PreparedHmacTests
{
    [Fact]
    public void On_linux_the_prepared_openssl_states_are_used()
    {
        Assert.True(!OperatingSystem.IsLinux() || PreparedHmac.UsesOpenSsl);
    }

    [Theory]
    [InlineData(32, 0)]
    [InlineData(32, 1)]
    [InlineData(32, 55)] // the last length whose padding fits the same block
    [InlineData(32, 56)]
    [InlineData(32, 64)]
    [InlineData(32, 1553)] // the longest input VisitorHasher builds: 16 + 1 + 512 * 3
    [InlineData(64, 100)]
    [InlineData(65, 100)] // keys longer than a block are hashed first
    [InlineData(1, 10)]
    public void Equals_dotnets_hmac_sha256_and_so_does_the_fallback(int keyLength, int dataLength)
    {
        var key = RandomNumberGenerator.GetBytes(keyLength);
        var data = RandomNumberGenerator.GetBytes(dataLength);
        var mac = new byte[PreparedHmac.Size];

        var fallbackMac = new byte[PreparedHmac.Size];

        PreparedHmac.Create(key).Compute(data, mac);
        PreparedHmac.CreateFallback(key).Compute(data, fallbackMac);

        Assert.Equal(HMACSHA256.HashData(key, data), mac);
        Assert.Equal(mac, fallbackMac);
    }

    [Fact]
    public void Rfc4231_test_case_2()
    {
        var mac = new byte[PreparedHmac.Size];
        PreparedHmac.Create("Jefe"u8.ToArray()).Compute("what do ya want for nothing?"u8, mac);
        Assert.Equal("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", Convert.ToHexStringLower(mac));
    }

    [Fact]
    public void One_key_computes_correctly_on_many_threads_at_once()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var hmac = PreparedHmac.Create(key);
        var inputs = Enumerable.Range(0, 64).Select(i => RandomNumberGenerator.GetBytes(20 + i)).ToArray();
        var expected = inputs.Select(input => HMACSHA256.HashData(key, input)).ToArray();

        var wrong = 0;
        Parallel.For(0, 20_000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            Span<byte> mac = stackalloc byte[PreparedHmac.Size];
            hmac.Compute(inputs[i % inputs.Length], mac);
            if (!mac.SequenceEqual(expected[i % inputs.Length]))
                Interlocked.Increment(ref wrong);
        });
        Assert.Equal(0, wrong);
    }
}
