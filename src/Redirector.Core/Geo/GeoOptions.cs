namespace Redirector.Geo;

/// <summary>Settings of the address-to-place lookup (section "Geo").</summary>
public sealed class GeoOptions
{
    /// <summary>Configuration key of <see cref="DatabasePath"/>, named in start-up errors.</summary>
    public const string DatabasePathKey = "Geo:DatabasePath";

    /// <summary>
    /// A MaxMind-format (<c>.mmdb</c>) database to use instead of the built-in country database, e.g. the
    /// operator's own GeoLite2-City or DB-IP city file; with a city database, region and city are read too.
    /// Relative paths are resolved against the working directory. Empty: the built-in database.
    /// </summary>
    public string? DatabasePath { get; set; }
}
