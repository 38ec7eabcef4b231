using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Redirector.Settings;

namespace Redirector.Geo;

public static class GeoServices
{
    /// <summary>
    /// Registers <see cref="GeoLookup"/> as a singleton over <c>Geo:DatabasePath</c> or the built-in country
    /// database. The file is opened at start-up: a missing or unreadable one stops the host with a message that
    /// names the setting, rather than leaving every click without a country.
    /// </summary>
    public static IServiceCollection AddGeoLookup(this IServiceCollection services)
    {
        services.AddOptions<GeoOptions>().BindSettings("Geo").ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GeoOptions>, GeoOptionsValidator>());
        services.TryAddSingleton(provider => GeoLookup.Open(DatabasePathOf(provider.GetRequiredService<IOptions<GeoOptions>>().Value)));
        return services;
    }

    internal static string DatabasePathOf(GeoOptions options) =>
        string.IsNullOrWhiteSpace(options.DatabasePath) ? GeoLookup.DefaultDatabasePath : options.DatabasePath;

    /// <summary>Opens the configured database once at start-up and reports why it cannot be used.</summary>
    private sealed class GeoOptionsValidator : IValidateOptions<GeoOptions>
    {
        public ValidateOptionsResult Validate(string? name, GeoOptions options)
        {
            var configured = !string.IsNullOrWhiteSpace(options.DatabasePath);
            try
            {
                using var lookup = GeoLookup.Open(DatabasePathOf(options));
                return ValidateOptionsResult.Success;
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidDataException or IOException or UnauthorizedAccessException)
            {
                return ValidateOptionsResult.Fail(configured
                    ? $"{GeoOptions.DatabasePathKey}: {e.Message}"
                    : $"The built-in country database is missing or damaged ({e.Message}); rebuild, or set {GeoOptions.DatabasePathKey} to a MaxMind-format .mmdb file.");
            }
        }
    }
}
