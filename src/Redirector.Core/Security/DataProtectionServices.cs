using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Redirector.Catalog;

namespace Redirector.Security;

public static class DataProtectionServices
{
    public const string ApplicationName = "Redirector";

    /// <summary>
    /// Keeps the Data Protection key ring (admin sign-in cookies, antiforgery tokens, <see cref="CatalogSecrets"/>) in
    /// the catalogue, so a restart signs nobody out and every node that shares the catalogue (PostgreSQL) reads and
    /// writes the same keys: no shared volume is needed. Call after <c>AddCatalog</c>.
    /// </summary>
    public static IHostApplicationBuilder AddPersistedDataProtection(this IHostApplicationBuilder builder)
    {
        builder.Services.AddDataProtection()
            .SetApplicationName(ApplicationName)
            .PersistKeysToDbContext<CatalogDb>();
        builder.Services.AddSingleton<CatalogSecrets>();
        return builder;
    }
}
