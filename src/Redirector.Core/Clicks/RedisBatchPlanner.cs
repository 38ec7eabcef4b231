using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using StackExchange.Redis;

namespace Redirector.Clicks;

/// <summary>
/// One call of the apply script: the unit it applies (see <see cref="StatsKeys.Applied"/>), the keys it touches and its
/// arguments (see click-apply.lua). The JSON arguments (counts, raw-log entries) are UTF-8 bytes, as Redis gets them,
/// rather than strings the client would encode again.
/// </summary>
public sealed record ScriptCall(string Unit, string[] Keys, RedisValue[] Args);

/// <summary>
/// Derives the script calls that apply a range of consecutive <see cref="ClickBatch"/>es of one node to the Redis
/// counters: a group's clicks are one increment per field of each subject it counts for, merged over the range,
/// visitors of one subject and day one PFADD, and each batch's first clicks one raw-log entry. The writes are split
/// into units, each one call with its own applied-range marker: on a cluster one per subject (the keys of a call
/// share a slot), otherwise one per link of the same <see cref="StatsKeys.LinkUnits"/> remainder, so that a range
/// over thousands of links is several calls of bounded length rather than one long one. Keeps the names and key
/// numbers it built from plan to plan, and remembers which keys got their expiry, so it is used by one thread (the
/// pipeline's).
/// </summary>
public sealed class RedisBatchPlanner(StatsKeys keys, AnalyticsOptions options)
{
    // Lua's unpack has a stack limit of a few thousand values; PFADDs are split below it.
    private const int MaxPfAddMembers = 1000;
    private const int MaxUncheckedVisitors = 8;
    private const int VisitorDigits = 16;
    // The remembered names are dropped beyond this, so values seen once do not pile up.
    private const int MaxRememberedNames = 50_000;
    private const long ExpiryReminderMilliseconds = 60 * 60 * 1000;
    // Counts go in arguments of about this size: well under the large object heap's threshold (85,000 bytes), whose
    // collections are full ones that also walk a million cached links.
    private const int MaxCountsArgumentBytes = 16 * 1024;
    // Beyond this many fields in one key of a plan, its increments are found through a table rather than by a walk.
    private const int MaxSearchedIncrements = 32;

    // Fields every plan writes have fixed numbers; a dimension value's field gets the next free one when first met.
    private static readonly Field ClicksField = new("c", 0);
    private static readonly Field BotsField = new("b", 1);
    private static readonly Field PageViewsField = new("pv", 2);
    private static readonly Field[] HourFields =
        [.. Enumerable.Range(0, 24).Select(h => new Field("h" + h.ToString("D2", CultureInfo.InvariantCulture), 3 + h))];
    private const int FirstValueField = 3 + 24;

    // Names are built once, not once per group and subject, and numbered, so that an increment is found by two
    // integers rather than by hashing its field's text. Looked up by value: the batches come from the spool, whose
    // reader gives every group strings of its own.
    private readonly Dictionary<(Dimension, string), Field> _fieldNames = [];
    // Per dimension, the last value's field: consecutive groups mostly differ in their link alone, and comparing a
    // value with the last one is cheaper than hashing it.
    private readonly (string? Value, Field Field)[] _lastFields = new (string?, Field)[Dimensions.Count];
    private int _nextField = FirstValueField;
    private readonly Dictionary<string, StatsSubject> _pages = new(StringComparer.Ordinal);
    private readonly Dictionary<(StatsSubject, string Day), SubjectKeys> _subjectKeys = [];
    private readonly List<(Dimension Dimension, Field Field)> _shapeFields = [];
    // The group's field of the Link dimension (its link, in the top links of its other subjects), if it counts one.
    private Field? _linkField;
    private readonly List<(StatsSubject Subject, Subjects Kind)> _shapeSubjects = [];
    // Kept from batch to batch, like the names, so their tables are not grown again for every batch.
    private readonly Dictionary<string, CallBuilder> _calls = new(StringComparer.Ordinal);
    private readonly List<CallBuilder> _activeCalls = [];
    private readonly ArrayBufferWriter<byte> _json = new(2 * MaxCountsArgumentBytes);
    // A batch's raw-log entry is written here first: under clicks spread over many links it holds up to
    // RawClicksPerEntry clicks of their own (tens of kilobytes), which a stream grown anew for every batch allocated again.
    private readonly ArrayBufferWriter<byte> _rawJson = new();
    private (string Day, long Expiry) _lastExpiry;
    private long _batches;

