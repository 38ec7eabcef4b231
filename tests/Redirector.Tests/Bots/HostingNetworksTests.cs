using System.Net;
using Redirector.Bots;

namespace Redirector.Tests.Bots;

/// <summary>The built-in hosting-network list over the bundled ip-location-db asn data, with addresses whose networks are known.</summary>
public sealed class HostingNetworksTests
{
    [Theory]
    [InlineData("3.5.140.2", 16509)] // AWS S3, us-east-1
    [InlineData("54.239.28.85", 16509)] // amazon.com
    [InlineData("35.184.0.1", 396982)] // Google Cloud, us-central1
    [InlineData("20.190.128.1", 8075)] // Azure
    [InlineData("159.89.0.1", 14061)] // DigitalOcean
    [InlineData("5.9.0.1", 24940)] // Hetzner
    [InlineData("51.38.0.1", 16276)] // OVH
    [InlineData("67.231.152.1", 22843)] // Proofpoint
    [InlineData("205.139.110.1", 30031)] // Mimecast
    [InlineData("2600:1f18::1", 14618)] // AWS us-east-1, IPv6
    [InlineData("2a01:4f8::1", 24940)] // Hetzner, IPv6
    [InlineData("::ffff:5.9.0.1", 24940)] // IPv4-mapped
    public void A_cloud_or_scanner_address_is_found_with_its_network(string address, long asn) =>
        Assert.Equal(asn, HostingNetworks.Default.Find(IPAddress.Parse(address))?.Asn);

    [Theory]
    [InlineData("73.0.0.1")] // Comcast
    [InlineData("86.0.0.1")] // Virgin Media
    [InlineData("81.2.69.142")] // Andrews & Arnold
    [InlineData("8.8.8.8")] // Google's AS15169, left out on purpose (see hosting-networks.txt)
    [InlineData("1.1.1.1")] // Cloudflare, which relays people
    [InlineData("2601::1")] // Comcast, IPv6
    [InlineData("::ffff:86.0.0.1")]
    [InlineData("10.0.0.1")]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void A_residential_private_or_relay_address_is_not_a_hosting_network(string address) =>
        Assert.Null(HostingNetworks.Default.Find(IPAddress.Parse(address)));

    [Fact]
    public void Names_come_from_the_list_and_no_address_finds_nothing()
    {
        Assert.Equal("Proofpoint", HostingNetworks.Default.Find(IPAddress.Parse("67.231.152.1"))?.Name);
        Assert.Null(HostingNetworks.Default.Find(null));
        // Every listed network contributes ranges; a broken data file would leave the table nearly empty.
        Assert.InRange(HostingNetworks.Default.RangeCount, 10_000, 200_000);
    }

    [Fact]
    public void A_list_line_without_an_as_number_is_an_error() =>
        Assert.Throws<FormatException>(() => HostingNetworks.ParseList(new StringReader("# clouds\n16509 Amazon\nAmazon 14618\n")));

    [Fact]
    public void A_missing_data_directory_is_reported_by_file()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-asn-" + Guid.NewGuid().ToString("N"));
        var error = Assert.Throws<FileNotFoundException>(() => HostingNetworks.Load(missing));
        Assert.Contains("asn-ipv4-num.csv", error.Message);
    }
}
