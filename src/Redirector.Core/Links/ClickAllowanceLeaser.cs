using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Redirector.Clicks;
using StackExchange.Redis;

namespace Redirector.Links;

/// <summary>
/// Grows each node's <see cref="ClickAllowance"/> from Redis in the background, so the redirect path never waits for
/// Redis. Per link, Redis holds one counter of the clicks granted to all nodes (<see cref="StatsKeys.ClickGrants"/>);
/// a grant never takes it past the link's maximum. A node starts a link with an optimistic lease it has not been
/// granted yet, capped by what the counter had left when first read, and claims it with its first grant, which it
/// asks for only once it has redirected a click of the link (sized by that pace), so a node reserves nothing of a
/// link it does not serve. That lease, at most <see cref="ClickAllowanceOptions.LeaseSize"/> per node start, is the
/// only way a link can go past its maximum across nodes. A graceful stop gives back what was granted and not used; a
/// crash loses it. While Redis is away a node redirects no more than it was granted (or its first lease).
/// </summary>
public sealed partial class ClickAllowanceLeaser(
    ClickAllowances allowances,
    RedisConnection redis,
    StatsKeys keys,
    IOptions<ClickAllowanceOptions> options,
    TimeProvider time,
    ILogger<ClickAllowanceLeaser> logger) : BackgroundService
{
    // KEYS[1] the link's grant counter; ARGV[1] clicks asked for, ARGV[2] the link's maximum. Returns the clicks granted.
    private static readonly LuaScript Grant = LuaScript.Prepare(
        "local granted = tonumber(redis.call('GET', KEYS[1]) or '0') " +
        "local give = math.min(tonumber(ARGV[1]), tonumber(ARGV[2]) - granted) " +
        "if give <= 0 then return 0 end " +
        "redis.call('INCRBY', KEYS[1], give) " +
        "return give");

    // KEYS[1] the link's grant counter, KEYS[2] its totals. Returns the counter, reserving nothing. A maximum counts
    // every click of the link (docs/links.md), so a counter that does not exist yet (a maximum just given to a link
    // that has clicks) starts at the link's counted clicks ("c"). Only this read, which a node makes before it
    // redirects a click of the link, starts it: by a grant, counted clicks may already hold the node's own first
    // lease, which the grant claims, and would be counted twice.
    private static readonly LuaScript Read = LuaScript.Prepare(
        "local granted = redis.call('GET', KEYS[1]) " +
        "if granted then return tonumber(granted) end " +
        "granted = tonumber(redis.call('HGET', KEYS[2], 'c') or '0') " +
        "redis.call('SET', KEYS[1], granted) " +
        "return granted");

    // KEYS[1] the link's grant counter; ARGV[1] clicks granted to this node and not used, ARGV[2] clicks this node used.
    // Returns the clicks given back. The counter never drops below this node's used clicks, so a counter that was
    // reset (a flushed Redis) is never driven negative nor below what this node really redirected.
    private static readonly LuaScript Return = LuaScript.Prepare(
        "local granted = tonumber(redis.call('GET', KEYS[1]) or '0') " +
        "local give = math.min(tonumber(ARGV[1]), granted - tonumber(ARGV[2])) " +
        "if give <= 0 then return 0 end " +
        "redis.call('DECRBY', KEYS[1], give) " +
        "return give");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        allowances.LeaserRunning = true;
        try
        {
            Task<bool>? wake = null;
            while (!stoppingToken.IsCancellationRequested)
            {
                // A first visit waiting in ClickAllowances.WhenKnownAsync starts a round at once rather than at the tick.
                wake ??= allowances.WaitForWakeAsync(stoppingToken);
                await Task.WhenAny(Task.Delay(options.Value.LeaseInterval, time, stoppingToken), wake);
                if (stoppingToken.IsCancellationRequested)
                    break;
                if (wake.IsCompleted)
                {
                    allowances.TakeWake();
                    wake = null;
                }
                try
                {
                    await LeaseAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    LogLeaseFailed(logger, ex);
                }
            }
        }
        finally
        {
            allowances.LeaserRunning = false;
        }
    }

    /// <summary>
    /// Gives back to Redis, per link, the clicks granted to this node and not used, once the node stops redirecting.
    /// The host stops the server first (WebApplicationBuilder registers it after the app's hosted services, and hosted
    /// services stop in reverse order), then this; <see cref="ClickAllowance.Close"/> is atomic with the redirect
    /// path's take, so a request still in flight either used its click or finds the link closed, never both used and
    /// given back. Waits at most <see cref="ClickAllowanceOptions.ReturnTimeout"/> in all, a grant still waiting for a
    /// hung Redis included.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        var timeout = options.Value.ReturnTimeout;
        var started = time.GetTimestamp();
        try
        {
            // Normally ExecuteAsync has ended here. A grant still on its way when the wait gives up is not in Granted
            // when Close reads it, so it is lost rather than given back twice.
            await base.StopAsync(cancellationToken).WaitAsync(timeout, time, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            // The host's own shutdown timeout or ours: the clicks are still given back, within what is left of ours.
        }
        var left = timeout - time.GetElapsedTime(started);
        await ReturnUnusedAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero);
    }

    internal async Task ReturnUnusedAsync(TimeSpan timeout)
    {
        var unused = new List<(ClickAllowance Allowance, long Clicks)>();
        foreach (var allowance in allowances.All)
        {
            if (allowance.Close() is > 0 and var clicks)
                unused.Add((allowance, clicks));
        }
        if (unused.Count == 0)
            return;
        var total = unused.Sum(u => u.Clicks);
        if (redis.Database is not { } db)
        {
            LogReturnFailed(logger, total, unused.Count, null);
            return;
        }
        try
        {
            await Task.WhenAll(unused.Select(u => db.ScriptEvaluateAsync(Return.ExecutableScript,
                [keys.ClickGrants(u.Allowance.LinkId)], [u.Clicks, u.Allowance.Used]))).WaitAsync(timeout, time);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogReturnFailed(logger, total, unused.Count, ex);
        }
    }

    internal async Task LeaseAsync(CancellationToken ct)
    {
        if (redis.Database is not { } db)
            return;
        // Links this node has not redirected a click of yet: only read what is left, reserving nothing, all at once.
        var unread = allowances.All.Where(a => !a.IsKnown && !a.HasLeased && a.Used == 0).ToList();
        if (unread.Count > 0)
        {
            var counters = await Task.WhenAll(unread.Select(a => db.ScriptEvaluateAsync(Read.ExecutableScript,
                [keys.ClickGrants(a.LinkId), keys.Totals(StatsSubject.Link(a.LinkId))])));
            for (var i = 0; i < unread.Count; i++)
                unread[i].SetLeft((long)counters[i]);
        }
        var lease = options.Value.LeaseSize;
        foreach (var allowance in allowances.All)
        {
            ct.ThrowIfCancellationRequested();
            var used = allowance.Used;
            if (!allowance.HasLeased && used == 0)
                continue;
            // A link's pace since the last grant sizes the next one, so a busy link is not held back between rounds.
            var want = used + Math.Max(lease, 2 * (used - allowance.UsedAtLastGrant)) - allowance.Granted;
            var needsMore = !allowance.HasLeased || (!allowance.IsPoolEmpty && allowance.Quota - used < want / 2);
            var ask = Math.Min(want, allowance.Max - allowance.Granted);
            if (!needsMore || ask <= 0)
                continue;
            var granted = (long)await db.ScriptEvaluateAsync(Grant.ExecutableScript, [keys.ClickGrants(allowance.LinkId)], [ask, allowance.Max]);
            allowance.AddGrant(ask, granted, used);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Leasing clicks of links with a maximum from Redis failed; retrying")]
    private static partial void LogLeaseFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Giving back {Clicks} leased and unused clicks of {Links} links with a maximum to Redis failed at stop; they are lost as after a crash")]
    private static partial void LogReturnFailed(ILogger logger, long clicks, int links, Exception? exception);
}
