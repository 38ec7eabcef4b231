using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Redirector.Security;

public static class DataProtectionServices
{
    /// <summary>
    /// Keeps the Data Protection keys (admin sign-in cookies, antiforgery tokens, signed links) under the data
    /// directory, so a restart does not sign everyone out. Several nodes must share this directory or its contents.
    /// </summary>
    public static IHostApplicationBuilder AddPersistedDataProtection(this IHostApplicationBuilder builder)
    {
        var dataDirectory = builder.Configuration["Analytics:DataDirectory"] is { Length: > 0 } configured ? configured : "data";
        builder.Services.AddDataProtection()
            .SetApplicationName("Redirector")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, "keys")));
        return builder;
    }
}
