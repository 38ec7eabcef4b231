using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Redirector.Clicks;

/// <summary>
/// The Redis consumer of the spool: applies ranges of batches with click-apply.lua, called by its SHA (loaded once
/// per server, reloaded when a restarted server has forgotten it). The script calls are derived from the batches by
/// <see cref="RedisBatchPlanner"/>; all calls of a range go out together: one round trip. Used by one thread.
/// </summary>
public sealed class RedisClickWriter(RedisConnection redis, StatsKeys keys, IOptions<AnalyticsOptions> options)
{
    internal static readonly string Script = LoadScript();
    private static readonly byte[] ScriptSha = SHA1.HashData(Encoding.UTF8.GetBytes(Script));

    private readonly RedisBatchPlanner _planner = new(keys, options.Value);
    // The calls of the range applied last: a retry after a timeout sends the same calls, expiries included.
    private (string Node, long First, long Last, IReadOnlyList<ScriptCall> Calls)? _planned;

    /// <summary>Throws when Redis is away or fails; the caller keeps the batch in the spool. Applying a batch twice counts it once.</summary>
    public Task ApplyAsync(ClickBatch batch) => ApplyAsync([batch]);

    /// <summary>
    /// Applies consecutive batches of one node (oldest first) as one range: their counts merge, so a link clicked in
    /// several of them is written once. A unit that already took the start of the range (an earlier attempt whose
    /// answer was lost, with fewer batches) is given the rest. Throws when Redis is away or fails; the caller keeps
    /// the batches in the spool. Applying a batch twice counts it once.
    /// </summary>
    public async Task ApplyAsync(IReadOnlyList<ClickBatch> batches)
    {
        var db = redis.Database ?? throw new InvalidOperationException("Redis is not connected");
        var calls = CallsOf(batches);
        var results = await RunLoadingScriptAsync(db, calls);
        for (var i = 0; i < calls.Count; i++)
        {
            if (results[i].Resp2Type != ResultType.BulkString || !long.TryParse((string?)results[i], out var applied))
                continue;
            var rest = batches.Where(b => b.Sequence > applied).ToList();
            var again = await RunLoadingScriptAsync(db, _planner.Plan(rest, calls[i].Unit));
            if (again.Any(r => r.Resp2Type == ResultType.BulkString))
                throw new InvalidOperationException($"Unit {calls[i].Unit} took batches of node {rest[0].Node} while this one applied them: is the node id shared?");
        }
    }

    /// <summary>The script calls that apply <paramref name="batches"/> as one range (see click-apply.lua).</summary>
    public IReadOnlyList<ScriptCall> CallsOf(IReadOnlyList<ClickBatch> batches)
    {
        var (node, first, last) = (batches[0].Node, batches[0].Sequence, batches[^1].Sequence);
        if (_planned is { } planned && planned.Node == node && planned.First == first && planned.Last == last)
            return planned.Calls;
        var calls = _planner.Plan(batches);
        _planned = (node, first, last, calls);
        return calls;
    }

    private async Task<RedisResult[]> RunLoadingScriptAsync(IDatabase db, IReadOnlyList<ScriptCall> calls)
    {
        try
        {
            return await RunAsync(db, calls);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            await LoadScriptAsync();
            return await RunAsync(db, calls);
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

    private static Task<RedisResult[]> RunAsync(IDatabase db, IReadOnlyList<ScriptCall> calls) =>
        Task.WhenAll(calls.Select(call => db.ScriptEvaluateAsync(
            ScriptSha,
            Array.ConvertAll(call.Keys, k => (RedisKey)k),
            call.Args)));

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
