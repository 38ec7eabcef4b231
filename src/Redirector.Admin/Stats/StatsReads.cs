namespace Redirector.Admin.Stats;

/// <summary>Reads of counts that degrade to a "counts unavailable" state instead of an error page when Redis is away.</summary>
public static class StatsReads
{
    /// <summary>How often open pages re-read their counts (admin.js swaps the parts marked data-live).</summary>
    public const int RefreshSeconds = 5;

    public static async Task<bool> TryAsync(Func<Task> read)
    {
        try
        {
            await read();
            return true;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            return false;
        }
    }

    public static bool IsUnavailable(Exception ex) =>
        ex is Redirector.Stats.StatsUnavailableException or StackExchange.Redis.RedisException or TimeoutException;
}
