using System.Globalization;
using Redirector.Text;

namespace Redirector.Clicks;

/// <summary>
/// The languages a click's <see cref="AcceptLanguage"/> value names when it is one ICU knows: the ISO 639-1 codes
/// and the ISO 639-2/3 codes of languages without one (<c>fil</c>, <c>haw</c>), lower case, as its neutral cultures
/// are named. Their English and native names and three-letter codes ("eng") are kept as hints.
/// </summary>
public static class Languages
{
    /// <summary>The codes, and the names that hint at them.</summary>
    public static NamedCodes Codes { get; } = NamedCodes.Of(
        // Neutral cultures also include scripts ("zh-Hans") and the invariant culture (""), which are no primary subtags.
        [.. CultureInfo.GetCultures(CultureTypes.NeutralCultures).Where(culture => culture.Name.Length is 2 or 3 && culture.Name.All(char.IsAsciiLetter))],
        language => language.Name,
        language => [language.EnglishName, language.NativeName, language.ThreeLetterISOLanguageName]);
}
