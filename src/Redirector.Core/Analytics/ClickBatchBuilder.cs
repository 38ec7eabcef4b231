using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Redirector.Clicks;

namespace Redirector.Analytics;

/// <summary>
/// Collects enriched clicks and turns them into script calls: clicks with equal values are counted once with
/// their number (500 clicks on one link and day become one increment of 500), visitors of one subject and day
/// become one PFADD, and the batch's clicks become one raw-log entry. <see cref="Build"/> empties the builder
/// for the next batch and keeps the names it built.
/// </summary>
public sealed class ClickBatchBuilder(StatsKeys keys, AnalyticsOptions options)
{
    // Lua's unpack has a stack limit of a few thousand values; PFADDs are split below it.
    private const int MaxPfAddMembers = 1000;
    private const int VisitorDigits = 16;
    // The remembered names are dropped beyond this, so values seen once do not pile up.
    private const int MaxRememberedNames = 50_000;
    private const long ExpiryReminderMilliseconds = 60 * 60 * 1000;
    // Counts go in arguments of about this size: strings under the large object heap's threshold (85,000 bytes,
    // so 42,500 characters), whose collections are full ones that also walk a million cached links.
    private const int MaxCountsArgumentBytes = 16 * 1024;

    private static readonly string[] HourFields =
        [.. Enumerable.Range(0, 24).Select(h => "h" + h.ToString("D2", CultureInfo.InvariantCulture))];

    private readonly Dictionary<ClickShape, Group> _shapes = [];
    private int _rawClicks;

    // Names are built once, not once per shape and subject: on a batch over thousands of links, building them
    // was most of the builder's allocations. Shapes share their values' string instances (cleaned referrers,
    // parsed agents and the link's UTM come from caches), so field names are looked up by reference.
    private readonly Dictionary<(Dimension, string), string> _fieldNames = new(FieldByReference.Instance);
    private readonly Dictionary<long, string> _linkFields = [];
    private readonly Dictionary<string, StatsSubject> _pages = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<(StatsSubject, string Day), SubjectKeys> _subjectKeys = [];
    private readonly List<(Dimension Dimension, string Field)> _shapeFields = [];
    private readonly List<StatsSubject> _shapeSubjects = [];
    // Kept from batch to batch, like the names, so their tables are not grown again for every batch.
    private readonly Dictionary<string, CallBuilder> _calls = new(StringComparer.Ordinal);
    private readonly List<CallBuilder> _activeCalls = [];
    private readonly ArrayBufferWriter<byte> _json = new(2 * MaxCountsArgumentBytes);
    private (string Day, long Expiry) _lastExpiry;
    private long _batches;

    public int Count { get; private set; }

    public void Add(in Click click)
    {
        ref var group = ref CollectionsMarshal.GetValueRefOrAddDefault(_shapes, click.Shape, out _);
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
        if (_fieldNames.Count + _subjectKeys.Count > MaxRememberedNames)
        {
            _fieldNames.Clear();
            _linkFields.Clear();
            _pages.Clear();
            _subjectKeys.Clear();
            _calls.Clear();
        }
        CallBuilder CallFor(string group)
        {
            if (!_calls.TryGetValue(group, out var call))
                _calls[group] = call = new CallBuilder(keys.Applied(group));
            if (call.IsEmpty)
                _activeCalls.Add(call);
            return call;
        }

        var now = Environment.TickCount64;
        _batches++;
        foreach (var (shape, group) in _shapes)
        {
            var expiry = ExpiryOf(shape.Day);
            if (shape.IsPageView)
            {
                // Views are only the denominator of a page's outbound click rate: never clicks, and bots' views are not views.
                if (!shape.IsBot && shape.SourcePage is { } viewed)
                {
                    var page = KeysOf(PageOf(viewed), shape.Day);
                    IncrementDay(CallFor(page.Group), page, "pv", group.Count, expiry, now);
                    var global = KeysOf(StatsSubject.Global, shape.Day);
                    IncrementDay(CallFor(global.Group), global, FieldName(Dimension.PageViews, viewed), group.Count, expiry, now);
                }
                continue;
            }
            CollectSubjects(shape);
            if (!shape.IsBot)
                CollectFields(shape);
            foreach (var subject in _shapeSubjects)
            {
                var subjectKeys = KeysOf(subject, shape.Day);
                var call = CallFor(subjectKeys.Group);
                // Resolved once per subject rather than on every increment: a batch over thousands of links increments ~50 fields per click.
                var day = call.IndexOf(subjectKeys.Day);
                if (SendsExpiry(subjectKeys.DayExpiry, now))
                    call.Expire(day, expiry);
                if (shape.IsBot)
                {
                    call.Increment(day, "b", group.Count);
                    call.Increment(day, FieldName(Dimension.DeviceType, shape.DeviceType), group.Count);
                    call.Increment(call.IndexOf(subjectKeys.Totals), "b", group.Count);
                    continue;
                }
                call.Increment(day, "c", group.Count);
                call.Increment(day, HourFields[shape.Hour], group.Count);
                call.Increment(call.IndexOf(subjectKeys.Totals), "c", group.Count);
                foreach (var (dimension, field) in _shapeFields)
                {
                    if (IsCountedFor(dimension, subject.Kind))
                        call.Increment(day, field, group.Count);
                }
                if (group.Visitors is { } visitors)
                {
                    call.AddVisitors(subjectKeys.Visitors, visitors);
                    if (SendsExpiry(subjectKeys.VisitorsExpiry, now))
                        call.Expire(subjectKeys.Visitors, expiry);
                }
            }
        }
        if (_rawClicks > 0)
            CallFor(keys.GroupOf(StatsSubject.Global)).AppendRaw(keys.RawLog, options.RawLogEntries, RawPayload());

        var batch = new ClickBatch(node, sequence, Count, _activeCalls.Select(c => c.Build(node, sequence, _json)).ToList());
        foreach (var call in _activeCalls)
            call.Clear();
        _activeCalls.Clear();
        _shapes.Clear();
        _rawClicks = 0;
        Count = 0;
        return batch;
    }

