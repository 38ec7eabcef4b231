using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Redirector.Clicks;

namespace Redirector.Security;

public static class DataProtectionServices
{
    public const string ApplicationName = "Redirector";

    /// <summary>
    /// Keeps the Data Protection keys (admin sign-in cookies, antiforgery tokens, signed outbound links) under the
    /// data directory, so a restart does not sign everyone out. Several nodes must share this directory's contents.
    /// </summary>
    public static IHostApplicationBuilder AddPersistedDataProtection(this IHostApplicationBuilder builder)
    {
        builder.Services.AddDataProtection()
            .SetApplicationName(ApplicationName)
            .PersistKeysToFileSystem(new DirectoryInfo(KeyDirectory(builder.Configuration)));
        return builder;
    }

    public static string KeyDirectory(IConfiguration configuration) =>
        Path.GetFullPath(Path.Combine(
            configuration["Analytics:DataDirectory"] is { Length: > 0 } configured ? configured : new AnalyticsOptions().DataDirectory,
            "keys"));
}
