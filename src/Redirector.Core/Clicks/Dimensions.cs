using Redirector.Bots;
using Redirector.Geo;
using Redirector.Links;
using Redirector.UserAgents;

namespace Redirector.Clicks;

/// <summary>The subjects that counters are kept for (see docs/redis-keys.md).</summary>
[Flags]
public enum Subjects
{
    None = 0,
    Global = 1,
    Link = 2,
    Domain = 4,
    Page = 8,
    All = Global | Link | Domain | Page,
}

/// <summary>What the rows of <see cref="Dimensions"/> extract a value from: one click and what the enricher parsed of it once.</summary>
public readonly struct ClickFacts
{
    internal ClickFacts(RawClick raw, UserAgentInfo agent, UtmTags utm, string? referrer, string? referrerPage, string referrerDomain, string? link,
        GeoLocation place, bool placesCities, BotKind? bot)
    {
        Raw = raw;
        Agent = agent;
        Utm = utm;
        Referrer = referrer;
        ReferrerPage = referrerPage;
        ReferrerDomain = referrerDomain;
        Link = link;
        Place = place;
        PlacesCities = placesCities;
        Bot = bot;
    }

    public RawClick Raw { get; }
    public UserAgentInfo Agent { get; }

    /// <summary>The link's UTM tags merged with the request's (the request's win).</summary>
    public UtmTags Utm { get; }

    /// <summary>The cleaned referrer URL, its page (no query) and its domain ("(direct)" without one).</summary>
    public string? Referrer { get; }

    public string? ReferrerPage { get; }
    public string ReferrerDomain { get; }

    /// <summary>The catalogue link's id as text, one instance per link; null for an outbound click.</summary>
    public string? Link { get; }

    /// <summary>Where the visitor is: a trusted header's country, else the client address's place; unknown for bots, which are not looked up.</summary>
    public GeoLocation Place { get; }

    /// <summary>Whether the geo database places regions and cities (<c>Geo:DatabasePath</c> names a city database).</summary>
    public bool PlacesCities { get; }

    /// <summary>The kind of bot: by the agent, the network or the burst rule (docs/bots.md); null for a person.</summary>
    public BotKind? Bot { get; }

    /// <summary>Counted as a bot, never as a click: a browser agent from a hosting network is one too.</summary>
    public bool IsBot => Bot is not null;
}

/// <summary>Reads a dimension's value from a click: capped and cleaned, or null when the click has none.</summary>
public delegate string? DimensionValue(in ClickFacts click);

/// <summary>
/// One breakdown of clicks: a row of <see cref="Dimensions"/>. Its <see cref="Index"/> is its place in a click's
/// values (<see cref="ClickShape.Values"/>).
/// </summary>
public sealed class Dimension
{
    internal Dimension(string name, string prefix, string title, Subjects countedFor, DimensionValue? value)
    {
        Index = Dimensions.Register(this);
        Name = name;
        Prefix = prefix;
        Title = title;
        CountedFor = countedFor;
        Value = value;
    }

    public int Index { get; }

    /// <summary>The name in CSV export URLs ("/admin/export/UtmSource.csv") and in code.</summary>
    public string Name { get; }

    /// <summary>The property in stats answers ("utmSources"); null when the stats JSON does not list it.</summary>
    public string? JsonName { get; init; }

    /// <summary>The two letters before ":" in its Redis hash fields ("us:newsletter"); never change one that has data.</summary>
    public string Prefix { get; }

    /// <summary>The heading of its table in the admin area.</summary>
    public string Title { get; }

    /// <summary>The subjects whose day hashes count it.</summary>
    public Subjects CountedFor { get; }

    /// <summary>Subjects that do not store it but derive it when read (a link's source pages are its referrers' pages).</summary>
    public Subjects DerivedFor { get; init; }

    /// <summary>Counted for bots too (the device type "dt:bot" and the bot kinds); every other breakdown counts people.</summary>
    public bool CountsBots { get; init; }

    /// <summary>Has values for bots alone (the bot kinds): its shares are of the bots, not of the clicks.</summary>
    public bool OnlyBots { get; init; }

    /// <summary>Its values are URLs, stored without a leading "https://".</summary>
    public bool HoldsUrl { get; init; }

    /// <summary>Listed among a subject's breakdowns in the admin area.</summary>
    public bool InAdmin { get; init; }

