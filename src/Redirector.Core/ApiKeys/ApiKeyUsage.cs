using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Redirector.Catalog;

namespace Redirector.ApiKeys;

/// <summary>
/// Keeps the latest use of each API key in memory and writes them to the catalogue every
/// <see cref="ApiKeyOptions.LastUsedFlushInterval"/>, one UPDATE per key used since, and once more at shutdown.
/// Bookkeeping must not hold up the call it records: a read-only API call used to wait 30 s and fail while the
/// catalogue was locked, only because it wrote the key's last-used time. A write that fails is tried again at
/// the next flush.
/// </summary>
public sealed partial class ApiKeyUsage(
    IDbContextFactory<CatalogDb> dbFactory, IOptions<ApiKeyOptions> options, TimeProvider time, ILogger<ApiKeyUsage> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<long, DateTime> _pending = new();

    /// <summary>Notes that key <paramref name="keyId"/> was used at <paramref name="at"/> (UTC); no I/O.</summary>
    public void Record(long keyId, DateTime at) => _pending.AddOrUpdate(keyId, at, (_, previous) => at > previous ? at : previous);

    /// <summary>Writes every recorded time; times that could not be written stay for the next flush.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        foreach (var keyId in _pending.Keys)
        {
            if (!_pending.TryRemove(keyId, out var at))
                continue;
            try
            {
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                await db.ApiKeys.Where(k => k.Id == keyId && (k.LastUsedAt == null || k.LastUsedAt < at))
                    .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, at), ct);
            }
            catch
            {
                Record(keyId, at);
                throw;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.LastUsedFlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                await TryFlushAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await TryFlushAsync(cancellationToken);
    }

    private async Task TryFlushAsync(CancellationToken ct)
    {
        try
        {
            await FlushAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFlushFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write API keys' last-used times; trying again at the next flush")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);
}