    /// <summary>The calls that apply one batch.</summary>
    public IReadOnlyList<ScriptCall> Plan(ClickBatch batch) => Plan([batch]);

    /// <summary>
    /// The calls that apply <paramref name="batches"/> (consecutive batches of one node, oldest first) as one range;
    /// with <paramref name="onlyUnit"/>, only that unit's call (when Redis has applied part of the range to it).
    /// </summary>
    public IReadOnlyList<ScriptCall> Plan(IReadOnlyList<ClickBatch> batches, string? onlyUnit = null)
    {
        if (_fieldNames.Count + _subjectKeys.Count > MaxRememberedNames)
        {
            _fieldNames.Clear();
            Array.Clear(_lastFields);
            _nextField = FirstValueField;
            _pages.Clear();
            _subjectKeys.Clear();
            _calls.Clear();
        }
        var now = Environment.TickCount64;
        _batches++;
        foreach (var batch in batches)
            PlanBatch(batch, now);

        var calls = new List<ScriptCall>(_activeCalls.Count);
        foreach (var call in _activeCalls)
        {
            if (onlyUnit is null || call.Unit == onlyUnit)
                calls.Add(call.Build(batches[0].Node, batches[0].Sequence, batches[^1].Sequence, _json));
            call.Clear();
        }
        _activeCalls.Clear();
        return calls;
    }

    /// <summary>The call of <paramref name="unit"/> in the plan being made, started on first use.</summary>
    private CallBuilder CallFor(string unit)
    {
        if (!_calls.TryGetValue(unit, out var call))
            _calls[unit] = call = new CallBuilder(unit, keys.Applied(unit));
        if (call.IsEmpty)
            _activeCalls.Add(call);
        return call;
    }

    private void PlanBatch(ClickBatch batch, long now)
    {
        foreach (var view in batch.PageViews)
        {
            // Views are only the denominator of a page's outbound click rate: never clicks.
            var expiry = ExpiryOf(view.Day);
            var page = KeysOf(PageOf(view.Page), view.Day);
            IncrementDay(CallFor(keys.UnitOf(page.Subject, null)), page, PageViewsField, view.Views, expiry, now);
            var global = KeysOf(StatsSubject.Global, view.Day);
            IncrementDay(CallFor(keys.UnitOf(StatsSubject.Global, null)), global, FieldName(Dimensions.PageViews, view.Page), view.Views, expiry, now);
        }
        foreach (var group in batch.Groups)
        {
            var shape = group.Shape;
            var expiry = ExpiryOf(shape.Day);
            var refused = Dimensions.IsRefused(shape);
            CollectSubjects(shape);
            CollectFields(shape);
            foreach (var (subject, kind) in _shapeSubjects)
            {
                var call = CallFor(keys.UnitOf(subject, shape.LinkId));
                // Clicks spread over many links: a group mostly differs from the last one of its call in its link
                // alone, so its subjects other than the link increment the same fields but one, at known places.
                var repeat = kind == Subjects.Link ? null : call.RepeatOf(kind);
                if (repeat is not null && repeat.Shape is { } last && SameExceptLink(last, shape))
                {
                    call.Repeat(repeat, group.Count);
                    if (_linkField is { } linkField)
                    {
                        call.BeginGroup();
                        call.Increment(repeat.Day, linkField, group.Count);
                    }
                    AddVisitors(call, repeat.Keys!, group, expiry, now);
                    continue;
                }
                repeat?.Start(shape);
                var subjectKeys = KeysOf(subject, shape.Day);
                call.BeginGroup();
                // Resolved once per subject rather than on every increment: a group increments ~50 fields.
                var day = call.IndexOf(subjectKeys.Day);
                if (SendsExpiry(subjectKeys.DayExpiry, now))
                    call.Expire(day, expiry);
                // With LinkBreakdowns.Events a link's day holds its clicks and bots only; the event store has the rest.
                var countsDetails = kind != Subjects.Link || options.LinkBreakdowns == LinkBreakdowns.Counters;
                if (!refused)
                {
                    var total = shape.IsBot ? BotsField : ClicksField;
                    var clicks = call.Increment(day, total, group.Count);
                    var totals = call.Increment(call.IndexOf(subjectKeys.Totals), total, group.Count);
                    repeat?.Add(clicks);
                    repeat?.Add(totals);
                    if (!shape.IsBot && countsDetails)
                    {
                        var hour = call.Increment(day, HourFields[shape.Hour], group.Count);
                        repeat?.Add(hour);
                    }
                }
                if (countsDetails)
                {
                    foreach (var (dimension, field) in _shapeFields)
                    {
                        if (!dimension.IsCountedFor(kind))
                            continue;
                        var at = call.Increment(day, field, group.Count);
                        if (dimension != Dimensions.Link)
                            repeat?.Add(at);
                    }
                }
                if (repeat is not null)
                    (repeat.Day, repeat.Keys) = (day, subjectKeys);
                if (countsDetails)
                    AddVisitors(call, subjectKeys, group, expiry, now);
            }
        }
        if (batch.Groups.Count > 0)
            CallFor(keys.UnitOf(StatsSubject.Global, batch.Groups[0].Shape.LinkId)).AppendRaw(keys.RawLog, options.RawLogEntries, RawPayload(batch));
    }

