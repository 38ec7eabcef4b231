using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace Redirector.Analytics;

/// <summary>
/// Applies batches with click-apply.lua, called by its SHA (loaded once per server, reloaded when a
/// restarted server has forgotten it). All calls of a batch go out together: one round trip.
/// </summary>
public sealed class RedisClickWriter(RedisConnection redis)
{
    internal static readonly string Script = LoadScript();
    private static readonly byte[] ScriptSha = SHA1.HashData(Encoding.UTF8.GetBytes(Script));

    /// <summary>Throws when Redis is away or fails; the caller spools the batch. Applying a batch twice counts it once.</summary>
    public async Task ApplyAsync(ClickBatch batch)
    {
        var db = redis.Database ?? throw new InvalidOperationException("Redis is not connected");
        try
        {
            await RunAsync(db, batch);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            await LoadScriptAsync();
            await RunAsync(db, batch);
        }
    }

    /// <summary>True when Redis answers a PING within <paramref name="timeout"/>.</summary>
    public async Task<bool> ProbeAsync(TimeSpan timeout)
    {
        if (redis.Database is not { } db)
            return false;
        try
        {
            var ping = db.PingAsync();
            if (await Task.WhenAny(ping, Task.Delay(timeout)) != ping)
            {
                _ = ping.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
                return false;
            }
            await ping;
            return true;
        }
        catch (RedisException)
        {
            return false;
        }
    }

    private static Task<RedisResult[]> RunAsync(IDatabase db, ClickBatch batch) =>
        Task.WhenAll(batch.Calls.Select(call => db.ScriptEvaluateAsync(
            ScriptSha,
            Array.ConvertAll(call.Keys, k => (RedisKey)k),
            Array.ConvertAll(call.Args, a => (RedisValue)a))));

    private async Task LoadScriptAsync()
    {
        var mux = redis.Multiplexer ?? throw new InvalidOperationException("Redis is not connected");
        foreach (var endpoint in mux.GetEndPoints())
        {
            var server = mux.GetServer(endpoint);
            if (server.IsConnected && !server.IsReplica)
                await server.ScriptLoadAsync(Script);
        }
    }

    private static string LoadScript()
    {
        using var stream = typeof(RedisClickWriter).Assembly.GetManifestResourceStream("Redirector.Analytics.click-apply.lua")
            ?? throw new InvalidOperationException("click-apply.lua is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
