using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Redirector.Analytics;

/// <summary>
/// The one multiplexer of the process. It connects in the background so that the service starts (and
/// redirects) with Redis down; StackExchange.Redis then reconnects by itself.
/// </summary>
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
