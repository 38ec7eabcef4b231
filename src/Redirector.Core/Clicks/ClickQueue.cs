using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Redirector.Clicks;

/// <summary>
/// The hand-off between the redirect path and the pipeline: a bounded in-memory queue whose writes never wait.
/// A full queue (the pipeline is stalled far beyond normal) drops the click and counts it.
/// </summary>
public sealed class ClickQueue
{
    private readonly Channel<QueuedEvent> _channel;
    private long _dropped;

    public ClickQueue(IOptions<AnalyticsOptions> options) =>
        _channel = Channel.CreateBounded<QueuedEvent>(new BoundedChannelOptions(options.Value.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

    public ChannelReader<QueuedEvent> Reader => _channel.Reader;

    public long Dropped => Interlocked.Read(ref _dropped);

    public int Count => _channel.Reader.Count;

    public void Enqueue(QueuedEvent click)
    {
        if (!_channel.Writer.TryWrite(click))
            Interlocked.Increment(ref _dropped);
    }

    /// <summary>Completes once every click enqueued before the call is in Redis or in the spool.</summary>
    public async Task FlushAsync()
    {
        var marker = new FlushMarker();
        // The marker must get in even when the queue is full, so this one write may wait.
        await _channel.Writer.WriteAsync(marker);
        await marker.Done.Task;
    }
}