    private void IncrementDay(CallBuilder call, SubjectKeys subject, string field, long amount, long expiry, long now)
    {
        call.Increment(call.IndexOf(subject.Day), field, amount);
        if (SendsExpiry(subject.DayExpiry, now))
            call.Expire(subject.Day, expiry);
    }

    /// <summary>
    /// Whether this batch sets the expiry of a day key. Redis keeps an expiry once set, so it goes with the first
    /// batch that touches the key and then once an hour, which also gives one to keys that a Redis restart
    /// recreated without. On a batch over 10,000 links, expiries were two of every seventeen commands.
    /// </summary>
    private bool SendsExpiry(ExpiryMark mark, long now)
    {
        if (mark.SentAt is not { } sentAt || now - sentAt >= ExpiryReminderMilliseconds)
        {
            mark.SentAt = now;
            mark.Batch = _batches;
        }
        return mark.Batch == _batches;
    }

    private long ExpiryOf(string day)
    {
        if (_lastExpiry.Day != day)
        {
            var expiry = new DateTimeOffset(DateTime.ParseExact(day, "yyyyMMdd", CultureInfo.InvariantCulture), TimeSpan.Zero)
                .AddDays(options.RetentionDays + 1).ToUnixTimeSeconds();
            _lastExpiry = (day, expiry);
        }
        return _lastExpiry.Expiry;
    }

    private void CollectSubjects(ClickShape shape)
    {
        _shapeSubjects.Clear();
        _shapeSubjects.Add(StatsSubject.Global);
        if (shape.LinkId > 0)
            _shapeSubjects.Add(StatsSubject.Link(shape.LinkId));
        _shapeSubjects.Add(StatsSubject.Domain(shape.DestinationDomain));
        if (shape.SourcePage is { } page)
            _shapeSubjects.Add(PageOf(page));
    }

    /// <summary>Every breakdown of a shape; <see cref="IsCountedFor"/> leaves out those constant for a subject.</summary>
    private void CollectFields(ClickShape shape)
    {
        _shapeFields.Clear();
        AddField(Dimension.ReferrerDomain, shape.ReferrerDomain);
        AddField(Dimension.Referrer, shape.Referrer);
        AddField(Dimension.SourcePage, shape.SourcePage);
        AddField(Dimension.UtmSource, shape.UtmSource);
        AddField(Dimension.UtmMedium, shape.UtmMedium);
        AddField(Dimension.UtmCampaign, shape.UtmCampaign);
        AddField(Dimension.UtmTerm, shape.UtmTerm);
        AddField(Dimension.UtmContent, shape.UtmContent);
        AddField(Dimension.DeviceType, shape.DeviceType);
        AddField(Dimension.Os, shape.Os);
        AddField(Dimension.Browser, shape.Browser);
        AddField(Dimension.Country, shape.Country);
        if (shape.LinkId > 0)
            _shapeFields.Add((Dimension.Link, LinkField(shape.LinkId)));
        AddField(Dimension.DestinationDomain, shape.DestinationDomain);
        if (shape.TargetUrl is { } target)
        {
            AddField(Dimension.TargetUrl, target);
            if (shape.LinkText is { } text)
                _shapeFields.Add((Dimension.LinkText, StatsKeys.Field(Dimension.LinkText, target + "\n" + text)));
        }
    }

    private void AddField(Dimension dimension, string? value)
    {
        if (value is not null)
            _shapeFields.Add((dimension, FieldName(dimension, value)));
    }

