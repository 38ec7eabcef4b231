using System.Security.Claims;
using Redirector.Security;

namespace Redirector.Admin.Access;

/// <summary>The signed-in admin user's role, read from the role claim their session carries (see <see cref="Roles"/>).</summary>
public static class AdminUser
{
    /// <summary>The strongest of <see cref="Roles.All"/> the user holds, or null for nobody (or a user without a role).</summary>
    public static string? RoleOf(ClaimsPrincipal? user) => user is null ? null : Roles.All.FirstOrDefault(user.IsInRole);
}
