using Redirector.Clicks;

namespace Redirector.Tests.Core;

/// <summary>Values stored capped are cut where a part ends, never inside a character, a value or a percent-escape.</summary>
public sealed class CapTests
{
    [Fact]
    public void Text_is_cut_between_characters()
    {
        Assert.Equal("ab", ClickEnricher.Cap("ab😀c", 3));
        Assert.Equal("ab😀", ClickEnricher.Cap("ab😀c", 4));
        Assert.Equal("abc", ClickEnricher.Cap("abc", 3));
    }

    [Theory]
    [InlineData("https://e.example/p?a=1&bb=%C3%A9%C3%A9%C3%A9%C3%A9", 30, "https://e.example/p?a=1")]
    [InlineData("https://e.example/p?a=%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9", 30, "https://e.example/p")]
    [InlineData("https://e.example/dir/%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9", 30, "https://e.example/dir/")]
    [InlineData("https://e.example/p#%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9", 30, "https://e.example/p")]
    [InlineData("https://e.example/p?a=1", 30, "https://e.example/p?a=1")]
    [InlineData("https://very-long-host-name.example/", 20, null)]
    public void Urls_are_cut_where_a_part_ends(string url, int max, string? expected)
    {
        var capped = ClickEnricher.CapUrl(url, max);
        Assert.Equal(expected, capped);
        Assert.True(capped is null || capped.Length <= max);
    }
}
