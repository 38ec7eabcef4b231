using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Redirector.Clicks;

/// <summary>
/// The one multiplexer of the process. It connects in the background so that the service starts (and
/// redirects) with Redis down; StackExchange.Redis then reconnects by itself.
/// </summary>
/// <remarks>
/// Settings, whatever the connection string says:
/// <list type="bullet">
/// <item><c>AbortOnConnectFail=false</c>: a first connect that fails leaves a multiplexer that keeps retrying,
/// rather than an exception and no multiplexer.</item>
/// <item><see cref="BacklogPolicy.FailFast"/>: StackExchange.Redis 3.x by default queues commands issued while a
/// connection is down and sends them on reconnect (each until its async timeout). Every writer here already has
/// its own retry: the click pipeline spools a batch that failed and replays it in order, and a stats read answers
/// 503. A second, hidden queue in the client would only hold work the spool holds anyway and send it later, in an
/// order the spool does not control. With FailFast a command for a server that is away fails (at the latest when
/// the pending reconnect attempt fails, within the connect timeout) and is never sent afterwards, and commands in
/// flight fail when their connection drops.</item>
/// <item>Connect, sync and async timeouts at most 2 s (the client defaults are 5 s): a caller waits no longer for
/// a server that does not answer than the pipeline's own <c>ApplyTimeout</c> default.</item>
/// <item>KeepAlive 5 s: a silently dropped connection is noticed within seconds; the heartbeat that checks
/// timeouts and connection state keeps its 1 s default.</item>
/// </list>
/// </remarks>
public sealed partial class RedisConnection : IDisposable
{
    private readonly ILogger<RedisConnection> _logger;
    private readonly Task<ConnectionMultiplexer?> _connecting;

    public RedisConnection(IConfiguration configuration, ILogger<RedisConnection> logger)
    {
        _logger = logger;
        var options = ConfigurationOptions.Parse(configuration.GetConnectionString("Redis") ?? "localhost:6379");
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = Math.Min(options.ConnectTimeout, 2000);
        options.SyncTimeout = Math.Min(options.SyncTimeout, 2000);
        options.AsyncTimeout = Math.Min(options.AsyncTimeout, 2000);
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.KeepAlive = 5;
        options.ResolveDns = true;
        ConnectionString = options.ToString(includePassword: false);
        _connecting = Task.Run(() => ConnectAsync(options));
    }

    public string ConnectionString { get; }

    public ConnectionMultiplexer? Multiplexer => _connecting.IsCompletedSuccessfully ? _connecting.Result : null;

    public bool IsConnected => Multiplexer?.IsConnected == true;

    /// <summary>The database when connected; null otherwise, so callers never queue commands for a server that is away.</summary>
    public IDatabase? Database => Multiplexer is { IsConnected: true } mux ? mux.GetDatabase() : null;

    public Task<ConnectionMultiplexer?> WhenCreated => _connecting;

    private async Task<ConnectionMultiplexer?> ConnectAsync(ConfigurationOptions options)
    {
        try
        {
            var mux = await ConnectionMultiplexer.ConnectAsync(options);
            if (!mux.IsConnected)
                LogNotYetConnected(_logger, ConnectionString);
            return mux;
        }
        catch (Exception ex)
        {
            LogConnectFailed(_logger, ex, ConnectionString);
            return null;
        }
    }

    public void Dispose()
    {
        if (Multiplexer is { } mux)
            mux.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis at {Address} does not answer yet; clicks are spooled until it does")]
    private static partial void LogNotYetConnected(ILogger logger, string address);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not create the Redis connection to {Address}")]
    private static partial void LogConnectFailed(ILogger logger, Exception exception, string address);
}
