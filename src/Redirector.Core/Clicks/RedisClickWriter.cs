using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Redirector.Clicks;

/// <summary>
/// The Redis consumer of the spool: applies batches with click-apply.lua, called by its SHA (loaded once per
/// server, reloaded when a restarted server has forgotten it). The script calls are derived from the batch by
/// <see cref="RedisBatchPlanner"/>; all calls of a batch go out together: one round trip. Used by one thread.
/// </summary>
public sealed class RedisClickWriter(RedisConnection redis, StatsKeys keys, IOptions<AnalyticsOptions> options)
{
    internal static readonly string Script = LoadScript();
    private static readonly byte[] ScriptSha = SHA1.HashData(Encoding.UTF8.GetBytes(Script));

    private readonly RedisBatchPlanner _planner = new(keys, options.Value);
    // The calls of the batch applied last: a retry after a timeout sends the same calls, expiries included.
    private (string Node, long Sequence, IReadOnlyList<ScriptCall> Calls)? _planned;

    /// <summary>Throws when Redis is away or fails; the caller keeps the batch in the spool. Applying a batch twice counts it once.</summary>
    public async Task ApplyAsync(ClickBatch batch)
    {
        var db = redis.Database ?? throw new InvalidOperationException("Redis is not connected");
        var calls = CallsOf(batch);
        try
        {
            await RunAsync(db, calls);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            await LoadScriptAsync();
            await RunAsync(db, calls);
        }
    }

    /// <summary>The script calls that apply <paramref name="batch"/> (see click-apply.lua).</summary>
    public IReadOnlyList<ScriptCall> CallsOf(ClickBatch batch)
    {
        if (_planned is { } planned && planned.Node == batch.Node && planned.Sequence == batch.Sequence)
            return planned.Calls;
        var calls = _planner.Plan(batch);
        _planned = (batch.Node, batch.Sequence, calls);
        return calls;
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

    private static Task<RedisResult[]> RunAsync(IDatabase db, IReadOnlyList<ScriptCall> calls) =>
        Task.WhenAll(calls.Select(call => db.ScriptEvaluateAsync(
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
        using var stream = typeof(RedisClickWriter).Assembly.GetManifestResourceStream("Redirector.Clicks.click-apply.lua")
            ?? throw new InvalidOperationException("click-apply.lua is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
