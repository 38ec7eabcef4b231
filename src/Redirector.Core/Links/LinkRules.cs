using Redirector.Clicks;
using Redirector.Geo;
using Redirector.UserAgents;

namespace Redirector.Links;

/// <summary>How many of the operating systems the counts know an error about an unknown one lists.</summary>
public enum KnownNames
{
    /// <summary>Every one (some 70), alphabetically: the API's answer, whose client may want the list in full.</summary>
    All,

    /// <summary>
    /// The systems most clicks come from, in that order, and "and N more": under a form field or in an import's report,
    /// where the full list buries the error itself.
    /// </summary>
    Common,
}

/// <summary>Validation shared by the API, the admin area and CSV import, keyed by the JSON field names.</summary>
public static class LinkRules
{
    public const int MaxTitleLength = 200;
    public const int MaxTags = 20;
    public const int MaxTagLength = 50;
    public static readonly IReadOnlyList<int> RedirectTypes = [301, 302, 307, 308];

    /// <summary>
    /// A title of at most <see cref="MaxTitleLength"/> characters without control characters (a line break too: it is
    /// one line wherever it is shown), as tags, UTM values and a preview card's headline. Errors are keyed <c>title</c>.
    /// </summary>
    public static void ValidateTitle(string? title, Dictionary<string, string[]> errors)
    {
        if (title is { Length: > MaxTitleLength } || (title is not null && title.Any(char.IsControl)))
            errors["title"] = [$"The title is at most {MaxTitleLength} characters, without control characters."];
    }

    public static List<string> NormalizeTags(IEnumerable<string>? tags, Dictionary<string, string[]> errors)
    {
        var result = new List<string>();
        foreach (var raw in tags ?? [])
        {
            var tag = raw?.Trim();
            if (string.IsNullOrEmpty(tag))
                continue;
            if (tag.Length > MaxTagLength || tag.Contains(',', StringComparison.Ordinal) || tag.Any(char.IsControl))
            {
                errors["tags"] = [$"Tags are at most {MaxTagLength} characters, without commas or control characters."];
                continue;
            }
            if (!result.Contains(tag, StringComparer.OrdinalIgnoreCase))
                result.Add(tag);
        }
        if (result.Count > MaxTags)
            errors["tags"] = [$"At most {MaxTags} tags."];
        return result;
    }

    public static UtmTags NormalizeUtm(UtmTags? utm, Dictionary<string, string[]> errors)
    {
        var clean = (utm ?? new UtmTags()).Normalized();
        string[] names = ["source", "medium", "campaign", "term", "content"];
        for (var i = 0; i < names.Length; i++)
        {
            if (clean[i] is { } value && (value.Length > UtmTags.MaxValueLength || value.Any(char.IsControl)))
                errors["utm." + names[i]] = [$"At most {UtmTags.MaxValueLength} characters, without control characters."];
        }
        return clean;
    }

    public static void ValidateRedirectType(int redirectType, Dictionary<string, string[]> errors)
    {
        if (!RedirectTypes.Contains(redirectType))
            errors["redirectType"] = [$"The redirect type must be one of {string.Join(", ", RedirectTypes)}; {redirectType} is not."];
    }

    public static DateTime? NormalizeExpiry(DateTimeOffset? expiresAt) => expiresAt?.UtcDateTime;

    /// <summary>
    /// Refuses an expiry (UTC) at or before <paramref name="now"/>: the link would be dead at birth, or die at the save.
    /// The error is keyed <c>expiresAt</c> and quotes both times. Callers check only an expiry being set, so that a
    /// link that has expired since can still be edited.
    /// </summary>
    public static void RefusePastExpiry(DateTime? expiresAt, DateTime now, Dictionary<string, string[]> errors)
    {
        if (expiresAt is { } expiry && expiry <= now)
            errors["expiresAt"] = [$"The link would be expired at once: expiresAt {Utc(expiry)} is not after now ({Utc(now)}). Give a later time, or null for no expiry."];
    }

