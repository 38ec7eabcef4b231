using System.Threading.RateLimiting;
using Redirector.Clicks;
using RedisRateLimiting;
using StackExchange.Redis;

namespace Redirector.Security;

/// <summary>
/// Fixed-window rate limits that every node counts together in Redis (RedisRateLimiting's fixed window, keys
/// <c>rl:{partition}</c> expiring with the window), so behind N nodes a client gets the limit once, not N times.
/// While Redis is away each node counts in its own window of the same size instead: the API and the sign-in page
/// never fail or wait because Redis is down, and for that time the bound is N times the limit.
/// </summary>
public sealed class SharedRateLimits(RedisConnection redis)
{
    /// <summary>
    /// A partition allowing <paramref name="permits"/> per <paramref name="window"/> to everything that maps to
    /// <paramref name="partition"/> (e.g. "api:key:&lt;hash&gt;"), for a policy of ASP.NET Core's rate limiter.
    /// </summary>
    public RateLimitPartition<string> FixedWindow(string partition, int permits, TimeSpan window) =>
        RateLimitPartition.Get(partition, key => new RedisOrLocalRateLimiter(
            redis,
            multiplexer => new RedisFixedWindowRateLimiter<string>(key, new RedisFixedWindowRateLimiterOptions
            {
                ConnectionMultiplexerFactory = () => multiplexer,
                PermitLimit = permits,
                Window = window,
            }),
            new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = window, QueueLimit = 0 })));

    /// <summary>The shared limiter while Redis is connected and answers; this node's own one otherwise.</summary>
    private sealed class RedisOrLocalRateLimiter(RedisConnection redis, Func<IConnectionMultiplexer, RateLimiter> createShared, RateLimiter local) : RateLimiter
    {
        private RateLimiter? _shared;

        public override TimeSpan? IdleDuration => local.IdleDuration;

        public override RateLimiterStatistics? GetStatistics() => local.GetStatistics();

        // The shared count needs a round trip, which a synchronous attempt must not make; ASP.NET Core's middleware
        // then asks AcquireAsync.
        protected override RateLimitLease AttemptAcquireCore(int permitCount) =>
            redis.IsConnected ? NotAcquired.Instance : local.AttemptAcquire(permitCount);

        protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
        {
            if (redis.Multiplexer is { IsConnected: true } multiplexer)
            {
                try
                {
                    _shared ??= createShared(multiplexer);
                    return await _shared.AcquireAsync(permitCount, cancellationToken);
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                }
            }
            return await local.AcquireAsync(permitCount, cancellationToken);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _shared?.Dispose();
                local.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    private sealed class NotAcquired : RateLimitLease
    {
        public static readonly NotAcquired Instance = new();

        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
