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
/// granted yet, and claims it with its first grant: that lease, at most <see cref="ClickAllowanceOptions.LeaseSize"/>
/// per node start, is the only way a link can go past its maximum across nodes. While Redis is away a node redirects
/// no more than it was granted (or its first lease).
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.LeaseInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
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

    internal async Task LeaseAsync(CancellationToken ct)
    {
        if (redis.Database is not { } db)
            return;
        var lease = options.Value.LeaseSize;
        foreach (var allowance in allowances.All)
        {
            ct.ThrowIfCancellationRequested();
            var used = allowance.Used;
            // A link's pace since the last grant sizes the next one, so a busy link is not held back between rounds.
            var want = used + Math.Max(lease, 2 * (used - allowance.UsedAtLastGrant)) - allowance.Granted;
            var needsMore = !allowance.HasLeased || (!allowance.IsPoolEmpty && allowance.Quota - used < want / 2);
            var ask = Math.Min(want, allowance.Max - allowance.Granted);
            if (!needsMore || ask <= 0)
                continue;
            var granted = (long)await db.ScriptEvaluateAsync(Grant.ExecutableScript,
                [keys.ClickGrants(allowance.LinkId)], [ask, allowance.Max]);
            allowance.AddGrant(ask, granted, used);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Leasing clicks of links with a maximum from Redis failed; retrying")]
    private static partial void LogLeaseFailed(ILogger logger, Exception exception);
}