    /// <summary>The property in raw-log entries and the raw-click CSV column; null when raw clicks leave it out.</summary>
    public string? RawName { get; init; }

    /// <summary>
    /// Counted per value of another dimension: its field is "other value\nvalue" (a link text per target URL), and
    /// a click without the other value does not count it.
    /// </summary>
    public Dimension? Per { get; init; }

    /// <summary>How it is read from a click; null for one that clicks do not carry (page views).</summary>
    public DimensionValue? Value { get; }

    /// <summary>
    /// A filter's value written as clicks hold it ("de" is the country "DE", "Desktop" the device type "desktop", "ios"
    /// the OS "iOS"), so that a filter of the same value in another case does not silently match nothing; null to match
    /// as given. OS and browser names are spelt as the embedded user-agent rules name them (<see cref="KnownFamilies"/>);
    /// a name they do not list (a family copied from free text, or one only a newer <c>UserAgents:RegexesPath</c> file
    /// names) is matched as given.
    /// </summary>
    public Func<string, string>? FilterValue { get; init; }

    /// <summary>Every value clicks can hold, for a dimension with a closed set (device types, bot kinds): a filter of another is refused.</summary>
    public IReadOnlyList<string>? KnownValues { get; init; }

    public bool IsCountedFor(Subjects subject) => (CountedFor & subject) != 0;

    /// <summary>Whether a subject's stats hold it, counted or derived.</summary>
    public bool IsAnsweredFor(Subjects subject) => ((CountedFor | DerivedFor) & subject) != 0;

    public override string ToString() => Name;
}

/// <summary>
/// Every breakdown of clicks, one row each: adding one is capturing its value on the request (<see cref="RawClick"/>)
/// and adding a row here. The enricher, the batch builder, the Redis key schema, the stats JSON, the CSV exports,
/// the admin titles and the raw-click log iterate this table. Rows are listed in the admin's order.
/// </summary>
public static class Dimensions
{
    private static readonly List<Dimension> Rows = [];

    public static readonly Dimension Link = new("Link", "ln", "Top links", Subjects.Global | Subjects.Domain | Subjects.Page, (in ClickFacts c) => c.Link)
    {
        InAdmin = true,
    };

    public static readonly Dimension DestinationDomain = new("DestinationDomain", "dd", "Destination domains", Subjects.Global | Subjects.Page,
        (in ClickFacts c) => c.Raw.DestinationDomain)
    {
        InAdmin = true, RawName = "domain",
    };

    public static readonly Dimension SourcePage = new("SourcePage", "sp", "Source pages", Subjects.Global | Subjects.Domain,
        (in ClickFacts c) => ClickEnricher.WebUrl(c.Raw.SourcePage, keepQuery: false) ?? c.ReferrerPage)
    {
        // A link's clicks come from its short URL, whose source page is the referrer's page: the reader derives it
        // from the referrer fields, so a link-day stores no copy.
        DerivedFor = Subjects.Link, JsonName = "sourcePages", HoldsUrl = true, InAdmin = true, RawName = "sourcePage",
    };

    public static readonly Dimension ReferrerDomain = new("ReferrerDomain", "rd", "Referrer domains", Subjects.All, (in ClickFacts c) => c.ReferrerDomain)
    {
        JsonName = "referrerDomains", InAdmin = true,
    };

    public static readonly Dimension Referrer = new("Referrer", "rf", "Referrers", Subjects.All, (in ClickFacts c) => c.Referrer)
    {
        JsonName = "referrers", HoldsUrl = true, InAdmin = true, RawName = "referrer",
    };

    public static readonly Dimension UtmSource = new("UtmSource", "us", "UTM source", Subjects.All, (in ClickFacts c) => Utm(c.Utm.Source))
    {
        JsonName = "utmSources", InAdmin = true, RawName = "utmSource",
    };

    public static readonly Dimension UtmMedium = new("UtmMedium", "um", "UTM medium", Subjects.All, (in ClickFacts c) => Utm(c.Utm.Medium))
    {
        JsonName = "utmMediums", InAdmin = true, RawName = "utmMedium",
    };

    public static readonly Dimension UtmCampaign = new("UtmCampaign", "uc", "UTM campaign", Subjects.All, (in ClickFacts c) => Utm(c.Utm.Campaign))
    {
        JsonName = "utmCampaigns", InAdmin = true, RawName = "utmCampaign",
    };

