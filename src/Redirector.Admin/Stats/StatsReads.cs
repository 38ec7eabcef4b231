namespace Redirector.Admin.Stats;

/// <summary>Reads of counts that degrade to a "counts unavailable" state instead of an error page when Redis is away.</summary>
public static class StatsReads
{
    /// <summary>How often open pages re-read their counts when no event from /admin/live came (<see cref="LiveClicks"/>).</summary>
    public const int RefreshSeconds = 15;

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
        ex is Redirector.Stats.StatsUnavailableException or Redirector.Events.EventStoreUnavailableException or StackExchange.Redis.RedisException or TimeoutException;
}