    private static bool IsCountedFor(Dimension dimension, char subjectKind) => dimension switch
    {
        // A link's clicks come from its short URL, whose source page is the referrer's page: the reader derives it
        // from the referrer fields, so a link-day stores no copy (an eighth of its memory).
        Dimension.SourcePage => subjectKind is not ('p' or 'l'),
        Dimension.Link => subjectKind != 'l',
        Dimension.DestinationDomain => subjectKind is 'g' or 'p',
        _ => true,
    };

    private string FieldName(Dimension dimension, string value)
    {
        ref var name = ref CollectionsMarshal.GetValueRefOrAddDefault(_fieldNames, (dimension, value), out var known);
        if (!known)
            name = StatsKeys.Field(dimension, value);
        return name!;
    }

    private string LinkField(long linkId)
    {
        ref var name = ref CollectionsMarshal.GetValueRefOrAddDefault(_linkFields, linkId, out var known);
        if (!known)
            name = StatsKeys.Field(Dimension.Link, linkId.ToString(CultureInfo.InvariantCulture));
        return name!;
    }

    /// <summary>A page's subject hashes its URL; pages of a batch mostly are the same few instances.</summary>
    private StatsSubject PageOf(string page)
    {
        ref var subject = ref CollectionsMarshal.GetValueRefOrAddDefault(_pages, page, out var known);
        if (!known)
            subject = StatsSubject.Page(page);
        return subject;
    }

    private SubjectKeys KeysOf(StatsSubject subject, string day)
    {
        ref var subjectKeys = ref CollectionsMarshal.GetValueRefOrAddDefault(_subjectKeys, (subject, day), out var known);
        if (!known)
            subjectKeys = new SubjectKeys(keys.GroupOf(subject), keys.Day(subject, day), keys.Totals(subject), keys.Visitors(subject, day));
        return subjectKeys!;
    }

    private sealed record SubjectKeys(string Group, string Day, string Totals, string Visitors)
    {
        // Apart: a day key can exist (bots, page views) long before its visitors' key.
        public ExpiryMark DayExpiry { get; } = new();

        public ExpiryMark VisitorsExpiry { get; } = new();
    }

    /// <summary>When (<see cref="Environment.TickCount64"/>) and in which of this builder's batches a key's expiry last went.</summary>
    private sealed class ExpiryMark
    {
        public long? SentAt { get; set; }

        public long Batch { get; set; }
    }

    /// <summary>Equal when the dimension is and the value is the same instance; equal text in another instance only costs a second name.</summary>
    private sealed class FieldByReference : IEqualityComparer<(Dimension, string)>
    {
        public static readonly FieldByReference Instance = new();

        public bool Equals((Dimension, string) x, (Dimension, string) y) => x.Item1 == y.Item1 && ReferenceEquals(x.Item2, y.Item2);

        public int GetHashCode((Dimension, string) field) =>
            HashCode.Combine(field.Item1, RuntimeHelpers.GetHashCode(field.Item2));
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
        // The increments, and per key (by index) its first and last, chained through Next so that they are
        // written key by key (the key once). One dictionary and one list rather than a dictionary per key, which
        // on a batch over thousands of links was most of its allocations.
        private readonly Dictionary<(int Key, string Field), int> _incrementAt = [];
        private readonly List<FieldIncrement> _increments = [];
        private readonly List<(int First, int Last)> _keyIncrements = [(-1, -1), (-1, -1)];
        // Per key, the visitor lists of the shapes that reach it. A batch's subjects (everything, the link, its
        // domain, the page) mostly share their shapes, so keys with the same lists get one member list and one
        // multi-key PFADD operation instead of a copy each.
        private readonly Dictionary<int, List<List<ulong>>> _visitorSources = [];
        private readonly Dictionary<int, long> _expiries = [];
        private (int Key, int MaxLength, string Payload)? _raw;

        public void Increment(int index, string field, long amount)
        {
            ref var at = ref CollectionsMarshal.GetValueRefOrAddDefault(_incrementAt, (index, field), out var known);
            if (known)
            {
                CollectionsMarshal.AsSpan(_increments)[at].Amount += amount;
                return;
            }
            at = _increments.Count;
            _increments.Add(new FieldIncrement(field, amount));
            var (first, last) = _keyIncrements[index];
            if (last >= 0)
                CollectionsMarshal.AsSpan(_increments)[last].Next = at;
            _keyIncrements[index] = (first >= 0 ? first : at, at);
        }

        public void AddVisitors(string key, List<ulong> visitors)
        {
            var index = IndexOf(key);
            if (!_visitorSources.TryGetValue(index, out var sources))
                _visitorSources[index] = sources = [];
            sources.Add(visitors);
        }

        public void Expire(int key, long unixSeconds) => _expiries[key] = unixSeconds;

        public void Expire(string key, long unixSeconds) => Expire(IndexOf(key), unixSeconds);

