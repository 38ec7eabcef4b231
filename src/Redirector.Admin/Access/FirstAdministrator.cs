using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Redirector.Catalog;
using Redirector.Security;

namespace Redirector.Admin.Access;

/// <summary>
/// Creates the first administrator from Admin:Email / Admin:Password when no user exists yet, under the catalogue's
/// setup lock: of several nodes starting together on an empty catalogue, one creates its administrator and the
/// others find it and start normally.
/// </summary>
internal sealed partial class FirstAdministrator(
    IServiceScopeFactory scopes, IOptions<AdminOptions> options, ILogger<FirstAdministrator> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        // The user store writes through the scope's CatalogDb, so its writes join the lock's transaction.
        var db = scope.ServiceProvider.GetRequiredService<CatalogDb>();
        var (email, password) = (options.Value.Email, options.Value.Password);
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password))
        {
            if (!await users.Users.AnyAsync(cancellationToken))
                LogNoAdministrator(logger);
            return;
        }
        var result = await db.UnderSetupLockAsync(async () => await users.Users.AnyAsync(cancellationToken)
            ? null
            : await CreateAsync(users, email.Trim(), password), cancellationToken);
        if (result is { Succeeded: true })
            LogCreated(logger, email);
        else if (result is not null)
            LogRejected(logger, string.Join(" ", result.Errors.Select(e => e.Description)));
    }

    private static async Task<IdentityResult> CreateAsync(UserManager<IdentityUser> users, string email, string password)
    {
        var user = new IdentityUser { UserName = email, Email = email, EmailConfirmed = true };
        var created = await users.CreateAsync(user, password);
        return created.Succeeded ? await users.AddClaimAsync(user, new Claim(ClaimTypes.Role, Roles.Administrator)) : created;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the first administrator {Email} from Admin:Email")]
    private static partial void LogCreated(ILogger logger, string email);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No admin user exists: set Admin__Email and Admin__Password to create the first one")]
    private static partial void LogNoAdministrator(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "The first administrator was not created: {Reasons}")]
    private static partial void LogRejected(ILogger logger, string reasons);
}
