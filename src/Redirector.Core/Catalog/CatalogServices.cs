using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Redirector.ApiKeys;
using Redirector.Domains;
using Redirector.Links;
using Redirector.Qr;
using Redirector.Settings;
using Redirector.Sites;

namespace Redirector.Catalog;

public static class CatalogServices
{
    public const string DefaultConnectionString = "Data Source=data/redirector.db";

    /// <summary>The catalogue database, the link and site caches that serve redirects, and the services that change them.</summary>
    public static IHostApplicationBuilder AddCatalog(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("Catalog") ?? DefaultConnectionString;
        var provider = builder.Configuration["Catalog:Provider"] ?? "Sqlite";
        var busyTimeout = builder.Configuration.GetSettings<CatalogOptions>("Catalog").BusyTimeout;
        if (provider.Equals("PostgreSQL", StringComparison.OrdinalIgnoreCase) || provider.Equals("Postgres", StringComparison.OrdinalIgnoreCase))
        {
            // Npgsql waits asynchronously, so only the wait itself needs a bound: lock_timeout, not a command
            // timeout, which would also cut long legitimate reads such as building the link filter over every link.
            var postgres = new NpgsqlConnectionStringBuilder(connectionString);
            postgres.Options = $"{postgres.Options} -c lock_timeout={(long)busyTimeout.TotalMilliseconds}".Trim();
            builder.Services.AddDbContextFactory<PostgresCatalogDb>(options => options.UseNpgsql(postgres.ConnectionString));
            builder.Services.AddSingleton<IDbContextFactory<CatalogDb>, CatalogDbFactory<PostgresCatalogDb>>();
            AddLookupContexts<PostgresCatalogDb>(builder.Services);
        }
        else if (provider.Equals("Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            EnsureSqliteDirectory(connectionString);
            // Microsoft.Data.Sqlite retries a locked database for DefaultTimeout seconds (30 by default).
            var sqlite = new SqliteConnectionStringBuilder(connectionString) { DefaultTimeout = (int)Math.Ceiling(busyTimeout.TotalSeconds) };
            builder.Services.AddSingleton(_ => new SqliteWriteGate(busyTimeout));
            builder.Services.AddDbContextFactory<SqliteCatalogDb>((services, options) =>
                options.UseSqlite(sqlite.ConnectionString).AddInterceptors(services.GetRequiredService<SqliteWriteGate>()));
            builder.Services.AddSingleton<IDbContextFactory<CatalogDb>, CatalogDbFactory<SqliteCatalogDb>>();
            AddLookupContexts<SqliteCatalogDb>(builder.Services);
        }
        else
        {
            throw new InvalidOperationException($"Catalog:Provider must be 'Sqlite' (one node) or 'PostgreSQL' (several nodes), not '{provider}'.");
        }
        builder.Services.AddScoped<CatalogDb>(sp => sp.GetRequiredService<IDbContextFactory<CatalogDb>>().CreateDbContext());

        builder.Services.TryAddTimeProvider();
        builder.Services.AddSingleton<LinkCache>();
        builder.Services.AddSingleton<LinkCacheLookup>();
        builder.Services.AddSingleton<ClickAllowances>();
        builder.Services.AddOptions<ClickAllowanceOptions>().BindSettings("Links:MaxClicks").ValidateOnStart();
        builder.Services.AddSingleton<ShortUrls>();
        builder.Services.AddSingleton<LinkCatalog>();
        builder.Services.AddSingleton<DomainCatalog>();
        builder.Services.AddSingleton<QrLogos>();
        builder.Services.AddSingleton<QrCodes>();
        builder.Services.AddSingleton<SiteCache>();
        builder.Services.AddSingleton<SiteCatalog>();
        builder.Services.AddSingleton<ApiKeyService>();
        builder.Services.AddSingleton<ApiKeyUsage>();
        builder.Services.AddOptions<LinkCacheOptions>().BindSettings("Catalog:Cache").ValidateOnStart();
        builder.Services.AddOptions<CatalogOptions>().BindSettings("Catalog").ValidateOnStart();
        builder.Services.AddOptions<ApiKeyOptions>().BindSettings("Api").ValidateOnStart();

        // Order matters: the schema is migrated before the domains and sites load, and both before the server listens.
        builder.Services.AddHostedService<CatalogInitializer>();
        builder.Services.AddHostedService<LinkCacheRefresher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ApiKeyUsage>());
        return builder;
    }

    public static IServiceCollection TryAddTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(s => s.ServiceType == typeof(TimeProvider)))
            services.AddSingleton(TimeProvider.System);
        return services;
    }

    /// <summary>
    /// Pooled contexts for <see cref="LinkCacheLookup"/>, which makes one per miss: a new context builds EF's services
    /// for itself on its first query, and that was most of a miss's CPU (bench/README.md, "Cold links"). A pool of its
    /// own, because the lookup never changes a context's settings while other users do (the migration's timeouts),
    /// which a shared pool would hand on to the next user.
    /// </summary>
    private static void AddLookupContexts<TContext>(IServiceCollection services) where TContext : CatalogDb =>
        services.AddKeyedSingleton<IDbContextFactory<CatalogDb>>(LinkCacheLookup.ContextsKey, (sp, _) =>
            new CatalogDbFactory<TContext>(new PooledDbContextFactory<TContext>(sp.GetRequiredService<DbContextOptions<TContext>>())));

    private static void EnsureSqliteDirectory(string connectionString)
    {
        var dataSource = new SqliteConnectionStringBuilder(connectionString).DataSource;
        if (!string.IsNullOrEmpty(dataSource) && dataSource != ":memory:" && Path.GetDirectoryName(Path.GetFullPath(dataSource)) is { } directory)
            Directory.CreateDirectory(directory);
    }
}

/// <summary>Hands out the provider's subclass wherever the base <see cref="CatalogDb"/> is asked for.</summary>
internal sealed class CatalogDbFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<CatalogDb>
    where TContext : CatalogDb
{
    public CatalogDb CreateDbContext() => inner.CreateDbContext();
}
