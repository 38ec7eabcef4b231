using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Redirector.Clicks;

/// <summary>What a set of counters is about: one link, one destination domain, one source page, or everything.</summary>
public readonly record struct StatsSubject(char Kind, string Id)
{
    public static readonly StatsSubject Global = new('g', "");

    public static StatsSubject Link(long linkId) => new('l', linkId.ToString(CultureInfo.InvariantCulture));

    public static StatsSubject Domain(string domain) => new('d', domain);

    /// <summary>Pages are keyed by a hash: URLs are long and may hold characters keys should not.</summary>
    public static StatsSubject Page(string page) =>
        new('p', Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(page)), 0, 8));

    public string Tag => Kind == 'g' ? "{g}" : $"{{{Kind}:{Id}}}";

    /// <summary>Which of the <see cref="Subjects"/> this is, as the rows of <see cref="Dimensions"/> name them.</summary>
    public Subjects Scope => Kind switch
    {
        'g' => Subjects.Global,
        'l' => Subjects.Link,
        'd' => Subjects.Domain,
        'p' => Subjects.Page,
        _ => Subjects.None,
    };
}

/// <summary>
/// The Redis key schema (documented in docs/redis-keys.md). Every key of one subject carries the subject's
/// hash tag, so on a cluster all of a subject's keys live in one slot and one script call can touch them.
/// </summary>
public sealed class StatsKeys(IOptions<RedisOptions> options)
{
    private readonly string _prefix = options.Value.KeyPrefix;
    private readonly bool _cluster = options.Value.Cluster;

    // Most counted URLs are https: their fields leave the scheme out (Redis memory), and the reader puts it back.
    private const string ImpliedScheme = "https://";

    /// <summary>A breakdown's hash field: "prefix:value" (see <see cref="Dimension.Prefix"/>).</summary>
    public static string Field(Dimension dimension, string value) =>
        dimension.HoldsUrl && value.StartsWith(ImpliedScheme, StringComparison.Ordinal)
            ? string.Concat(dimension.Prefix, ":", value.AsSpan(ImpliedScheme.Length))
            : dimension.Prefix + ":" + value;

    /// <summary>The counted value of a field written by <see cref="Field"/>, given what follows its "prefix:".</summary>
    public static string ValueOf(Dimension dimension, ReadOnlySpan<char> stored) =>
        dimension.HoldsUrl && !stored.StartsWith("http://", StringComparison.Ordinal) && !stored.StartsWith(ImpliedScheme, StringComparison.Ordinal)
            ? string.Concat(ImpliedScheme, stored)
            : stored.ToString();

    /// <summary>The day's name in keys; remembered, since nearly every click of a batch falls on the same day.</summary>
    public static string DayOf(DateTime utc)
    {
        var dayNumber = DateOnly.FromDateTime(utc).DayNumber;
        if (_lastDay is { } last && last.DayNumber == dayNumber)
            return last.Name;
        var name = utc.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        _lastDay = new DayName(dayNumber, name);
        return name;
    }

    private static DayName? _lastDay;

    private sealed record DayName(int DayNumber, string Name);

    /// <summary>Clicks, bots, clicks per hour ("h00".."h23"), page views ("pv") and every breakdown of one subject on one day.</summary>
    public string Day(StatsSubject subject, string day) => $"{_prefix}:{subject.Tag}:d:{day}";

    /// <summary>HyperLogLog of the visitor hashes of one subject on one day (people only, not bots).</summary>
    public string Visitors(StatsSubject subject, string day) => $"{_prefix}:{subject.Tag}:u:{day}";

    /// <summary>All-time clicks ("c") and bots ("b") of one subject.</summary>
    public string Totals(StatsSubject subject) => $"{_prefix}:{subject.Tag}:t";

    /// <summary>Clicks of a link's <c>maxClicks</c> granted to nodes so far (an integer; see ClickAllowanceLeaser).</summary>
    public string ClickGrants(long linkId) => $"{_prefix}:{StatsSubject.Link(linkId).Tag}:m";

    /// <summary>The capped stream of recent clicks, one entry per batch.</summary>
    public string RawLog => $"{_prefix}:{{g}}:x";

    /// <summary>
    /// On a single server, the number of units the writes of a range of batches are split into: a link click's
    /// writes (its link's counters and its share of everything else's) go to the unit of its link id's remainder.
    /// Fixed, since the applied markers are per unit: a range Redis took part of is finished unit by unit.
    /// </summary>
    public const int LinkUnits = 16;

    /// <summary>Per writing node, the sequence number of the last batch applied to this unit: makes replays idempotent.</summary>
    public string Applied(string unit) => $"{_prefix}:{unit}:a";

    /// <summary>
    /// The unit (one script call, applied atomically, with its own <see cref="Applied"/> marker) that writes the
    /// counters of <paramref name="subject"/> for a click on <paramref name="linkId"/> (null for page views and
    /// outbound clicks): the subject on a cluster, whose keys share its hash tag's slot; otherwise the link's unit
    /// ("{g}:0" to "{g}:15", page views and outbound clicks in "{g}:0").
    /// </summary>
    public string UnitOf(StatsSubject subject, long? linkId) =>
        _cluster ? subject.Tag : UnitNames[(int)((ulong)(linkId ?? 0) % LinkUnits)];

    private static readonly string[] UnitNames = [.. Enumerable.Range(0, LinkUnits).Select(u => "{g}:" + u.ToString(CultureInfo.InvariantCulture))];
}
