using System.Net;
using System.Net.Sockets;
using MaxMind.Db;

namespace Redirector.Geo;

/// <summary>
/// Finds the country (and, with a city database, region and city) of a client address in a MaxMind-format
/// (<c>.mmdb</c>) database, memory-mapped and shared by all threads. Runs once per click in the pipeline, never
/// on the redirect path; it keeps nothing about the addresses it is asked for.
/// </summary>
/// <remarks>
/// Two record layouts are read: the GeoIP2 one (MaxMind GeoIP2/GeoLite2, DB-IP) and the flat one of the
/// ip-location-db files, which the built-in database (geo-whois-asn-country, CC BY 4.0) uses. The layout is
/// told from the first record when the file is opened.
/// </remarks>
public sealed class GeoLookup : IDisposable
{
    /// <summary>The built-in country database, copied beside the assembly at build time (see Redirector.Core.csproj).</summary>
    public static string DefaultDatabasePath { get; } = Path.Combine(AppContext.BaseDirectory, "Geo", "geo-whois-asn-country.mmdb");

    private readonly Reader _reader;
    private readonly bool _geoIp2Layout;

    private GeoLookup(Reader reader, bool geoIp2Layout)
    {
        _reader = reader;
        _geoIp2Layout = geoIp2Layout;
        // A city file's type says so ("GeoLite2-City", "DBIP-City-Lite", "geolite2-city-ipv4"); country files never hold cities.
        PlacesCities = reader.Metadata.DatabaseType.Contains("city", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Whether the database is a city database, whose places have region and city: false for the built-in country
    /// database, so clicks then count no regions or cities at all rather than all under "(unknown)".
    /// </summary>
    public bool PlacesCities { get; }

    /// <summary>The database's type as its metadata names it, e.g. "GeoLite2-City" or "geo-whois-asn-country".</summary>
    public string DatabaseType => _reader.Metadata.DatabaseType;

    /// <summary>When the database was built (its metadata's build epoch), in UTC.</summary>
    public DateTime BuildDate => _reader.Metadata.BuildDate;

    /// <summary>
    /// Opens <paramref name="path"/>. Throws <see cref="FileNotFoundException"/> when there is no such file and
    /// <see cref="InvalidDataException"/> when it is not a MaxMind DB file or its records hold no country.
    /// </summary>
    public static GeoLookup Open(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"There is no file at '{Path.GetFullPath(path)}'.", path);
        Reader reader;
        try
        {
            reader = new Reader(path, FileAccessMode.MemoryMapped);
        }
        catch (Exception e) when (e is InvalidDatabaseException or DeserializationException or IOException or ArgumentException)
        {
            throw new InvalidDataException($"'{Path.GetFullPath(path)}' is not a MaxMind DB (.mmdb) file: {e.Message}", e);
        }
        try
        {
            return new GeoLookup(reader, IsGeoIp2Layout(reader, path));
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>Where <paramref name="address"/> is; <see cref="GeoLocation.Unknown"/> for null, private, loopback, link-local, multicast and unlisted addresses.</summary>
    public GeoLocation Find(IPAddress? address)
    {
        if (address is null)
            return GeoLocation.Unknown;
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (!IsPublic(address))
            return GeoLocation.Unknown;
        try
        {
            return _geoIp2Layout ? FromGeoIp2(_reader.Find<GeoIp2Record>(address)) : FromFlat(_reader.Find<FlatRecord>(address));
        }
        catch (Exception e) when (e is InvalidDatabaseException or DeserializationException)
        {
            // A damaged record costs this click its place, not the batch it belongs to.
            return GeoLocation.Unknown;
        }
    }

    /// <summary>
    /// Where a click's visitor is: the country a trusted proxy's header named (<paramref name="trustedCountry"/>,
    /// e.g. CF-IPCountry's "fr") when it is two letters, else the place of <paramref name="address"/> (see
    /// <see cref="Find"/>). Cloudflare's "XX" (no country known) and "T1" (Tor) name no country, so the address decides.
    /// </summary>
    /// <remarks>
    /// With a city database the address is looked up even when the header names the country, and its region and
    /// city are kept only when its country is the header's: a proxy's country is trusted over the database, and a
    /// city of another country would contradict it.
    /// </remarks>
    public GeoLocation Locate(string? trustedCountry, IPAddress? address)
    {
        if (HeaderCountry(trustedCountry) is not { } country)
            return Find(address);
        if (!PlacesCities)
            return new(country, null, null);
        var found = Find(address);
        return found.Country == country ? found : new(country, null, null);
    }

    private static string? HeaderCountry(string? value) =>
        value is [var a, var b] && char.IsAsciiLetter(a) && char.IsAsciiLetter(b) && !value.Equals("XX", StringComparison.OrdinalIgnoreCase)
            ? value.ToUpperInvariant()
            : null;

    /// <summary>The country of <paramref name="address"/> as an ISO 3166-1 alpha-2 code, or null; see <see cref="Find"/>.</summary>
    public string? CountryOf(IPAddress? address) => Find(address).Country;

    private static GeoLocation FromFlat(FlatRecord? record) =>
        record is null ? GeoLocation.Unknown : new(CountryCode(record.CountryCode), NonEmpty(record.State), NonEmpty(record.City));

    private static GeoLocation FromGeoIp2(GeoIp2Record? record) =>
        record is null
            ? GeoLocation.Unknown
            : new(
                CountryCode(record.Country?.IsoCode),
                record.Subdivisions is [var region, ..] ? NonEmpty(region.Names?.English) : null,
                NonEmpty(record.City?.Names?.English));

    /// <summary>Databases carry upper-case codes; anything that is not two ASCII letters is treated as unknown.</summary>
    private static string? CountryCode(string? code) =>
        code is [var a, var b] && char.IsAsciiLetterUpper(a) && char.IsAsciiLetterUpper(b) ? code : null;

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>
    /// Whether the records use the GeoIP2 layout (a "country" map) rather than the flat one ("country_code"),
    /// judged on the first record in the file.
    /// </summary>
    private static bool IsGeoIp2Layout(Reader reader, string path)
    {
        Dictionary<string, object>? first;
        try
        {
            first = reader.FindAll<Dictionary<string, object>>().Select(node => node.Data).FirstOrDefault();
        }
        catch (Exception e) when (e is InvalidDatabaseException or DeserializationException)
        {
            throw new InvalidDataException($"'{Path.GetFullPath(path)}' is not a readable MaxMind DB (.mmdb) file: {e.Message}", e);
        }
        if (first is not null && first.ContainsKey("country_code"))
            return false;
        if (first is not null && (first.ContainsKey("country") || first.ContainsKey("registered_country")))
            return true;
        throw new InvalidDataException(
            $"'{Path.GetFullPath(path)}' ({reader.Metadata.DatabaseType}) holds no countries: its records have neither " +
            "'country' (GeoIP2, GeoLite2, DB-IP) nor 'country_code' (ip-location-db).");
    }

    /// <summary>
    /// False for addresses no database places: unspecified, loopback, private (RFC 1918, RFC 6598 shared, IPv6
    /// unique local), link-local, multicast and reserved.
    /// </summary>
    public static bool IsPublic(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var length))
            return false;
        if (address.AddressFamily == AddressFamily.InterNetwork && length == 4)
        {
            var (a, b) = (bytes[0], bytes[1]);
            return a switch
            {
                0 or 10 or 127 or >= 224 => false,
                100 => b is < 64 or > 127,
                169 => b != 254,
                172 => b is < 16 or > 31,
                192 => b != 168,
                _ => true,
            };
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6 || length != 16)
            return false;
        return !(IPAddress.IPv6Any.Equals(address) || IPAddress.IPv6Loopback.Equals(address) ||
                 address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv6Multicast);
    }

    public void Dispose() => _reader.Dispose();
}
