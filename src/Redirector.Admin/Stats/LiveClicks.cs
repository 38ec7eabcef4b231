using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Redirector.Clicks;
using Redirector.Stats;

namespace Redirector.Admin.Stats;

/// <summary>
/// Tells open admin pages that something was counted, within <see cref="PollInterval"/> of it reaching Redis: one
/// read of the global totals (clicks and bots, one HMGET) per node per interval, and only while a page listens,
/// however many pages are open. Each node reads Redis itself, so behind a plain load balancer any node serves any
/// page's stream: no sticky sessions (docs/admin.md).
/// </summary>
public sealed class LiveClicks(StatsReader reader, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>A comment line this often keeps proxies from closing a quiet stream.</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    private int _listeners;
    private long _version = -1;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Global clicks plus bots as last read; -1 before the first read.</summary>
    public long Version => Volatile.Read(ref _version);

    /// <summary>Waits until <see cref="Version"/> differs from <paramref name="seen"/> and returns it; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task<long> NextAsync(long seen, TimeSpan timeout, CancellationToken ct)
    {
        Interlocked.Increment(ref _listeners);
        try
        {
            while (true)
            {
                var changed = Volatile.Read(ref _changed).Task;
                if (Version is var version && version != seen)
                    return version;
                await changed.WaitAsync(timeout, time, ct);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _listeners);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (Volatile.Read(ref _listeners) == 0)
                continue;
            try
            {
                var (clicks, bots) = (await reader.ReadTotalsAsync([StatsSubject.Global]))[StatsSubject.Global];
                if (clicks + bots == Version)
                    continue;
                Volatile.Write(ref _version, clicks + bots);
                Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            }
            catch (Exception ex) when (StatsReads.IsUnavailable(ex))
            {
                // Redis away: pages show "counts unavailable" on their own; the stream resumes when it is back.
            }
        }
    }
}

/// <summary>The stream of <see cref="LiveClicks"/> for open pages.</summary>
public static class LiveEndpoint
{
    /// <summary>
    /// <c>GET /admin/live</c>: a server-sent event stream, <c>data: N</c> whenever the global count N changes (the first
    /// one is the count when the page opened); admin.js re-reads the page's live parts on each.
    /// </summary>
    public static IEndpointRouteBuilder MapLiveClicks(this IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/live", StreamAsync).RequireAuthorization(AdminServices.Policy).ExcludeFromDescription();
        return app;
    }

    private static async Task StreamAsync(HttpContext context, LiveClicks live, IHostApplicationLifetime lifetime)
    {
        var response = context.Response;
        // A node told to stop ends its streams at once: Kestrel would otherwise wait for them through its whole shutdown
        // timeout (30 s), longer than an orchestrator's grace period (Docker's is 10 s), and be killed with clicks
        // still in memory. The page's EventSource reconnects, to another node behind a balancer.
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var ct = ending.Token;
        response.ContentType = "text/event-stream";
        // Proxies such as nginx buffer responses unless told not to; a buffered stream is not live.
        response.Headers["X-Accel-Buffering"] = "no";
        await response.WriteAsync(": live\n\n", ct);
        await response.Body.FlushAsync(ct);
        var seen = -1L;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                seen = await live.NextAsync(seen, LiveClicks.Heartbeat, ct);
                await response.WriteAsync($"data: {seen.ToString(CultureInfo.InvariantCulture)}\n\n", ct);
            }
            catch (TimeoutException)
            {
                await response.WriteAsync(": heartbeat\n\n", ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await response.Body.FlushAsync(ct);
        }
    }
}
