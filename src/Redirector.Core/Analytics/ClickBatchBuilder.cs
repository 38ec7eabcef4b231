using System.Globalization;
using System.Text;
using System.Text.Json;
using Redirector.Clicks;

namespace Redirector.Analytics;

/// <summary>
/// Collects enriched clicks and turns them into script calls: clicks with equal values are counted once with
/// their number (500 clicks on one link and day become one HINCRBY of 500), visitors of one subject and day
/// become one PFADD, and the batch's clicks become one raw-log entry.
/// </summary>
public sealed class ClickBatchBuilder(StatsKeys keys, AnalyticsOptions options)
{
    // Lua's unpack has a stack limit of a few thousand values; PFADDs are split below it.
    private const int MaxPfAddMembers = 1000;
    private const int VisitorDigits = 16;

    private readonly Dictionary<ClickShape, Group> _shapes = [];
    private int _rawClicks;

    public int Count { get; private set; }

    public void Add(in Click click)
    {
        ref var group = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_shapes, click.Shape, out _);
        group.Count++;
        if (click.VisitorHash is { } visitor)
            (group.Visitors ??= []).Add(visitor);
        if (_rawClicks < options.RawClicksPerEntry && !click.Shape.IsPageView)
        {
            (group.Times ??= []).Add(click.Time);
            _rawClicks++;
        }
        Count++;
    }

    public ClickBatch Build(string node, long sequence)
    {
        var calls = new Dictionary<string, CallBuilder>(StringComparer.Ordinal);
        CallBuilder CallFor(StatsSubject subject)
        {
            var group = keys.GroupOf(subject);
            if (!calls.TryGetValue(group, out var call))
                calls[group] = call = new CallBuilder(keys.Applied(group));
            return call;
        }

        foreach (var (shape, group) in _shapes)
        {
            var expiry = ExpiryOf(shape.Day);
            if (shape.IsPageView)
            {
                // Views are only the denominator of a page's outbound click rate: never clicks, and bots' views are not views.
                if (!shape.IsBot && shape.SourcePage is { } viewed)
                {
                    IncrementDay(CallFor(StatsSubject.Page(viewed)), StatsSubject.Page(viewed), shape.Day, "pv", group.Count, expiry);
                    IncrementDay(CallFor(StatsSubject.Global), StatsSubject.Global, shape.Day, StatsKeys.Field(Dimension.PageViews, viewed), group.Count, expiry);
                }
                continue;
            }
            foreach (var subject in SubjectsOf(shape))
            {
                var call = CallFor(subject);
                var day = keys.Day(subject, shape.Day);
                var totals = keys.Totals(subject);
                call.Expire(day, expiry);
                if (shape.IsBot)
                {
                    call.Increment(day, "b", group.Count);
                    call.Increment(day, StatsKeys.Field(Dimension.DeviceType, shape.DeviceType), group.Count);
                    call.Increment(totals, "b", group.Count);
                    continue;
                }
                call.Increment(day, "c", group.Count);
                call.Increment(day, "h" + shape.Hour.ToString("D2", CultureInfo.InvariantCulture), group.Count);
                call.Increment(totals, "c", group.Count);
                foreach (var (dimension, value) in DimensionsOf(shape, subject.Kind))
                    call.Increment(day, StatsKeys.Field(dimension, value), group.Count);
                if (group.Visitors is { } visitors)
                {
                    var visitorKey = keys.Visitors(subject, shape.Day);
                    call.AddVisitors(visitorKey, visitors);
                    call.Expire(visitorKey, expiry);
                }
            }
        }
        if (_rawClicks > 0)
            CallFor(StatsSubject.Global).AppendRaw(keys.RawLog, options.RawLogEntries, RawPayload());

        return new ClickBatch(node, sequence, Count, calls.Values.Select(c => c.Build(node, sequence)).ToList());
    }

    private void IncrementDay(CallBuilder call, StatsSubject subject, string day, string field, long amount, long expiry)
    {
        var key = keys.Day(subject, day);
        call.Increment(key, field, amount);
        call.Expire(key, expiry);
    }

    private long ExpiryOf(string day) =>
        new DateTimeOffset(DateTime.ParseExact(day, "yyyyMMdd", CultureInfo.InvariantCulture), TimeSpan.Zero)
            .AddDays(options.RetentionDays + 1).ToUnixTimeSeconds();

    private static IEnumerable<StatsSubject> SubjectsOf(ClickShape shape)
    {
        yield return StatsSubject.Global;
        if (shape.LinkId > 0)
            yield return StatsSubject.Link(shape.LinkId);
        yield return StatsSubject.Domain(shape.DestinationDomain);
        if (shape.SourcePage is { } page)
            yield return StatsSubject.Page(page);
    }

    /// <summary>The breakdowns of a click, minus those that are constant for the subject (a link's own domain...).</summary>
    private static IEnumerable<(Dimension, string)> DimensionsOf(ClickShape shape, char subjectKind)
    {
        yield return (Dimension.ReferrerDomain, shape.ReferrerDomain);
        if (shape.Referrer is { } referrer)
            yield return (Dimension.Referrer, referrer);
        // A link's clicks come from its short URL, whose source page is the referrer's page: the reader derives it
        // from the referrer fields, so a link-day stores no copy (an eighth of its memory).
        if (shape.SourcePage is { } page && subjectKind is not ('p' or 'l'))
            yield return (Dimension.SourcePage, page);
        if (shape.UtmSource is { } source)
            yield return (Dimension.UtmSource, source);
        if (shape.UtmMedium is { } medium)
            yield return (Dimension.UtmMedium, medium);
        if (shape.UtmCampaign is { } campaign)
            yield return (Dimension.UtmCampaign, campaign);
        if (shape.UtmTerm is { } term)
            yield return (Dimension.UtmTerm, term);
        if (shape.UtmContent is { } content)
            yield return (Dimension.UtmContent, content);
        yield return (Dimension.DeviceType, shape.DeviceType);
        yield return (Dimension.Os, shape.Os);
        yield return (Dimension.Browser, shape.Browser);
        if (shape.Country is { } country)
            yield return (Dimension.Country, country);
        if (shape.LinkId > 0 && subjectKind != 'l')
            yield return (Dimension.Link, shape.LinkId.ToString(CultureInfo.InvariantCulture));
        if (subjectKind is 'g' or 'p')
            yield return (Dimension.DestinationDomain, shape.DestinationDomain);
        if (shape.TargetUrl is { } target)
        {
            yield return (Dimension.TargetUrl, target);
            if (shape.LinkText is { } text)
                yield return (Dimension.LinkText, target + "\n" + text);
        }
    }

    /// <summary>
    /// The raw-log entry: one object per distinct shape with the times of its clicks (unix ms), not one object per
    /// click. Clicks of a batch mostly share their shape, and writing each as JSON was the largest part of a
    /// batch's cost, its spool record and its Redis memory. <see cref="StatsReader.ReadRecentAsync"/> expands it.
    /// </summary>
    private string RawPayload()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var (s, group) in _shapes)
            {
                if (group.Times is not { } times)
                    continue;
                json.WriteStartObject();
                json.WriteStartArray(RawClickFields.Times);
                foreach (var time in times)
                    json.WriteNumberValue(new DateTimeOffset(time, TimeSpan.Zero).ToUnixTimeMilliseconds());
                json.WriteEndArray();
                if (s.LinkId > 0)
                    json.WriteNumber("link", s.LinkId);
                json.WriteString("domain", s.DestinationDomain);
                WriteIfSet(json, "target", s.TargetUrl);
                WriteIfSet(json, "text", s.LinkText);
                WriteIfSet(json, "referrer", s.Referrer);
                WriteIfSet(json, "sourcePage", s.SourcePage);
                WriteIfSet(json, "utmSource", s.UtmSource);
                WriteIfSet(json, "utmMedium", s.UtmMedium);
                WriteIfSet(json, "utmCampaign", s.UtmCampaign);
                WriteIfSet(json, "utmTerm", s.UtmTerm);
                WriteIfSet(json, "utmContent", s.UtmContent);
                json.WriteString("device", s.DeviceType);
                json.WriteString("os", s.Os);
                json.WriteString("browser", s.Browser);
                WriteIfSet(json, "country", s.Country);
                json.WriteBoolean("bot", s.IsBot);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void WriteIfSet(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
            json.WriteString(name, value);
    }

    private struct Group
    {
        public int Count;
        public List<ulong>? Visitors;
        public List<DateTime>? Times;
    }

    private sealed class CallBuilder(string appliedKey)
    {
        private readonly List<string> _keys = [appliedKey];
        private readonly Dictionary<string, int> _keyIndex = new(StringComparer.Ordinal) { [appliedKey] = 1 };
        private readonly Dictionary<(int Key, string Field), long> _increments = [];
        // Per key, the visitor lists of the shapes that reach it. A batch's subjects (everything, the link, its
        // domain, the page) mostly share their shapes, so keys with the same lists get one member list and one
        // multi-key PFADD operation instead of a copy each.
        private readonly Dictionary<int, List<List<ulong>>> _visitorSources = [];
        private readonly Dictionary<int, long> _expiries = [];
        private (int Key, int MaxLength, string Payload)? _raw;

        public void Increment(string key, string field, long amount)
        {
            ref var total = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_increments, (IndexOf(key), field), out _);
            total += amount;
        }

        public void AddVisitors(string key, List<ulong> visitors)
        {
            var index = IndexOf(key);
            if (!_visitorSources.TryGetValue(index, out var sources))
                _visitorSources[index] = sources = [];
            sources.Add(visitors);
        }

        public void Expire(string key, long unixSeconds) => _expiries[IndexOf(key)] = unixSeconds;

        public void AppendRaw(string key, int maxLength, string payload) => _raw = (IndexOf(key), maxLength, payload);

        public ScriptCall Build(string node, long sequence)
        {
            var args = new List<string>(2 + _increments.Count * 4 + _expiries.Count * 3) { node, sequence.ToString(CultureInfo.InvariantCulture) };
            foreach (var ((key, field), amount) in _increments)
                args.AddRange(["i", Index(key), field, amount.ToString(CultureInfo.InvariantCulture)]);
            var keysBySources = new Dictionary<List<List<ulong>>, List<int>>(SameLists.Instance);
            foreach (var (key, sources) in _visitorSources)
            {
                if (!keysBySources.TryGetValue(sources, out var sharing))
                    keysBySources[sources] = sharing = [];
                sharing.Add(key);
            }
            foreach (var (sources, sharing) in keysBySources)
            {
                var members = new HashSet<ulong>(sources[0]);
                for (var i = 1; i < sources.Count; i++)
                    members.UnionWith(sources[i]);
                foreach (var chunk in members.Chunk(MaxPfAddMembers))
                {
                    args.Add("v");
                    args.Add(sharing.Count.ToString(CultureInfo.InvariantCulture));
                    args.AddRange(sharing.Select(Index));
                    args.Add(PackVisitors(chunk));
                }
            }
            foreach (var (key, at) in _expiries)
                args.AddRange(["e", Index(key), at.ToString(CultureInfo.InvariantCulture)]);
            if (_raw is { } raw)
                args.AddRange(["x", Index(raw.Key), raw.MaxLength.ToString(CultureInfo.InvariantCulture), raw.Payload]);
            return new ScriptCall([.. _keys], [.. args]);
        }

        private static string Index(int key) => key.ToString(CultureInfo.InvariantCulture);

        /// <summary>
        /// Visitors as one argument of 16 hex digits each (the same members the hex strings of earlier versions
        /// were): one string per batch instead of one per visitor, for the builder, the spool and the Redis client.
        /// </summary>
        private static string PackVisitors(ulong[] visitors) =>
            string.Create(visitors.Length * VisitorDigits, visitors, static (text, values) =>
            {
                Span<byte> bytes = stackalloc byte[MaxPfAddMembers * sizeof(ulong)];
                for (var i = 0; i < values.Length; i++)
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes[(i * sizeof(ulong))..], values[i]);
                Convert.TryToHexStringLower(bytes[..(values.Length * sizeof(ulong))], text, out _);
            });

        /// <summary>Equal when both hold the same list objects in the same order: contents are never compared.</summary>
        private sealed class SameLists : IEqualityComparer<List<List<ulong>>>
        {
            public static readonly SameLists Instance = new();

            public bool Equals(List<List<ulong>>? x, List<List<ulong>>? y) =>
                ReferenceEquals(x, y) || (x is not null && y is not null && x.Count == y.Count &&
                    x.Zip(y).All(pair => ReferenceEquals(pair.First, pair.Second)));

            public int GetHashCode(List<List<ulong>> lists)
            {
                var hash = new HashCode();
                foreach (var list in lists)
                    hash.Add(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(list));
                return hash.ToHashCode();
            }
        }

        private int IndexOf(string key)
        {
            if (!_keyIndex.TryGetValue(key, out var index))
            {
                _keys.Add(key);
                _keyIndex[key] = index = _keys.Count;
            }
            return index;
        }
    }
}
