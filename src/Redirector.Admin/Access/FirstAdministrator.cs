using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Redirector.Admin.Access;

/// <summary>Creates the first administrator from Admin:Email / Admin:Password when no user exists yet.</summary>
internal sealed partial class FirstAdministrator(
    IServiceScopeFactory scopes, IOptions<AdminOptions> options, ILogger<FirstAdministrator> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        if (await users.Users.AnyAsync(cancellationToken))
            return;
        var (email, password) = (options.Value.Email, options.Value.Password);
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password))
        {
            LogNoAdministrator(logger);
            return;
        }
        var result = await users.CreateAsync(new IdentityUser { UserName = email.Trim(), Email = email.Trim(), EmailConfirmed = true }, password);
        if (result.Succeeded)
            LogCreated(logger, email);
        else
            LogRejected(logger, string.Join(" ", result.Errors.Select(e => e.Description)));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the first administrator {Email} from Admin:Email")]
    private static partial void LogCreated(ILogger logger, string email);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No admin user exists: set Admin__Email and Admin__Password to create the first one")]
    private static partial void LogNoAdministrator(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "The first administrator was not created: {Reasons}")]
    private static partial void LogRejected(ILogger logger, string reasons);
}
