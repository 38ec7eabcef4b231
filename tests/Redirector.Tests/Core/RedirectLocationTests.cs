using Redirector.Links;

namespace Redirector.Tests.Core;

public sealed class RedirectLocationTests
{
    private static RedirectTarget Target(string destination, UtmTags? utm = null) => RedirectTarget.For(new Link
    {
        Id = 1, Slug = "s", Destination = destination, Utm = utm ?? new UtmTags(),
    });

    [Fact]
    public void Link_utm_tags_are_added_unless_the_destination_has_them()
    {
        var target = Target("https://example.com/p?utm_source=site&x=1#top", new UtmTags { Source = "mail", Campaign = "fall sale" });
        Assert.Equal("https://example.com/p?utm_source=site&x=1&utm_campaign=fall%20sale#top", target.Location);
        Assert.Equal("site", target.Utm.Source);
        Assert.Equal("fall sale", target.Utm.Campaign);
    }

    [Theory]
    [InlineData("https://example.com/p", "https://example.com/p?utm_source=mail&z=1")]
    [InlineData("https://example.com/p#top", "https://example.com/p?utm_source=mail&z=1#top")]
    [InlineData("https://example.com/p?a=%zz&b&c=&d=%C3%A9#frag?x=1#y", "https://example.com/p?a=%25zz&b&c=&d=%C3%A9&utm_source=mail&z=1#frag?x=1#y")]
    [InlineData("https://example.com/p?q=a%26b%3Dc&utm_source=site#", "https://example.com/p?q=a%26b%3Dc&utm_source=site&z=1#")]
    public void A_request_query_is_added_to_the_destination_query_the_cached_link_keeps_only_as_its_location(string destination, string expected)
    {
        // The cached link holds its Location alone and takes it apart again for a request with a query of its own.
        var target = Target(destination, new UtmTags { Source = "mail" });
        Assert.Equal(expected, RedirectLocation.Build(target, "?z=1"));
        Assert.Equal(expected, RedirectLocation.Build(target, "z=1"));
    }

    [Fact]
    public void Links_with_equal_utm_tags_and_destination_domains_share_them_in_the_cache()
    {
        var first = Target("https://www.shop.example/a", new UtmTags { Source = new string("mail".AsSpan()), Campaign = new string("fall".AsSpan()) });
        var second = Target("https://shop.example/b", new UtmTags { Source = new string("mail".AsSpan()), Campaign = new string("fall".AsSpan()) });
        Assert.Same(first.Utm, second.Utm);
        Assert.Same(first.Domain, second.Domain);
        var other = Target("https://shop.example/c", new UtmTags { Source = "mail", Campaign = "winter" });
        Assert.NotSame(first.Utm, other.Utm);
        Assert.Same(first.Utm.Source, other.Utm.Source);
        Assert.Equal("winter", other.Utm.Campaign);
    }

    [Fact]
    public void Request_utm_parameters_override_and_others_are_forwarded_in_order()
    {
        var target = Target("https://example.com/p", new UtmTags { Source = "mail", Medium = "email" });
        var location = RedirectLocation.Build(target, "?gclid=1&utm_source=facebook&utm_source=ignored&ref=a+b");
        Assert.Equal("https://example.com/p?utm_medium=email&gclid=1&utm_source=facebook&ref=a+b", location);
        var utm = RedirectLocation.ClickUtm(target.Utm, "?gclid=1&utm_source=facebook&utm_source=ignored");
        Assert.Equal("facebook", utm.Source);
        Assert.Equal("email", utm.Medium);
    }

    [Fact]
    public void Unsafe_characters_in_forwarded_parameters_are_percent_encoded()
    {
        var target = Target("https://example.com/");
        var location = RedirectLocation.Build(target, "?q=<b>\r\nSet-Cookie:x&é=ü&bad=%zz");
        Assert.Equal("https://example.com/?q=%3Cb%3E%0D%0ASet-Cookie:x&%C3%A9=%C3%BC&bad=%25zz", location);
        Assert.All(location, c => Assert.True(c is > ' ' and < (char)127));
    }

    [Fact]
    public void A_long_query_is_forwarded_whole()
    {
        // A route planner's link: thousands of characters of one value, then more parameters after it.
        var target = Target("https://planner.example/route");
        var query = RoutePlannerQuery(4634);
        Assert.Equal("https://planner.example/route?" + query, RedirectLocation.Build(target, "?" + query));

        var many = string.Join('&', Enumerable.Range(0, 5000).Select(i => $"p{i}=v"));
        Assert.Equal("https://planner.example/route?" + many, RedirectLocation.Build(target, "?" + many));
    }

    /// <summary>"lonlats=lon,lat;lon,lat;...&amp;z=17", exactly <paramref name="length"/> characters.</summary>
    public static string RoutePlannerQuery(int length)
    {
        var builder = new System.Text.StringBuilder("lonlats=");
        for (var i = 0; builder.Length < length - 40; i++)
            builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"{i % 10}.{i:D6},5{i % 10}.{i * 7:D6};");
        builder.Append('9', length - builder.Length - "&z=17".Length).Append("&z=17");
        return builder.ToString();
    }
}
