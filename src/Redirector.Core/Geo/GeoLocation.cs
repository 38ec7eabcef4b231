namespace Redirector.Geo;

/// <summary>
/// Where an address is, as far as the database knows: <paramref name="Country"/> is an upper-case ISO 3166-1
/// alpha-2 code; <paramref name="Region"/> (first-level subdivision) and <paramref name="City"/> are English
/// names and only come from city databases. Each part is null when unknown.
/// </summary>
public readonly record struct GeoLocation(string? Country, string? Region, string? City)
{
    public static GeoLocation Unknown => default;
}
