using System.Globalization;
using Redirector.Text;

namespace Redirector.Geo;

/// <summary>
/// The countries a click can be counted in: the ISO 3166-1 alpha-2 regions of the cultures ICU knows (some 250,
/// with <c>XK</c>, Kosovo, as the geo databases write it), upper case. Territories without a culture of their own
/// (Antarctica <c>AQ</c>, Bouvet Island <c>BV</c>...) are not among them. Their English and native names and
/// three-letter codes, and "UK", are kept as hints.
/// </summary>
public static class Countries
{
    /// <summary>The codes, and the names that hint at them.</summary>
    public static NamedCodes Codes { get; } = NamedCodes.Of(
        [.. CultureInfo.GetCultures(CultureTypes.SpecificCultures)
            .Select(culture => new RegionInfo(culture.Name))
            // Some cultures are of a continent or the world ("es-419", "en-001"), which no click is counted in.
            .Where(region => region.TwoLetterISORegionName is [var a, var b] && char.IsAsciiLetter(a) && char.IsAsciiLetter(b))
            .DistinctBy(region => region.TwoLetterISORegionName)],
        region => region.TwoLetterISORegionName,
        region => [region.EnglishName, region.NativeName, region.ThreeLetterISORegionName],
        // "UK" is the United Kingdom's top-level domain and common name, but ISO's code is GB.
        ("UK", "GB"));
}
