using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Redirector.Security;

namespace Redirector.Admin.Access;

/// <summary>An admin user as the Users page lists them.</summary>
public sealed record Person(string Id, string Email, string? Role, bool Disabled);

/// <summary>
/// Manages admin users for an administrator: add with a role, change the role, disable and enable, give a new
/// password, remove. Every change that takes something away (role, access, password) renews the user's security
/// stamp, which ends their sessions on every node within <see cref="AdminOptions.SessionCheckInterval"/>. Nobody
/// changes, disables or removes their own account here, and the last enabled administrator cannot be demoted,
/// disabled or removed, so the area always has someone who can manage it. Failures come back as a sentence for the page.
/// </summary>
public sealed class People(UserManager<IdentityUser> users)
{
    /// <summary>Length of a generated password: 20 characters of letters and digits (about 119 bits).</summary>
    public const int GeneratedPasswordLength = 20;

    public async Task<List<Person>> ListAsync(CancellationToken ct)
    {
        var all = await users.Users.AsNoTracking().OrderBy(u => u.Email).ToListAsync(ct);
        var people = new List<Person>(all.Count);
        foreach (var user in all)
            people.Add(await PersonOfAsync(user));
        return people;
    }

    public async Task<Person?> FindAsync(string id) =>
        await users.FindByIdAsync(id) is { } user ? await PersonOfAsync(user) : null;

    /// <summary>Adds a user with <paramref name="role"/>; the errors are Identity's (taken email, weak password) or ours.</summary>
    public async Task<IReadOnlyList<string>> AddAsync(string email, string password, string role)
    {
        if (!Roles.TryParse(role, out role))
            return ["Choose a role: administrator, editor or viewer."];
        email = email.Trim();
        var user = new IdentityUser { UserName = email, Email = email, EmailConfirmed = true };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
            return created.Errors.Select(e => e.Description).ToList();
        return Errors(await users.AddClaimAsync(user, new Claim(ClaimTypes.Role, role)));
    }

    public async Task<IReadOnlyList<string>> SetRoleAsync(string id, string role, string actingId)
    {
        if (!Roles.TryParse(role, out role))
            return ["Choose a role: administrator, editor or viewer."];
        if (await OtherUserAsync(id, actingId) is not (var user, null))
            return [await RefusalAsync(id, actingId)];
        if (role != Roles.Administrator && await IsLastAdministratorAsync(user!))
            return ["This is the last enabled administrator: make someone else an administrator first."];
        var existing = (await users.GetClaimsAsync(user!)).Where(c => c.Type == ClaimTypes.Role).ToList();
        var removed = await users.RemoveClaimsAsync(user!, existing);
        if (!removed.Succeeded)
            return Errors(removed);
        var added = await users.AddClaimAsync(user!, new Claim(ClaimTypes.Role, role));
        return added.Succeeded ? Errors(await users.UpdateSecurityStampAsync(user!)) : Errors(added);
    }

    /// <summary>Disables (no sign-in, sessions end) or enables the user.</summary>
    public async Task<IReadOnlyList<string>> SetDisabledAsync(string id, bool disabled, string actingId)
    {
        if (await OtherUserAsync(id, actingId) is not (var user, null))
            return [await RefusalAsync(id, actingId)];
        if (disabled && await IsLastAdministratorAsync(user!))
            return ["This is the last enabled administrator: make someone else an administrator first."];
        // Identity sets an end date only while lockout is on: on before the date to disable, off after it to enable.
        var steps = disabled
            ? new Func<Task<IdentityResult>>[] { () => users.SetLockoutEnabledAsync(user!, true), () => users.SetLockoutEndDateAsync(user!, DateTimeOffset.MaxValue) }
            : [() => users.SetLockoutEndDateAsync(user!, null), () => users.SetLockoutEnabledAsync(user!, false)];
        foreach (var step in steps)
        {
            if (await step() is { Succeeded: false } failed)
                return Errors(failed);
        }
        return Errors(await users.UpdateSecurityStampAsync(user!));
    }

    /// <summary>Gives the user a new random password (returned, to be passed on over a safe channel) and ends their sessions.</summary>
    public async Task<(string? Password, IReadOnlyList<string> Errors)> ResetPasswordAsync(string id, string actingId)
    {
        if (await OtherUserAsync(id, actingId) is not (var user, null))
            return (null, [await RefusalAsync(id, actingId)]);
        var password = RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", GeneratedPasswordLength - 3) + "Aa2";
        var removed = await users.RemovePasswordAsync(user!);
        if (!removed.Succeeded)
            return (null, Errors(removed));
        var added = await users.AddPasswordAsync(user!, password);
        return added.Succeeded ? (password, []) : (null, Errors(added));
    }

    public async Task<IReadOnlyList<string>> RemoveAsync(string id, string actingId)
    {
        if (await OtherUserAsync(id, actingId) is not (var user, null))
            return [await RefusalAsync(id, actingId)];
        if (await IsLastAdministratorAsync(user!))
            return ["This is the last enabled administrator: make someone else an administrator first."];
        return Errors(await users.DeleteAsync(user!));
    }

    private async Task<(IdentityUser? User, string? Refusal)> OtherUserAsync(string id, string actingId)
    {
        if (id == actingId)
            return (null, "self");
        return await users.FindByIdAsync(id) is { } user ? (user, null) : (null, "missing");
    }

    private async Task<string> RefusalAsync(string id, string actingId) => id == actingId
        ? "You cannot change, disable or remove your own account here (your password: Account)."
        : await users.FindByIdAsync(id) is null ? "That user no longer exists." : "That change was refused.";

    private async Task<bool> IsLastAdministratorAsync(IdentityUser user)
    {
        if (!await IsEnabledAdministratorAsync(user))
            return false;
        var administrators = await users.GetUsersForClaimAsync(new Claim(ClaimTypes.Role, Roles.Administrator));
        var enabled = 0;
        foreach (var administrator in administrators)
        {
            if (await IsEnabledAdministratorAsync(administrator))
                enabled++;
        }
        return enabled <= 1;
    }

    private async Task<bool> IsEnabledAdministratorAsync(IdentityUser user) =>
        !await users.IsLockedOutAsync(user) && (await users.GetClaimsAsync(user)).Any(c => c.Type == ClaimTypes.Role && c.Value == Roles.Administrator);

    private async Task<Person> PersonOfAsync(IdentityUser user)
    {
        var claims = await users.GetClaimsAsync(user);
        var role = Roles.All.FirstOrDefault(r => claims.Any(c => c.Type == ClaimTypes.Role && c.Value == r));
        return new Person(user.Id, user.Email ?? user.UserName ?? user.Id, role, await users.IsLockedOutAsync(user));
    }

    private static IReadOnlyList<string> Errors(IdentityResult result) => result.Succeeded ? [] : result.Errors.Select(e => e.Description).ToList();
}
