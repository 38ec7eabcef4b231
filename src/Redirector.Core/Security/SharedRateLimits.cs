using System.Threading.RateLimiting;
using Redirector.Clicks;
using RedisRateLimiting;
using StackExchange.Redis;

namespace Redirector.Security;

/// <summary>
/// Fixed-window rate limits that every node counts together in Redis (RedisRateLimiting's fixed window, keys
/// <c>rl:{partition}</c> expiring with the window), so behind N nodes a client gets the limit once, not N times.
/// While Redis is away each node counts in its own window of the same size instead: the API and the sign-in page
/// never fail because Redis is down, and for that time the bound is N times the limit. A Redis that is connected but
/// does not answer (paused, overloaded) costs a request at most <see cref="SharedCountTimeout"/>; after such a miss
/// the node counts alone for <see cref="LocalAfterMiss"/> before it asks Redis again.
/// </summary>
public sealed class SharedRateLimits(RedisConnection redis)
{
    /// <summary>The longest a request waits for the shared count before it is counted by this node alone.</summary>
    public static readonly TimeSpan SharedCountTimeout = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a node counts alone after Redis failed to answer in time.</summary>
    public static readonly TimeSpan LocalAfterMiss = TimeSpan.FromSeconds(5);

    // Environment.TickCount64 until which requests are counted locally; shared by every partition of this node.
    private long _localUntil;

    /// <summary>
    /// A partition allowing <paramref name="permits"/> per <paramref name="window"/> to everything that maps to
    /// <paramref name="partition"/> (e.g. "api:key:&lt;hash&gt;"), for a policy of ASP.NET Core's rate limiter.
    /// </summary>
    public RateLimitPartition<string> FixedWindow(string partition, int permits, TimeSpan window) =>
        RateLimitPartition.Get(partition, key => new RedisOrLocalRateLimiter(
            this,
            multiplexer => new RedisFixedWindowRateLimiter<string>(key, new RedisFixedWindowRateLimiterOptions
            {
                ConnectionMultiplexerFactory = () => multiplexer,
                PermitLimit = permits,
                Window = window,
            }),
            new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = window, QueueLimit = 0 })));

    /// <summary>The shared limiter while Redis is connected and answers; this node's own one otherwise.</summary>
    /// <summary>The multiplexer to count with, or null while Redis is away or recently missed.</summary>
    private IConnectionMultiplexer? SharedCounter =>
        Environment.TickCount64 >= Interlocked.Read(ref _localUntil) && redis.Multiplexer is { IsConnected: true } multiplexer ? multiplexer : null;

    private void Missed() => Interlocked.Exchange(ref _localUntil, Environment.TickCount64 + (long)LocalAfterMiss.TotalMilliseconds);

    private sealed class RedisOrLocalRateLimiter(SharedRateLimits owner, Func<IConnectionMultiplexer, RateLimiter> createShared, RateLimiter local) : RateLimiter
    {
        private RateLimiter? _shared;

        public override TimeSpan? IdleDuration => local.IdleDuration;

        public override RateLimiterStatistics? GetStatistics() => local.GetStatistics();

        // The shared count needs a round trip, which a synchronous attempt must not make; ASP.NET Core's middleware
        // then asks AcquireAsync.
        protected override RateLimitLease AttemptAcquireCore(int permitCount) =>
            owner.SharedCounter is not null ? NotAcquired.Instance : local.AttemptAcquire(permitCount);

        protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
        {
            if (owner.SharedCounter is { } multiplexer)
            {
                _shared ??= createShared(multiplexer);
                // The library's script call takes no cancellation, so the wait is bounded here; a lease that comes
                // after the caller gave up is released when it comes.
                var acquiring = _shared.AcquireAsync(permitCount, cancellationToken).AsTask();
                try
                {
                    return await acquiring.WaitAsync(SharedCountTimeout, cancellationToken);
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    owner.Missed();
                    _ = acquiring.ContinueWith(static late => late.Result.Dispose(), CancellationToken.None,
                        TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
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