    private void AddVisitors(CallBuilder call, SubjectKeys subjectKeys, ClickGroup group, long expiry, long now)
    {
        if (group.Visitors.Count == 0)
            return;
        call.AddVisitors(subjectKeys.Visitors, group.Visitors);
        if (SendsExpiry(subjectKeys.VisitorsExpiry, now))
            call.Expire(subjectKeys.Visitors, expiry);
    }

    private void IncrementDay(CallBuilder call, SubjectKeys subject, Field field, long amount, long expiry, long now)
    {
        call.BeginGroup();
        call.Increment(call.IndexOf(subject.Day), field, amount);
        if (SendsExpiry(subject.DayExpiry, now))
            call.Expire(subject.Day, expiry);
    }

    /// <summary>
    /// Whether this batch sets the expiry of a day key. Redis keeps an expiry once set, so it goes with the first
    /// batch that touches the key and then once an hour, which also gives one to keys that a Redis restart
    /// recreated without; sending it with every batch made expiries a large share of a batch's commands.
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
        _shapeSubjects.Add((StatsSubject.Global, Subjects.Global));
        if (shape[Dimensions.Link] is { } link)
            _shapeSubjects.Add((new StatsSubject('l', link), Subjects.Link));
        if (shape[Dimensions.DestinationDomain] is { } domain)
            _shapeSubjects.Add((StatsSubject.Domain(domain), Subjects.Domain));
        if (shape[Dimensions.SourcePage] is { } page)
            _shapeSubjects.Add((PageOf(page), Subjects.Page));
    }

    /// <summary>
    /// Whether two groups count the same fields in every subject but their links': they differ at most in the link
    /// (and so in the <see cref="Dimensions.Link"/> field their other subjects count).
    /// </summary>
    private static bool SameExceptLink(in ClickShape last, in ClickShape shape)
    {
        if (last.Hour != shape.Hour || last.IsBot != shape.IsBot || !string.Equals(last.Day, shape.Day, StringComparison.Ordinal))
            return false;
        var lastValues = last.Values;
        var values = shape.Values;
        for (var i = 0; i < values.Length; i++)
        {
            if (i != Dimensions.Link.Index && !string.Equals(lastValues[i], values[i], StringComparison.Ordinal))
                return false;
        }
        return true;
    }

    /// <summary>The fields a group increments: every dimension it has a value of (for bots, only those counting bots).</summary>
    private void CollectFields(ClickShape shape)
    {
        _shapeFields.Clear();
        _linkField = null;
        var values = shape.Values;
        var refused = Dimensions.IsRefused(shape);
        foreach (var dimension in Dimensions.ClickRows)
        {
            if (values[dimension.Index] is not { } value || (shape.IsBot && !dimension.CountsBots) || (refused && dimension != Dimensions.Refused))
                continue;
            if (dimension.Per is not { } per)
            {
                ref var last = ref _lastFields[dimension.Index];
                if (!string.Equals(last.Value, value, StringComparison.Ordinal))
                    last = (value, FieldName(dimension, value));
                _shapeFields.Add((dimension, last.Field));
                if (dimension == Dimensions.Link)
                    _linkField = last.Field;
            }
            else if (values[per.Index] is { } of)
                _shapeFields.Add((dimension, FieldName(dimension, of + "\n" + value)));
        }
    }

    private Field FieldName(Dimension dimension, string value)
    {
        ref var field = ref CollectionsMarshal.GetValueRefOrAddDefault(_fieldNames, (dimension, value), out var known);
        if (!known)
            field = new Field(StatsKeys.Field(dimension, value), _nextField++);
        return field;
    }

    /// <summary>A hash field of the counters and its number in this planner (see <see cref="FieldName"/>).</summary>
    private readonly record struct Field(string Name, int Id);

    /// <summary>A page's subject hashes its URL, once per page while it is remembered.</summary>
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
            subjectKeys = new SubjectKeys(subject, keys.Day(subject, day), keys.Totals(subject), keys.Visitors(subject, day));
        return subjectKeys!;
    }

    private sealed record SubjectKeys(StatsSubject Subject, string Day, string Totals, string Visitors)
    {
        // Apart: a day key can exist (bots, page views) long before its visitors' key.
        public ExpiryMark DayExpiry { get; } = new();

        public ExpiryMark VisitorsExpiry { get; } = new();
    }

    /// <summary>When (<see cref="Environment.TickCount64"/>) and in which of this planner's batches a key's expiry last went.</summary>
    private sealed class ExpiryMark
    {
        public long? SentAt { get; set; }

        public long Batch { get; set; }
    }

    /// <summary>
    /// The raw-log entry: one object per group with the times of its clicks (unix ms), up to
    /// <see cref="AnalyticsOptions.RawClicksPerEntry"/> clicks in all, and the values of the dimensions that have a
    /// <see cref="Dimension.RawName"/>. <see cref="RawClickFields.Expand"/> turns it into one object per click.
    /// </summary>
    private byte[] RawPayload(ClickBatch batch)
    {
        var left = options.RawClicksPerEntry;
        _rawJson.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(_rawJson))
        {
            json.WriteStartArray();
            foreach (var group in batch.Groups)
            {
                if (left <= 0)
                    break;
                var shape = group.Shape;
                // The raw log lists clicks and bots; refused visits are only counted.
                if (Dimensions.IsRefused(shape))
                    continue;
                json.WriteStartObject();
                json.WriteStartArray(RawClickFields.Times);
                foreach (var time in group.Times)
                {
                    if (left-- <= 0)
                        break;
                    json.WriteNumberValue(new DateTimeOffset(time, TimeSpan.Zero).ToUnixTimeMilliseconds());
                }
                json.WriteEndArray();
                if (shape.LinkId is { } link)
                    json.WriteNumber(RawClickFields.Link, link);
                foreach (var dimension in Dimensions.ClickRows)
                {
                    if (dimension.RawName is { } name && shape.Values[dimension.Index] is { } value)
                        json.WriteString(name, value);
                }
                json.WriteBoolean(RawClickFields.Bot, shape.IsBot);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        return _rawJson.WrittenSpan.ToArray();
    }

    private sealed class CallBuilder(string unit, string appliedKey)
    {
        public string Unit => unit;

        private readonly List<string> _keys = [appliedKey];
        private readonly Dictionary<string, int> _keyIndex = new(StringComparer.Ordinal) { [appliedKey] = 1 };
        // The increments, and per key (by index) its first and last, chained through Next so that they are
        // written key by key (the key once). One dictionary and one list rather than a dictionary per key, so a
        // batch over thousands of links does not allocate per key.
        // Most keys (a link's day over a window of clicks spread over thousands of links) get one or two groups'
        // fields: their increments are found by walking the key's few, and only a key with more than
        // MaxSearchedIncrements is indexed in the table, keyed by the key's number (high 32 bits) and the field's.
        private readonly Dictionary<long, int> _incrementAt = [];
        private readonly List<FieldIncrement> _increments = [];
        private readonly List<KeyIncrements> _keyIncrements = [KeyIncrements.None, KeyIncrements.None];
        private int _groupStart;
        // Per key, the visitor lists of the shapes that reach it. A batch's subjects (everything, the link, its
        // domain, the page) mostly share their shapes, so keys with the same lists get one member list and one
        // multi-key PFADD operation instead of a copy each.
        private readonly Dictionary<int, List<List<ulong>>> _visitorSources = [];
        // Lists of _visitorSources kept for the next plan: a window over thousands of links needs one per link.
        private readonly Stack<List<List<ulong>>> _freeSourceLists = new();
        private readonly Dictionary<int, long> _expiries = [];
        private readonly List<(int Key, int MaxLength, byte[] Payload)> _raw = [];
        // The arguments being built, kept from plan to plan; each call gets an array of its own.
        private readonly List<RedisValue> _args = [];

        /// <summary>
        /// Starts a group's increments: the fields one group increments in one key are distinct, so a key none of
        /// whose increments came before this call needs no search for them.
        /// </summary>
        public void BeginGroup() => _groupStart = _increments.Count;

        /// <summary>Adds <paramref name="amount"/> to a field of the key numbered <paramref name="index"/>; returns the increment's place.</summary>
        public int Increment(int index, Field field, long amount)
        {
            ref var chain = ref CollectionsMarshal.AsSpan(_keyIncrements)[index];
            if (chain.Indexed)
            {
                ref var at = ref CollectionsMarshal.GetValueRefOrAddDefault(_incrementAt, ((long)index << 32) | (uint)field.Id, out var known);
                if (known)
                    CollectionsMarshal.AsSpan(_increments)[at].Amount += amount;
                else
                    at = Append(ref chain, field, amount);
                return at;
            }
            if (chain.First >= 0 && chain.First < _groupStart)
            {
                var increments = CollectionsMarshal.AsSpan(_increments);
                for (var at = chain.First; at >= 0; at = increments[at].Next)
                {
                    if (increments[at].FieldId == field.Id)
                    {
                        increments[at].Amount += amount;
                        return at;
                    }
                }
            }
            var appended = Append(ref chain, field, amount);
            if (chain.Count > MaxSearchedIncrements)
            {
                chain.Indexed = true;
                var increments = CollectionsMarshal.AsSpan(_increments);
                for (var at = chain.First; at >= 0; at = increments[at].Next)
                    _incrementAt[((long)index << 32) | (uint)increments[at].FieldId] = at;
            }
            return appended;
        }

        // Per kind of subject other than a link (global, destination domain, source page), the last group planned in full.
        private readonly SubjectRepeat?[] _repeats = new SubjectRepeat?[4];

        /// <summary>The last group of this plan that counted a subject of <paramref name="kind"/> in full here, for the next one like it.</summary>
        public SubjectRepeat RepeatOf(Subjects kind)
        {
            var slot = System.Numerics.BitOperations.Log2((uint)kind);
            return _repeats[slot] ??= new SubjectRepeat();
        }

        /// <summary>Adds a group's count to every increment its <paramref name="repeat"/>ed group made, but the link's field.</summary>
        public void Repeat(SubjectRepeat repeat, long amount)
        {
            var increments = CollectionsMarshal.AsSpan(_increments);
            foreach (var at in CollectionsMarshal.AsSpan(repeat.Increments))
                increments[at].Amount += amount;
        }

        private int Append(ref KeyIncrements chain, Field field, long amount)
        {
            var at = _increments.Count;
            _increments.Add(new FieldIncrement(field, amount));
            if (chain.Last >= 0)
                CollectionsMarshal.AsSpan(_increments)[chain.Last].Next = at;
            else
                chain.First = at;
            chain.Last = at;
            chain.Count++;
            return at;
        }

        public void AddVisitors(string key, List<ulong> visitors)
        {
            var index = IndexOf(key);
            if (!_visitorSources.TryGetValue(index, out var sources))
                _visitorSources[index] = sources = _freeSourceLists.TryPop(out var free) ? free : [];
            sources.Add(visitors);
        }

        public void Expire(int key, long unixSeconds) => _expiries[key] = unixSeconds;

        public void Expire(string key, long unixSeconds) => Expire(IndexOf(key), unixSeconds);

        public void AppendRaw(string key, int maxLength, byte[] payload) => _raw.Add((IndexOf(key), maxLength, payload));

        public bool IsEmpty => _keys.Count == 1 && _raw.Count == 0;

        public void Clear()
        {
            _keys.RemoveRange(1, _keys.Count - 1);
            _keyIndex.Clear();
            _keyIndex[appliedKey] = 1;
            _incrementAt.Clear();
            _increments.Clear();
            _groupStart = 0;
            _keyIncrements.Clear();
            _keyIncrements.AddRange([KeyIncrements.None, KeyIncrements.None]);
            foreach (var sources in _visitorSources.Values)
            {
                sources.Clear();
                _freeSourceLists.Push(sources);
            }
            _visitorSources.Clear();
            _expiries.Clear();
            _raw.Clear();
            foreach (var repeat in _repeats)
                repeat?.Start(null);
        }

        public ScriptCall Build(string node, long firstSequence, long lastSequence, ArrayBufferWriter<byte> json)
        {
            var args = _args;
            args.Clear();
            args.AddRange([node, firstSequence.ToString(CultureInfo.InvariantCulture), lastSequence.ToString(CultureInfo.InvariantCulture)]);
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
                // One group's short list goes as it is (a visitor twice is one member to PFADD): most keys of clicks
                // spread over many links have one group of a click or two. Longer lists are made distinct, since one
                // visitor's repeated clicks would otherwise fill PFADD with copies.
                ReadOnlySpan<ulong> members = sources is [{ Count: <= MaxUncheckedVisitors } only]
                    ? CollectionsMarshal.AsSpan(only)
                    : Union(sources);
                for (var start = 0; start < members.Length; start += MaxPfAddMembers)
                {
                    args.Add("v");
                    args.Add(Index(sharing.Count));
                    foreach (var key in sharing)
                        args.Add(Index(key));
                    args.Add(PackVisitors(members.Slice(start, Math.Min(MaxPfAddMembers, members.Length - start))));
                }
            }
            foreach (var raw in _raw)
                args.AddRange(["x", Index(raw.Key), Index(raw.MaxLength), raw.Payload]);
            return new ScriptCall(unit, [.. _keys], [.. args]);
        }

        private static string Index(int key) => (uint)key < (uint)SmallNumbers.Length ? SmallNumbers[key] : key.ToString(CultureInfo.InvariantCulture);

        // Key numbers and counts of keys, made once: a window over thousands of links names thousands of keys.
        private static readonly string[] SmallNumbers = [.. Enumerable.Range(0, 4096).Select(n => n.ToString(CultureInfo.InvariantCulture))];

        /// <summary>
        /// Increments and expiries as JSON arguments (op "j"): {"h":[[key, field, "amount", field, "amount"...]...],
        /// "e":[key, "unixtime"...]}, split every <see cref="MaxCountsArgumentBytes"/>. A few arguments instead of
        /// four per field keep the Redis client, the spool and the script's argument table from doing per-field
        /// work; a batch over 10,000 links has tens of thousands of fields. Numbers go as strings: the script
        /// passes them on to Redis without converting them.
        /// </summary>
        private void AddCounts(List<RedisValue> args, ArrayBufferWriter<byte> buffer)
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
                    json.WriteStringValue(_increments[at].Field.Name);
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
            args.AddRange(["j", buffer.WrittenSpan.ToArray()]);
        }

        private static bool IsFull(Utf8JsonWriter json) => json.BytesCommitted + json.BytesPending >= MaxCountsArgumentBytes;

        private static void NextArgument(Utf8JsonWriter json, List<RedisValue> args, ArrayBufferWriter<byte> buffer)
        {
            json.WriteEndObject();
            json.Flush();
            args.AddRange(["j", buffer.WrittenSpan.ToArray()]);
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
        /// were), in ASCII: one argument per batch instead of one per visitor, for the builder and the Redis client.
        /// </summary>
        private static ulong[] Union(List<List<ulong>> sources)
        {
            var members = new HashSet<ulong>();
            foreach (var list in sources)
            {
                foreach (var visitor in CollectionsMarshal.AsSpan(list))
                    members.Add(visitor);
            }
            return [.. members];
        }

        private static byte[] PackVisitors(ReadOnlySpan<ulong> visitors)
        {
            Span<byte> bytes = stackalloc byte[MaxPfAddMembers * sizeof(ulong)];
            for (var i = 0; i < visitors.Length; i++)
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes[(i * sizeof(ulong))..], visitors[i]);
            var text = new byte[visitors.Length * VisitorDigits];
            Convert.TryToHexStringLower(bytes[..(visitors.Length * sizeof(ulong))], text, out _);
            return text;
        }

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
                _keyIncrements.Add(KeyIncrements.None);
            }
            return index;
        }

        private struct FieldIncrement(Field field, long amount)
        {
            public readonly Field Field = field;
            public long Amount = amount;
            public int Next = -1;

            public readonly int FieldId => Field.Id;
        }

        /// <summary>
        /// A group's increments in one subject other than its link, but the link's field, by their places in this
        /// call; the subject's keys and its day key's number. Valid for the plan being made.
        /// </summary>
        public sealed class SubjectRepeat
        {
            public ClickShape? Shape { get; private set; }

            public List<int> Increments { get; } = [];

            public int Day { get; set; }

            public SubjectKeys? Keys { get; set; }

            public void Start(ClickShape? shape)
            {
                Shape = shape;
                Increments.Clear();
            }

            public void Add(int increment) => Increments.Add(increment);
        }

        /// <summary>A key's increments: the first and last of its chain (-1 for none), how many, and whether they are in the table.</summary>
        private struct KeyIncrements
        {
            public static KeyIncrements None => new() { First = -1, Last = -1 };

            public int First;
            public int Last;
            public int Count;
            public bool Indexed;
        }
    }
}
