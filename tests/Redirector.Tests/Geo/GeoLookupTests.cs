using System.Net;
using Redirector.Geo;

namespace Redirector.Tests.Geo;

/// <summary>Lookups in the real built-in database and in a real city-layout file; no stand-ins.</summary>
public sealed class GeoLookupTests
{
    internal static string TestCityDatabase => Path.Combine(AppContext.BaseDirectory, "Geo", "test-city.mmdb");

    [Theory]
    [InlineData("8.8.8.8", "US")]
    [InlineData("81.2.69.142", "GB")]
    [InlineData("2001:4860:4860::8888", "US")]
    [InlineData("2a02:2e0:3fe:1001:302::", "DE")]
    [InlineData("::ffff:8.8.8.8", "US")]
    [InlineData("::ffff:81.2.69.142", "GB")]
    public void The_built_in_database_places_public_addresses_in_their_country(string address, string country)
    {
        using var geo = GeoLookup.Open(GeoLookup.DefaultDatabasePath);
        Assert.Equal(new GeoLocation(country, null, null), geo.Find(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("172.16.5.4")]
    [InlineData("192.168.1.1")]
    [InlineData("100.64.0.1")]
    [InlineData("127.0.0.1")]
    [InlineData("169.254.10.20")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fe80::")]
    [InlineData("fe80::1c2b:3cff:fe4d:5e6f")]
    [InlineData("fd12:3456:789a::1")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("::ffff:127.0.0.1")]
    public void Private_loopback_link_local_and_reserved_addresses_are_unknown(string address)
    {
        using var geo = GeoLookup.Open(GeoLookup.DefaultDatabasePath);
        // Not only "not in the database": the built-in file does place some RFC 1918 addresses (192.168.1.1, 172.16.5.4).
        Assert.Equal(GeoLocation.Unknown, geo.Find(IPAddress.Parse(address)));
    }

    [Fact]
    public void No_address_is_unknown()
    {
        using var geo = GeoLookup.Open(GeoLookup.DefaultDatabasePath);
        Assert.Equal(GeoLocation.Unknown, geo.Find(null));
    }

    [Fact]
    public void A_copy_of_the_country_database_at_a_user_path_gives_countries_and_no_cities()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("redirector-geo-").FullName, "countries.mmdb");
        File.Copy(GeoLookup.DefaultDatabasePath, path);
        using (var geo = GeoLookup.Open(path))
        {
            var place = geo.Find(IPAddress.Parse("81.2.69.142"));
            Assert.Equal("GB", place.Country);
            Assert.Null(place.Region);
            Assert.Null(place.City);
        }
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }

    [Theory]
    [InlineData("81.2.69.142", "GB", "England", "London")]
    [InlineData("::ffff:81.2.69.142", "GB", "England", "London")]
    [InlineData("2001:4860:4860::8888", "US", "California", "Mountain View")]
    [InlineData("8.8.8.8", "US", null, null)]
    [InlineData("1.1.1.1", null, null, null)]
    [InlineData("192.168.1.1", null, null, null)]
    public void A_city_database_in_the_GeoIP2_layout_gives_region_and_city_in_English(string address, string? country, string? region, string? city)
    {
        using var geo = GeoLookup.Open(TestCityDatabase);
        Assert.Equal(new GeoLocation(country, region, city), geo.Find(IPAddress.Parse(address)));
    }

    [Fact]
    public void A_missing_file_or_one_that_is_not_a_database_cannot_be_opened()
    {
        var directory = Directory.CreateTempSubdirectory("redirector-geo-").FullName;
        try
        {
            var missing = Path.Combine(directory, "missing.mmdb");
            Assert.Throws<FileNotFoundException>(() => GeoLookup.Open(missing));

            var corrupt = Path.Combine(directory, "corrupt.mmdb");
            File.WriteAllBytes(corrupt, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 31))]);
            Assert.Throws<InvalidDataException>(() => GeoLookup.Open(corrupt));

            var cut = Path.Combine(directory, "cut.mmdb");
            File.WriteAllBytes(cut, File.ReadAllBytes(GeoLookup.DefaultDatabasePath).AsSpan(0, 1 << 20).ToArray());
            Assert.Throws<InvalidDataException>(() => GeoLookup.Open(cut));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
