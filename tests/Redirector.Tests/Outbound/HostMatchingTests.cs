using Redirector.Clicks;
using Redirector.Sites;

namespace Redirector.Tests.Outbound;

public sealed class HostMatchingTests
{
    private static SiteEntry Site(bool subdomains, params string[] hosts)
    {
        var errors = new Dictionary<string, string[]>();
        var site = new Site { Key = SiteRules.NewKey(), Name = "t", Hosts = SiteRules.NormalizeHosts(hosts, errors), AllowSubdomains = subdomains };
        Assert.Empty(errors);
        return new SiteEntry(site);
    }

    [Theory]
    [InlineData("https://example.com/a", true)]
    [InlineData("http://EXAMPLE.com./a", true)]
    [InlineData("https://example.com:8443/a?b#c", true)]
    [InlineData("https://www.example.com/", false)]
    [InlineData("https://evilexample.com/", false)]
    [InlineData("https://example.com.evil.net/", false)]
    [InlineData("https://example.com@evil.net/", false)]
    [InlineData("https://evil.net/?example.com", false)]
    [InlineData("ftp://example.com/", false)]
    [InlineData("//example.com/", false)]
    [InlineData("/relative", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Exact_hosts_match_only_themselves_on_any_port_and_scheme(string? url, bool owned) =>
        Assert.Equal(owned, Site(false, "example.com").OwnsUrl(url));

    [Theory]
    [InlineData("https://example.com/", true)]
    [InlineData("https://blog.example.com/", true)]
    [InlineData("https://a.b.example.com/", true)]
    [InlineData("https://evilexample.com/", false)]
    [InlineData("https://example.com.evil.net/", false)]
    [InlineData("https://xample.com/", false)]
    public void Subdomains_match_at_a_dot_boundary_only(string url, bool owned) =>
        Assert.Equal(owned, Site(true, "example.com").OwnsUrl(url));

    [Fact]
    public void Idn_hosts_are_compared_in_punycode_and_look_alikes_do_not_match()
    {
        var site = Site(false, "bücher.example");
        Assert.Equal(["xn--bcher-kva.example"], site.Hosts);
        Assert.True(site.OwnsUrl("https://bücher.example/"));
        Assert.True(site.OwnsUrl("https://xn--bcher-kva.example/"));
        Assert.False(site.OwnsUrl("https://bucher.example/"));
        var latin = Site(false, "paypal.com");
        Assert.False(latin.OwnsUrl("https://pаypal.com/"));
    }

    [Fact]
    public void A_page_is_shown_only_while_it_is_a_page_of_a_registered_site_and_other_values_as_given()
    {
        var errors = new Dictionary<string, string[]>();
        var site = new Site { Key = SiteRules.NewKey(), Name = "t", Hosts = SiteRules.NormalizeHosts(["example.com"], errors), AllowSubdomains = true };
        var sites = new SiteCache();
        sites.Upsert(site);

        Assert.Equal("https://blog.example.com/a", sites.ShownValue(Dimensions.SourcePage, "https://blog.example.com/a"));
        Assert.Equal("http://example.com/", sites.ShownValue(Dimensions.PageViews, "http://example.com/"));
        Assert.Null(sites.ShownValue(Dimensions.SourcePage, "https://www.google.com/search"));
        Assert.Null(sites.ShownValue(Dimensions.PageViews, "https://evilexample.com/"));
        Assert.Null(sites.ShownValue(Dimensions.SourcePage, ""));
        Assert.Null(sites.ShownValue(Dimensions.SourcePage, null));
        Assert.Equal("https://www.google.com/search", sites.ShownValue(Dimensions.Referrer, "https://www.google.com/search"));
        Assert.Equal("", sites.ShownValue(Dimensions.UtmSource, ""));

        sites.Remove(site.Key);
        Assert.Null(sites.ShownValue(Dimensions.SourcePage, "https://blog.example.com/a"));
    }

    [Theory]
    [InlineData("https://example.com")]
    [InlineData("example.com/path")]
    [InlineData("example.com:80")]
    [InlineData("user@example.com")]
    [InlineData("*.example.com")]
    [InlineData("exa mple.com")]
    [InlineData("")]
    public void Host_names_with_scheme_port_path_or_user_are_refused(string host) =>
        Assert.Null(SiteRules.Normalize(host));
}
