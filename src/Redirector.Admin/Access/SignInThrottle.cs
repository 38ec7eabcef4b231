using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Redirector.Admin.Access;

/// <summary>
/// Counts failed sign-ins per (client address, account) and holds back a pair that failed too often. Keying on both
/// means nobody can lock an owner out from elsewhere (the owner's own client has not failed), and unknown accounts
/// are counted exactly like known ones, so the answers tell nothing about which accounts exist. One client spraying
/// many accounts is held back by the per-address rate limit (<see cref="AdminOptions.LoginAttemptsPerMinute"/>).
/// Counts live in this node's memory: behind N nodes a client gets at most N times the limit.
/// </summary>
public sealed class SignInThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string> _failures;

    public SignInThrottle(IOptions<AdminOptions> options)
    {
        var (limit, window) = (options.Value.FailedSignInLimit, options.Value.FailedSignInWindow);
        // A sliding window forgets failures a segment at a time (a minute for the default 15), not all at once.
        var segments = (int)Math.Clamp(window.TotalMinutes, 1, 60);
        _failures = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetSlidingWindowLimiter(key, _ =>
            new SlidingWindowRateLimiterOptions { PermitLimit = limit, Window = window, SegmentsPerWindow = segments, QueueLimit = 0 }));
    }

    /// <summary>The key of one client trying one account; the email is compared normalised (upper case, trimmed).</summary>
    public static string KeyOf(IPAddress? client, string normalizedEmail) => $"{client?.ToString() ?? "-"}|{normalizedEmail}";

    /// <summary>True when this pair has used up its failures and must not even have its password checked.</summary>
    public bool IsHeldBack(string key) => _failures.GetStatistics(key)?.CurrentAvailablePermits is 0;

    /// <summary>Counts a failure; true when it was the last one allowed, so the next attempt is held back.</summary>
    public bool Fail(string key)
    {
        using var lease = _failures.AttemptAcquire(key);
        return IsHeldBack(key);
    }

    public void Dispose() => _failures.Dispose();
}