        public void AppendRaw(string key, int maxLength, string payload) => _raw = (IndexOf(key), maxLength, payload);

        public bool IsEmpty => _keys.Count == 1 && _raw is null;

        public void Clear()
        {
            _keys.RemoveRange(1, _keys.Count - 1);
            _keyIndex.Clear();
            _keyIndex[appliedKey] = 1;
            _incrementAt.Clear();
            _increments.Clear();
            _keyIncrements.RemoveRange(2, _keyIncrements.Count - 2);
            _visitorSources.Clear();
            _expiries.Clear();
            _raw = null;
        }

        public ScriptCall Build(string node, long sequence, ArrayBufferWriter<byte> json)
        {
            var args = new List<string> { node, sequence.ToString(CultureInfo.InvariantCulture) };
            if (_increments.Count > 0 || _expiries.Count > 0)
                AddCounts(args, json);
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
            if (_raw is { } raw)
                args.AddRange(["x", Index(raw.Key), raw.MaxLength.ToString(CultureInfo.InvariantCulture), raw.Payload]);
            return new ScriptCall([.. _keys], [.. args]);
        }

        private static string Index(int key) => key.ToString(CultureInfo.InvariantCulture);

        /// <summary>
        /// Increments and expiries as JSON arguments (op "j"): {"h":[[key, field, "amount", field, "amount"...]...],
        /// "e":[key, "unixtime"...]}, split every <see cref="MaxCountsArgumentBytes"/>. A few arguments instead of
        /// four per field keep the Redis client, the spool and the script's argument table from doing per-field
        /// work; a batch over 10,000 links has tens of thousands of fields. Numbers go as strings: the script
        /// passes them on to Redis without converting them.
        /// </summary>
        private void AddCounts(List<string> args, ArrayBufferWriter<byte> buffer)
        {
            buffer.ResetWrittenCount();
            using var json = new Utf8JsonWriter(buffer);
            Span<char> number = stackalloc char[20];
            json.WriteStartObject();
            json.WriteStartArray("h");
            for (var key = 1; key < _keyIncrements.Count; key++)
            {
                var at = _keyIncrements[key].First;
                if (at < 0)
                    continue;
                json.WriteStartArray();
                json.WriteNumberValue(key);
                for (; at >= 0; at = _increments[at].Next)
                {
                    if (IsFull(json))
                    {
                        json.WriteEndArray();
                        json.WriteEndArray();
                        json.WriteStartArray("e");
                        json.WriteEndArray();
                        NextArgument(json, args, buffer);
                        json.WriteStartArray("h");
                        json.WriteStartArray();
                        json.WriteNumberValue(key);
                    }
                    json.WriteStringValue(_increments[at].Field);
                    WriteNumberAsString(json, _increments[at].Amount, number);
                }
                json.WriteEndArray();
            }
            json.WriteEndArray();
            json.WriteStartArray("e");
            foreach (var (key, at) in _expiries)
            {
                if (IsFull(json))
                {
                    json.WriteEndArray();
                    NextArgument(json, args, buffer);
                    json.WriteStartArray("h");
                    json.WriteEndArray();
                    json.WriteStartArray("e");
                }
                json.WriteNumberValue(key);
                WriteNumberAsString(json, at, number);
            }
            json.WriteEndArray();
            json.WriteEndObject();
            json.Flush();
            args.AddRange(["j", Encoding.UTF8.GetString(buffer.WrittenSpan)]);
        }

        private static bool IsFull(Utf8JsonWriter json) => json.BytesCommitted + json.BytesPending >= MaxCountsArgumentBytes;

        private static void NextArgument(Utf8JsonWriter json, List<string> args, ArrayBufferWriter<byte> buffer)
        {
            json.WriteEndObject();
            json.Flush();
            args.AddRange(["j", Encoding.UTF8.GetString(buffer.WrittenSpan)]);
            buffer.ResetWrittenCount();
            json.Reset(buffer);
            json.WriteStartObject();
        }

        private static void WriteNumberAsString(Utf8JsonWriter json, long value, Span<char> scratch)
        {
            value.TryFormat(scratch, out var length, default, CultureInfo.InvariantCulture);
            json.WriteStringValue(scratch[..length]);
        }

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
                    hash.Add(RuntimeHelpers.GetHashCode(list));
                return hash.ToHashCode();
            }
        }

        /// <summary>The key's number in this call (KEYS[n] in the script), added on first use.</summary>
        public int IndexOf(string key)
        {
            if (!_keyIndex.TryGetValue(key, out var index))
            {
                _keys.Add(key);
                _keyIndex[key] = index = _keys.Count;
                _keyIncrements.Add((-1, -1));
            }
            return index;
        }

        private struct FieldIncrement(string field, long amount)
        {
            public readonly string Field = field;
            public long Amount = amount;
            public int Next = -1;
        }
    }
}