    public static readonly Dimension UtmTerm = new("UtmTerm", "ut", "UTM term", Subjects.All, (in ClickFacts c) => Utm(c.Utm.Term))
    {
        JsonName = "utmTerms", RawName = "utmTerm",
    };

    public static readonly Dimension UtmContent = new("UtmContent", "ux", "UTM content", Subjects.All, (in ClickFacts c) => Utm(c.Utm.Content))
    {
        JsonName = "utmContents", RawName = "utmContent",
    };

    public static readonly Dimension DeviceType = new("DeviceType", "dt", "Device types", Subjects.All,
        (in ClickFacts c) => c.IsBot ? UserAgents.DeviceType.Bot.ToKey() : c.Agent.DeviceType.ToKey())
    {
        JsonName = "deviceTypes", CountsBots = true, InAdmin = true, RawName = "device",
        FilterValue = Lowercase, KnownValues = DeviceTypes.Keys,
    };

    /// <summary>What kind of machine each bot was ("preview", "crawler", "scanner"...; docs/bots.md); bots only.</summary>
    public static readonly Dimension BotKind = new("BotKind", "bk", "Bot kinds", Subjects.All, (in ClickFacts c) => c.Bot?.ToKey())
    {
        JsonName = "botKinds", CountsBots = true, OnlyBots = true, InAdmin = true, RawName = "botKind",
        FilterValue = Lowercase, KnownValues = [.. Enum.GetValues<Bots.BotKind>().Select(k => k.ToKey())],
    };

    public static readonly Dimension Os = new("Os", "os", "Operating systems", Subjects.All, (in ClickFacts c) => c.Agent.Os.Family)
    {
        JsonName = "operatingSystems", InAdmin = true, RawName = "os",
        FilterValue = value => UserAgentParser.Default.OsFamilies.SpellingOf(value),
    };

    public static readonly Dimension Browser = new("Browser", "br", "Browsers", Subjects.All, (in ClickFacts c) => c.Agent.Browser.Family)
    {
        JsonName = "browsers", InAdmin = true, RawName = "browser",
        FilterValue = value => UserAgentParser.Default.BrowserFamilies.SpellingOf(value),
    };

    public static readonly Dimension Country = new("Country", "cc", "Countries", Subjects.All,
        (in ClickFacts c) => c.IsBot ? null : c.Place.Country ?? ClickEnricher.UnknownPlace)
    {
        JsonName = "countries", InAdmin = true, RawName = "country",
        // ISO 3166 codes are upper case; "(unknown)" stays as it is.
        FilterValue = value => value.Length == 2 ? value.ToUpperInvariant() : value,
    };

    /// <summary>
    /// The first-level subdivision (state, province, England...) and its country, "England, GB": region names repeat
    /// across countries (Limburg is in the Netherlands and in Belgium, Georgia is a state and a country), so the code
    /// makes a row read as one place. Only with a city database; people only.
    /// </summary>
    public static readonly Dimension Region = new("Region", "rg", "Regions", Subjects.All,
        (in ClickFacts c) => c.IsBot || !c.PlacesCities ? null : PlaceIn(c.Place.Region, c.Place.Country))
    {
        JsonName = "regions", RawName = "region",
    };

    /// <summary>
    /// The city and its country, "London, GB": city names repeat across countries (Paris, FR and Paris, US; London,
    /// GB and London, CA), and a marketer reading "Paris" alone could not tell them apart. The region is left out
    /// to keep rows short; it has its own breakdown. Only with a city database; people only.
    /// </summary>
    public static readonly Dimension City = new("City", "ci", "Cities", Subjects.All,
        (in ClickFacts c) => c.IsBot || !c.PlacesCities ? null : PlaceIn(c.Place.City, c.Place.Country))
    {
        JsonName = "cities", InAdmin = true, RawName = "city",
    };

    public static readonly Dimension Language = new("Language", "lg", "Languages", Subjects.All, (in ClickFacts c) => AcceptLanguage.PrimaryOf(c.Raw.AcceptLanguage))
    {
        JsonName = "languages", InAdmin = true, RawName = "language",
        FilterValue = Lowercase,
    };

