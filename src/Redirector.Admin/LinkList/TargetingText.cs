using System.Globalization;
using System.Security.Claims;
using Redirector.Admin.Access;
using Redirector.Links;

namespace Redirector.Admin.LinkList;

/// <summary>A link's targeting rules and A/B split in words, as its page sums them up.</summary>
public static class TargetingText
{
    /// <summary>
    /// A rule's conditions, all of which must hold: "iOS", "country DE or AT, language de", "?ref=mail",
    /// "from 2030-01-01 00:00 UTC". Operating systems, device types and browsers go without a name, since each
    /// value names itself ("iOS", "tablet", "Chrome"); codes and times say what they are.
    /// </summary>
    public static string Conditions(RuleConditions when, ClaimsPrincipal? user)
    {
        var parts = new List<string>();
        Add(parts, "", when.Os);
        Add(parts, "", when.DeviceType);
        Add(parts, "", when.Browser);
        Add(parts, "country ", when.Country);
        Add(parts, "language ", when.Language);
        foreach (var (name, values) in when.Query ?? [])
            Add(parts, $"?{name}=", values);
        if (when.After is { } after)
            parts.Add("from " + DisplayTimeZone.Format(after.UtcDateTime, user));
        if (when.Before is { } before)
            parts.Add("before " + DisplayTimeZone.Format(before.UtcDateTime, user));
        return string.Join(", ", parts);
    }

    private static void Add(List<string> parts, string name, List<string>? values)
    {
        if (values is { Count: > 0 })
            parts.Add(name + string.Join(" or ", values));
    }

    /// <summary>Each variant with its share of the visitors in percent (its weight over the sum of weights), in order.</summary>
    public static IEnumerable<(LinkVariant Variant, string Share)> Shares(IReadOnlyList<LinkVariant> variants)
    {
        var total = variants.Sum(v => (long)v.Weight);
        return variants.Select(v => (v, total == 0 ? "0%" : (100.0 * v.Weight / total).ToString("0.#", CultureInfo.InvariantCulture) + "%"));
    }
}
