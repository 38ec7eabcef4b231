using Redirector.Links;

namespace Redirector.Tests.Core;

public sealed class DestinationUrlTests
{
    [Theory]
    [InlineData("https://example.com", "https://example.com/")]
    [InlineData("  HTTPS://Example.COM/Path?q=1#frag  ", "https://example.com/Path?q=1#frag")]
    [InlineData("http://example.com:8080/a b", "http://example.com:8080/a%20b")]
    [InlineData("https://bücher.example/straße", "https://xn--bcher-kva.example/stra%C3%9Fe")]
    [InlineData("https://ｅｘａｍｐｌｅ.com/", "https://example.com/")]
    [InlineData("https://192.0.2.1/x", "https://192.0.2.1/x")]
    [InlineData("http://[::1]:8080/", "http://[::1]:8080/")]
    [InlineData("http://[::216.58.214.206]", "http://[::216.58.214.206]/")]
    [InlineData("http://[::FFFF:127.0.0.1]/a", "http://[::ffff:127.0.0.1]/a")]
    [InlineData("http://0x7f.1/", "http://127.0.0.1/")]
    [InlineData("https://XN--BCHER-KVA.example/", "https://xn--bcher-kva.example/")]
    public void Valid_destinations_are_normalised(string input, string expected)
    {
        Assert.True(DestinationUrl.TryNormalize(input, out var normalized, out var error), error);
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("   ")]
    [InlineData("javascript:alert(1)")]
    [InlineData("JaVaScRiPt:alert(1)")]
    [InlineData("data:text/html;base64,PHNjcmlwdD4=")]
    [InlineData("file:///etc/passwd")]
    [InlineData("/foo")]
    [InlineData("//evil.example")]
    [InlineData("/\\evil.example")]
    [InlineData("https:evil.example")]
    [InlineData("https:/evil.example")]
    [InlineData("https://good.example\\@evil.example")]
    [InlineData("https://good.example@evil.example")]
    [InlineData("https://a\tb.example/")]
    [InlineData("https://example.com/%0d%0a\r\nLocation: x")]
    [InlineData("mailto:someone@example.com")]
    [InlineData("https://")]
    [InlineData("http://472.314.470.462")]
    [InlineData("http://1.2.3.4.5/")]
    [InlineData("http://example.0x1g.123/")]
    [InlineData("http://[fe80::1%25eth0]/")]
    [InlineData("http://[fe80::1%eth0]/")]
    [InlineData("http://xn--/")]
    [InlineData("https://xn--zz.example/")]
    [InlineData("https://shop.XN--A.example/")]
    public void Unsafe_or_malformed_destinations_are_refused(string? input)
    {
        Assert.False(DestinationUrl.TryNormalize(input, out var normalized, out var error));
        Assert.Null(normalized);
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void The_linux_file_path_trap_is_closed()
    {
        // On Linux, Uri.TryCreate("/foo", Absolute) succeeds as file:///foo.
        Assert.True(Uri.TryCreate("/foo", UriKind.Absolute, out var trap) && trap.IsFile);
        Assert.False(DestinationUrl.TryNormalize("/foo", out _, out _));
    }

    [Fact]
    public void The_length_limit_is_4096()
    {
        var prefix = "https://example.com/";
        Assert.True(DestinationUrl.TryNormalize(prefix + new string('a', 4096 - prefix.Length), out _, out _));
        Assert.False(DestinationUrl.TryNormalize(prefix + new string('a', 4097 - prefix.Length), out _, out _));
    }
}
