using MaxMind.Db;

namespace Redirector.Geo;

// Only the keys read here are declared, so the reader skips every other one (names in other languages, ids,
// coordinates) without building objects for them.

/// <summary>
/// A record of the flat layout of the ip-location-db databases (the built-in one among them):
/// <c>{"country_code": "US", "state1": "...", "city": "..."}</c>; state and city only in their city files.
/// </summary>
internal sealed class FlatRecord
{
    [MapKey("country_code")] public string? CountryCode { get; init; }
    [MapKey("state1")] public string? State { get; init; }
    [MapKey("city")] public string? City { get; init; }
}

/// <summary>
/// A record of the GeoIP2 layout, which MaxMind's GeoIP2/GeoLite2 and DB-IP's files share:
/// <c>{"country": {"iso_code"}, "subdivisions": [{"names": {"en"}}], "city": {"names": {"en"}}}</c>.
/// </summary>
internal sealed class GeoIp2Record
{
    [MapKey("country")] public GeoIp2Place? Country { get; init; }
    [MapKey("subdivisions")] public IReadOnlyList<GeoIp2Place>? Subdivisions { get; init; }
    [MapKey("city")] public GeoIp2Place? City { get; init; }
}

internal sealed class GeoIp2Place
{
    [MapKey("iso_code")] public string? IsoCode { get; init; }
    [MapKey("names")] public GeoIp2Names? Names { get; init; }
}

internal sealed class GeoIp2Names
{
    [MapKey("en")] public string? English { get; init; }
}