    private static string Utc(DateTime time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The access rules of a link (validFrom, expiresAt, maxClicks, expiredUrl), checked together since they bound each other.</summary>
    public static void ValidateAccess(Link link, Dictionary<string, string[]> errors)
    {
        if (link.ValidFrom is { } from && link.ExpiresAt is { } until && from >= until)
            errors["validFrom"] = ["The link must become valid before it expires."];
        if (link.MaxClicks is < 1)
            errors["maxClicks"] = ["The maximum of clicks is a whole number of at least 1, or null for no maximum."];
    }

    public const int MaxRules = 50;
    public const int MaxVariants = 20;
    public const int MaxWeight = 1_000_000;
    public const int MaxConditionValues = 50;
    public const int MaxConditionLength = 200;
    // How many refused values of one condition an error quotes; it counts the others.
    private const int MaxNamedValues = 10;
    // Browser families are too many (some 600) for an error to list: it names a few of the common ones.
    private const string CommonBrowsers = "Chrome, Chrome Mobile, Mobile Safari, Safari, Firefox, Edge, Samsung Internet, Opera";
    // The systems most clicks come from, in that order, for KnownNames.Common; one the parser's rules do not name is left out.
    private static readonly string[] CommonOs =
        ["iOS", "Android", "Windows", "Mac OS X", "Linux", "Chrome OS", "Ubuntu", "Windows Phone", "KaiOS", "Tizen", "Fedora", "Debian"];

    /// <summary>
    /// Checks and normalises targeting rules: every URL a valid destination; device types, operating systems and
    /// browsers among the values the counts give (any case, stored in the counts' spelling: "ios" becomes "iOS", see
    /// <see cref="UserAgentParser.OsFamilies"/>), countries among <see cref="Countries"/> (upper case), languages among
    /// <see cref="Languages"/> (lower case), each refused one with a hint where one is known ("UK" → 'GB', "english" →
    /// 'en'), a family the counts name but people type meaning another refused too ("Mac OS" → 'Mac OS X', see
    /// <see cref="FamilyAliases.MeansAnother"/>), after before before, at least one condition per rule. Errors are keyed <c>rules</c> and name the rule
    /// (from 1) and its field. An empty list is none (null).
    /// </summary>
    /// <param name="agents">The parser the counts use: its rules name the operating systems and browsers a rule can match.</param>
    /// <param name="listed">Which of the known operating systems an unknown one's error lists.</param>
    public static List<LinkRule>? NormalizeRules(List<LinkRule>? rules, UserAgentParser agents, KnownNames listed, Dictionary<string, string[]> errors)
    {
        if (rules is not { Count: > 0 })
            return null;
        var problems = new List<string>();
        if (rules.Count > MaxRules)
            problems.Add($"At most {MaxRules} rules.");
        var result = new List<LinkRule>(rules.Count);
        for (var i = 0; i < rules.Count && i < MaxRules; i++)
        {
            var rule = rules[i];
            var at = $"Rule {i + 1}: ";
            if (rule is null)
            {
                problems.Add(at + "a rule is an object with \"when\" and \"url\".");
                continue;
            }
            string? url = null;
            if (!DestinationUrl.TryNormalize(rule.Url, out url, out var urlError))
                problems.Add(at + "url: " + urlError);
            var when = rule.When ?? new RuleConditions();
            if (when.IsEmpty)
                problems.Add(at + "give at least one condition in \"when\" (the link's own url is for everyone else).");
            var devices = Values(when.DeviceType, Known(DeviceTypes.Keys),
                bad => at + Refused("deviceType", bad, "is not a device type", "are not device types")
                       + $"; the device types are {string.Join(", ", DeviceTypes.Keys)}.", problems);
            var os = Values(when.Os, v => agents.OsFamilies.TryFind(v, out var family) ? family : null,
                bad => at + Refused("os", bad, "is no operating system the counts name", "are no operating systems the counts name",
                           v => FamilyAliases.Os.Hint(v, agents.OsFamilies))
                       + $"; the operating systems are {OsList(agents.OsFamilies, listed)}.", problems);
            if (os?.Where(FamilyAliases.Os.MeansAnother).Distinct().ToList() is { Count: > 0 } dated)
            {
                // A rule is stored and shown as the counts spell it, so the name meant is asked for rather than put in its place.
                problems.Add(at + Refused("os", dated, "names a system almost no visitor reports now", "name systems almost no visitor reports now",
                    v => FamilyAliases.Os.Hint(v, agents.OsFamilies)) + ".");
                os = null;
            }
            var browsers = Values(when.Browser, v => agents.BrowserFamilies.TryFind(v, out var family) ? family : null,
                bad => at + Refused("browser", bad, "is no browser the counts name", "are no browsers the counts name",
                           v => FamilyAliases.Browser.Hint(v, agents.BrowserFamilies))
                       + $"; browsers are named as the stats name them, such as {CommonBrowsers}.", problems);
            var countries = Values(when.Country, v => Countries.Codes.Contains(v) ? v.ToUpperInvariant() : null,
                bad => at + Refused("country", bad, "is not a country code", "are not country codes", Countries.Codes.Hint)
                       + "; countries are ISO 3166-1 alpha-2 codes such as DE or US.", problems);
            var languages = Values(when.Language, v => Languages.Codes.Contains(v) ? v.ToLowerInvariant() : null,
                bad => at + Refused("language", bad, "is not a primary language subtag", "are not primary language subtags", LanguageHint)
                       + "; languages are ISO 639 codes, two letters where there is one, such as de or en.", problems);
            Dictionary<string, List<string>>? query = null;
            if (when.Query is { Count: > 0 })
            {
                query = new Dictionary<string, List<string>>(StringComparer.Ordinal);
                foreach (var (name, values) in when.Query)
                {
                    if (string.IsNullOrEmpty(name) || name.Length > MaxConditionLength || name.Any(char.IsControl))
                        problems.Add(at + "query parameter names are 1 to " + MaxConditionLength + " characters.");
                    else if (Values(values, v => v, _ => at + $"query \"{name}\" values are 1 to {MaxConditionLength} characters.", problems) is { Count: > 0 } clean)
                        query[name] = clean;
                    else if (values is not { Count: > 0 })
                        problems.Add(at + $"query \"{name}\" needs one or more values.");
                }
            }
            if (when.After is { } after && when.Before is { } before && after >= before)
                problems.Add(at + "after must come before before.");
            result.Add(new LinkRule
            {
                Url = url,
                When = new RuleConditions
                {
                    DeviceType = devices, Os = os, Browser = browsers, Country = countries, Language = languages, Query = query,
                    After = when.After?.ToUniversalTime(), Before = when.Before?.ToUniversalTime(),
                },
            });
        }
        if (problems.Count > 0)
            errors["rules"] = [.. problems];
        return result;
    }

    /// <summary>
    /// Checks an A/B split: 2 to <see cref="MaxVariants"/> variants, each a valid destination (no two alike) with a
    /// whole weight of 1 to <see cref="MaxWeight"/>. Errors are keyed <c>variants</c>. An empty list is none (null).
    /// </summary>
    public static List<LinkVariant>? NormalizeVariants(List<LinkVariant>? variants, Dictionary<string, string[]> errors)
    {
        if (variants is not { Count: > 0 })
            return null;
        var problems = new List<string>();
        if (variants.Count is < 2 or > MaxVariants)
            problems.Add($"A split has 2 to {MaxVariants} variants.");
        var result = new List<LinkVariant>(variants.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < variants.Count; i++)
        {
            var at = $"Variant {i + 1}: ";
            if (variants[i] is not { } variant)
            {
                problems.Add(at + "a variant is an object with \"url\" and \"weight\".");
                continue;
            }
            if (!DestinationUrl.TryNormalize(variant.Url, out var url, out var urlError))
                problems.Add(at + "url: " + urlError);
            else if (!seen.Add(url))
                problems.Add(at + "the same url as another variant.");
            if (variant.Weight is < 1 or > MaxWeight)
                problems.Add(at + $"weight is a whole number from 1 to {MaxWeight}.");
            result.Add(new LinkVariant { Url = url, Weight = variant.Weight });
        }
        if (problems.Count > 0)
            errors["variants"] = [.. problems];
        return result;
    }

    public const int MaxPreviewTitleLength = 200;
    public const int MaxPreviewDescriptionLength = 500;

    /// <summary>
    /// Checks a preview card: title and description without control characters (at most 200 and 500 characters),
    /// the image an absolute http(s) URL. Errors are keyed <c>preview.title</c>, <c>preview.description</c>,
    /// <c>preview.image</c>. A card with no value is none (null).
    /// </summary>
    public static LinkPreview? NormalizePreview(LinkPreview? preview, Dictionary<string, string[]> errors)
    {
        if (preview is null)
            return null;
        var title = string.IsNullOrWhiteSpace(preview.Title) ? null : preview.Title.Trim();
        var description = string.IsNullOrWhiteSpace(preview.Description) ? null : preview.Description.Trim();
        string? image = null;
        if (title is { Length: > MaxPreviewTitleLength } || (title is not null && title.Any(char.IsControl)))
            errors["preview.title"] = [$"At most {MaxPreviewTitleLength} characters, without control characters."];
        if (description is { Length: > MaxPreviewDescriptionLength } || (description is not null && description.Any(c => char.IsControl(c) && c is not '\n')))
            errors["preview.description"] = [$"At most {MaxPreviewDescriptionLength} characters, without control characters."];
        if (!string.IsNullOrWhiteSpace(preview.Image) && !DestinationUrl.TryNormalize(preview.Image, out image, out var imageError))
            errors["preview.image"] = [imageError];
        return title is null && description is null && image is null ? null : new LinkPreview { Title = title, Description = description, Image = image };
    }

    /// <summary>
    /// A condition's values, each trimmed and written as <paramref name="canonical"/> gives it; null (and one problem,
    /// <paramref name="problem"/> of every bad value, quoted, so that one answer names all there are to mend) when a
    /// value is empty, too long, or one it refuses (null).
    /// </summary>
    private static List<string>? Values(List<string>? values, Func<string, string?> canonical, Func<IReadOnlyList<string>, string> problem, List<string> problems)
    {
        if (values is not { Count: > 0 })
            return null;
        var result = new List<string>(values.Count);
        var bad = new List<string>();
        foreach (var raw in values)
        {
            var value = raw?.Trim();
            if (string.IsNullOrEmpty(value) || value.Length > MaxConditionLength || value.Any(char.IsControl) || canonical(value) is not { } clean)
            {
                if (!bad.Contains(Quoted(value)))
                    bad.Add(Quoted(value));
            }
            else
                result.Add(clean);
        }
        if (bad.Count > 0)
        {
            problems.Add(problem(bad));
            return null;
        }
        if (result.Count > MaxConditionValues)
            problems.Add($"At most {MaxConditionValues} values per condition.");
        return result;
    }

    /// <summary>
    /// A field's refused values for its error, each with its hint: <c>os "iOSS" is {one}{hint}</c> for one, <c>os "iOSS"
    /// (hint) and "Andriod" (hint) are {many}</c> for several, past <see cref="MaxNamedValues"/> "and N more".
    /// </summary>
    private static string Refused(string field, IReadOnlyList<string> bad, string one, string many, Func<string, string>? hint = null)
    {
        hint ??= _ => "";
        if (bad is [var only])
            return $"{field} \"{only}\" {one}{hint(only)}";
        // Hundreds of bad values get an error of bounded length, not each of them quoted back.
        var named = bad.Take(MaxNamedValues).Select(v => $"\"{v}\"{hint(v)}").ToList();
        return bad.Count > MaxNamedValues
            ? $"{field} {string.Join(", ", named)} and {bad.Count - MaxNamedValues} more {many}"
            : $"{field} {string.Join(", ", named[..^1])} and {named[^1]} {many}";
    }

    private static string OsList(KnownFamilies os, KnownNames listed)
    {
        if (listed == KnownNames.All)
            return string.Join(", ", Offered(os));
        var (common, others) = SplitOsList(os);
        return $"{string.Join(", ", common)} {MoreOs(others)}";
    }

    /// <summary>
    /// The operating systems a <see cref="KnownNames.Common"/> list names (the common ones the parser knows, in the
    /// order most clicks come from) and the others its "and N more" stands for (alphabetical).
    /// </summary>
    public static (IReadOnlyList<string> Common, IReadOnlyList<string> Others) SplitOsList(KnownFamilies os)
    {
        var common = CommonOs.Where(family => os.TryFind(family, out _)).ToList();
        return (common, [.. Offered(os).Where(family => !common.Contains(family))]);
    }

    // A family the counts name but rules refuse (FamilyAliases.MeansAnother: "Mac OS") is not offered as a choice.
    private static IEnumerable<string> Offered(KnownFamilies os) => os.All.Where(family => !FamilyAliases.Os.MeansAnother(family));

    /// <summary>The "and N more" of a <see cref="KnownNames.Common"/> list, for <paramref name="others"/>.</summary>
    public static string MoreOs(IReadOnlyList<string> others) => $"and {others.Count} more";

    /// <summary>A language's hint: the code its name or other code stands for, or the primary subtag of a whole tag ("de-DE").</summary>
    private static string LanguageHint(string value) =>
        value.IndexOfAny(['-', '_']) is > 0 and var end && Languages.Codes.Contains(value[..end])
            ? $" (did you mean '{value[..end].ToLowerInvariant()}'?)"
            : Languages.Codes.Hint(value);

    /// <summary>The value in a closed set of lower-case keys, in their spelling; null for another.</summary>
    private static Func<string, string?> Known(IReadOnlyList<string> keys) =>
        value => keys.FirstOrDefault(k => string.Equals(k, value, StringComparison.OrdinalIgnoreCase));

    /// <summary>A value as an error quotes it: its first 64 characters, without control characters.</summary>
    private static string Quoted(string? value) =>
        value is null ? "" : new string([.. value.Take(64).Select(c => char.IsControl(c) ? '?' : c)]) + (value.Length > 64 ? "…" : "");

    /// <summary>An empty expired URL means none (the domain's or the 404 page); any other must be a valid destination.</summary>
    public static string? NormalizeExpiredUrl(string? expiredUrl, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(expiredUrl))
            return null;
        if (DestinationUrl.TryNormalize(expiredUrl, out var normalized, out var error))
            return normalized;
        errors["expiredUrl"] = [error];
        return null;
    }
}