    /// <summary>
    /// How the visitor reached a catalogue link: <c>qr</c> when the request carries the QR marker (<c>qr=1</c>, which
    /// the service's QR codes add to the short URL they encode, see <see cref="Qr.QrMarker"/>), else <c>link</c>. Read
    /// from the query the click already carries, so the redirect captures nothing more. Outbound clicks have none.
    /// </summary>
    public static readonly Dimension Via = new("Via", "vi", "Link or QR code", Subjects.All,
        (in ClickFacts c) => c.Link is null ? null : Qr.QrMarker.IsIn(c.Raw.Query) ? "qr" : "link")
    {
        JsonName = "via", InAdmin = true, RawName = "via",
    };

    public static readonly Dimension TargetUrl = new("TargetUrl", "tu", "Target URLs", Subjects.All,
        (in ClickFacts c) => ClickEnricher.CapUrl(c.Raw.TargetUrl, ClickEnricher.MaxReferrerLength))
    {
        HoldsUrl = true, RawName = "target",
    };

    public static readonly Dimension LinkText = new("LinkText", "tx", "Link texts", Subjects.All,
        (in ClickFacts c) => ClickEnricher.Cap(c.Raw.LinkText?.Trim(), ClickEnricher.MaxLinkTextLength))
    {
        Per = TargetUrl, HoldsUrl = true, RawName = "text",
    };

    /// <summary>The side of a link's A/B split a click went to (the variant's URL); only on the link's own stats.</summary>
    public static readonly Dimension Variant = new("Variant", "va", "Variants", Subjects.Link,
        (in ClickFacts c) => ClickEnricher.CapUrl(c.Raw.Variant, ClickEnricher.MaxReferrerLength))
    {
        JsonName = "variants", HoldsUrl = true, InAdmin = true, RawName = "variant",
    };

    /// <summary>
    /// Visits a link refused (disabled, expired, not yet valid, used up: <see cref="Refusals"/>), by reason: counted
    /// apart from clicks, on the link and globally. A refused visit adds to no other field of the day (see
    /// <see cref="IsRefused"/>).
    /// </summary>
    public static readonly Dimension Refused = new("Refused", "rv", "Refused visits", Subjects.Global | Subjects.Link, (in ClickFacts c) => c.Raw.Refusal)
    {
        JsonName = "refused",
    };

    /// <summary>Page views reported by the tracker script, per page, on the global subject: the denominator of a page's exit rate.</summary>
    public static readonly Dimension PageViews = new("PageViews", "pv", "Page views", Subjects.Global, value: null) { HoldsUrl = true };

    /// <summary>A refused visit rather than a click: it counts its refusal and nothing else.</summary>
    public static bool IsRefused(in ClickShape shape) => shape.Values[Refused.Index] is not null;

    private static string Lowercase(string value) => value.ToLowerInvariant();

    /// <summary>Every row, by <see cref="Dimension.Index"/>.</summary>
    public static IReadOnlyList<Dimension> All => Rows;

    public static int Count => Rows.Count;

    /// <summary>The rows that clicks carry a value for, in index order.</summary>
    public static IReadOnlyList<Dimension> OfClicks => ClickRows;

    // An array for the per-click loops: a foreach over the interface would allocate an enumerator per click.
    internal static readonly Dimension[] ClickRows = [.. Rows.Where(d => d.Value is not null)];

    public static Dimension? ByName(string name) => Rows.Find(d => d.Name == name);

    public static Dimension? ByPrefix(ReadOnlySpan<char> prefix)
    {
        foreach (var row in Rows)
        {
            if (prefix.SequenceEqual(row.Prefix))
                return row;
        }
        return null;
    }

    internal static int Register(Dimension dimension)
    {
        Rows.Add(dimension);
        return Rows.Count - 1;
    }

    private static string? Utm(string? value) => ClickEnricher.Cap(value, UtmTags.MaxValueLength);

    /// <summary>"Name, CC" from a database's name (capped: names are the database's, not checked); the name alone without a country.</summary>
    private static string PlaceIn(string? name, string? country) =>
        ClickEnricher.Cap(name, MaxPlaceNameLength) is not { } capped ? ClickEnricher.UnknownPlace
        : country is null ? capped
        : $"{capped}, {country}";

    private const int MaxPlaceNameLength = 100;
}
