using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Redirector.Benchmarks.HotPath;

/// <summary>
/// The types a process allocates most, from the runtime's AllocationTick events (one about every 100 KB allocated,
/// naming the type whose allocation crossed the mark), listened to in process. A sample, not a count: a type's share
/// of the ticks estimates its share of the bytes.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const int AllocationTickEvent = 10;
    private const long GcKeyword = 0x1;
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);
    private volatile bool _counting;

    /// <summary>Starts or stops counting ticks (the runtime's events go on arriving either way).</summary>
    public bool Counting
    {
        get => _counting;
        set => _counting = value;
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs data)
    {
        if (!_counting || data.EventId != AllocationTickEvent || data.Payload is null)
            return;
        var type = data.PayloadNames?.IndexOf("TypeName") is >= 0 and var at ? data.Payload[at] as string ?? "?" : "?";
        var amount = data.PayloadNames?.IndexOf("AllocationAmount64") is >= 0 and var size ? Convert.ToInt64(data.Payload[size], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        _bytes.AddOrUpdate(type, amount, (_, total) => total + amount);
    }

    /// <summary>The <paramref name="count"/> types with the most bytes sampled, with their bytes per <paramref name="per"/> unit of work.</summary>
    public IEnumerable<string> Top(int count, long per) =>
        _bytes.OrderByDescending(pair => pair.Value).Take(count)
            .Select(pair => $"{pair.Value / (double)per,9:N0} B  {pair.Key}");
}
