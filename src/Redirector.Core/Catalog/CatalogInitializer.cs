using System.Globalization;
using Microsoft.Data.Sqlite;
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
    // Nodes starting together wait here for one another's migration, which may take longer than a request's
    // Catalog:BusyTimeout.
    private static readonly TimeSpan MigrationLockTimeout = TimeSpan.FromMinutes(2);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            db.Database.SetCommandTimeout(MigrationLockTimeout);
            if (db.Database.GetDbConnection() is SqliteConnection sqlite)
            {
                sqlite.DefaultTimeout = (int)MigrationLockTimeout.TotalSeconds;
                // WAL lets the redirect node's cache refresher read while the admin area writes.
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
                await db.Database.MigrateAsync(cancellationToken);
            }
            else
            {
                // EF Core's own migration lock lets a second node run the first one's migrations again when both
                // find the database empty ("relation already exists"); a session advisory lock orders them.
                await db.Database.OpenConnectionAsync(cancellationToken);
                await db.Database.ExecuteSqlAsync(
                    $"SELECT set_config('lock_timeout', {((long)MigrationLockTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)}, false)", cancellationToken);
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({CatalogDb.SetupLockKey})", cancellationToken);
                await db.Database.MigrateAsync(cancellationToken);
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({CatalogDb.SetupLockKey})", cancellationToken);
            }
        }

        var initial = options.Value.InitialKey is { Length: > 0 } configured ? configured : null;
        var created = await apiKeys.CreateFirstAsync(initial, cancellationToken);
        if (created is null)
            return;
        if (initial is not null)
            LogInitialKeyFromConfiguration(logger);
        else
            LogInitialKeyGenerated(logger, created.Secret);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the first API key from Api:InitialKey")]
    private static partial void LogInitialKeyFromConfiguration(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No API key existed; created one, shown only this once: {Secret}")]
    private static partial void LogInitialKeyGenerated(ILogger logger, string secret);
}
