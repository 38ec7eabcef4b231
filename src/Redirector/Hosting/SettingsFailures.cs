using Microsoft.Extensions.Options;

namespace Redirector.Hosting;

/// <summary>
/// A setting that stops start-up (out of range, unparsable, a missing file, an address another process listens on)
/// is the operator's to fix, not a bug:
/// it is printed to standard error as one line per failure, e.g.
/// "Catalog:Cache:WarmDelay: 'abc' is not a time span (hh:mm:ss, e.g. 00:00:05)", and the process exits with
/// <see cref="ExitCode"/> instead of crashing with a stack trace.
/// </summary>
public static class SettingsFailures
{
    /// <summary>EX_CONFIG from sysexits.h: "something was found in an unconfigured or misconfigured state".</summary>
    public const int ExitCode = 78;

    private static int _registered;

    /// <summary>
    /// Reports <see cref="OptionsValidationException"/>s that escape <c>Main</c>, wherever start-up met them
    /// (registering services, resolving them while mapping endpoints, or <c>ValidateOnStart</c>); any other
    /// exception crashes as before. It acts on unhandled exceptions only, so a host started by
    /// WebApplicationFactory, which catches the entry point's exceptions, still sees the exception itself.
    /// </summary>
    public static void ReportWithoutStackTrace()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1)
            return;
        AppDomain.CurrentDomain.UnhandledException += static (_, e) =>
        {
            if (e.ExceptionObject is not Exception error || Failures(error) is not { } failures)
                return;
            foreach (var failure in failures)
                Console.Error.WriteLine(failure);
            Environment.Exit(ExitCode);
        };
    }

    /// <summary>
    /// Runs the <c>ValidateOnStart</c> checks now rather than in <c>app.Run()</c>, where the host would first log each
    /// failure with its stack trace as "Hosting failed to start". Several failures arrive together as an
    /// <see cref="AggregateException"/>.
    /// </summary>
    /// <exception cref="OptionsValidationException">A setting is invalid.</exception>
    public static WebApplication ValidateSettings(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Services.GetService<IStartupValidator>()?.Validate();
        return app;
    }

    /// <summary>
    /// Starts the host; false, with one line on standard error and nothing else, when an address it is to listen on is
    /// taken by another process. The host is then left undisposed: disposing services that never stopped would log
    /// each one's cancelled work as a failure with a stack trace.
    /// </summary>
    public static async Task<bool> StartOrReportAddressInUseAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        try
        {
            await app.StartAsync();
            return true;
        }
        catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            // Kestrel's message names the address: "Failed to bind to address http://127.0.0.1:8080: address already in use."
            Console.Error.WriteLine($"Urls: {ex.Message} Stop what listens there, or give this node another address (--urls or ASPNETCORE_URLS).");
            return false;
        }
    }

    /// <summary>The failures of one validation exception or of several aggregated, or null when any other exception is among them.</summary>
    private static List<string>? Failures(Exception error) => error switch
    {
        OptionsValidationException validation => [.. validation.Failures],
        AggregateException aggregate when aggregate.InnerExceptions.Select(Failures).ToList() is var inner && inner.All(f => f is not null)
            => [.. inner.SelectMany(f => f!)],
        _ => null,
    };
}
