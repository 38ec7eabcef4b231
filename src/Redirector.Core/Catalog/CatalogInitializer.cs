using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Redirector.ApiKeys;

namespace Redirector.Catalog;

/// <summary>Applies migrations and creates the first API key before anything else runs.</summary>
public sealed partial class CatalogInitializer(
    IDbContextFactory<CatalogDb> dbFactory,
    ApiKeyService apiKeys,
    IOptions<ApiKeyOptions> options,
    ILogger<CatalogInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            if (db.Database.IsSqlite())
            {
                // WAL lets the redirect node's cache refresher read while the admin area writes.
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
            }
            await db.Database.MigrateAsync(cancellationToken);
        }

        if (await apiKeys.AnyAsync(cancellationToken))
            return;
        if (options.Value.InitialKey is { Length: > 0 } initial)
        {
            await apiKeys.CreateAsync("initial", cancellationToken, initial);
            LogInitialKeyFromConfiguration(logger);
        }
        else
        {
            var created = await apiKeys.CreateAsync("initial", cancellationToken);
            LogInitialKeyGenerated(logger, created.Secret);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the first API key from Api:InitialKey")]
    private static partial void LogInitialKeyFromConfiguration(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No API key existed; created one, shown only this once: {Secret}")]
    private static partial void LogInitialKeyGenerated(ILogger logger, string secret);
}
