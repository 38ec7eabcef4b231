namespace Redirector.Clicks;

/// <summary>
/// An enriched click: every value capped and cleaned, ready to be counted. Two clicks with equal values
/// (all but time and visitor) are counted together, so the batch's Redis work grows with distinct values.
/// </summary>
public readonly record struct ClickShape(
    string Day,
    int Hour,
    long LinkId,
    string DestinationDomain,
    string ReferrerDomain,
    string? Referrer,
    string? SourcePage,
    string? UtmSource,
    string? UtmMedium,
    string? UtmCampaign,
    string? UtmTerm,
    string? UtmContent,
    string DeviceType,
    string Os,
    string Browser,
    string? Country,
    string? TargetUrl,
    string? LinkText,
    bool IsBot,
    bool IsPageView = false);

/// <param name="VisitorHash">The first 64 bits of the visitor's HMAC; none for bots and page views.</param>
public readonly record struct Click(DateTime Time, ClickShape Shape, ulong? VisitorHash);
