namespace Redirector.Security;

/// <summary>
/// Who may do what, for admin users and API keys alike: an <see cref="Administrator"/> everything (people, API keys,
/// webhooks), an <see cref="Editor"/> links and sites, a <see cref="Viewer"/> reads counts only. A role is stored as
/// lowercase text: a user's role claim (<see cref="System.Security.Claims.ClaimTypes.Role"/>) and an API key's
/// <c>Role</c> column.
/// </summary>
public static class Roles
{
    public const string Administrator = "administrator";
    public const string Editor = "editor";
    public const string Viewer = "viewer";

    /// <summary>Every role, strongest first.</summary>
    public static IReadOnlyList<string> All { get; } = [Administrator, Editor, Viewer];

    /// <summary>The roles that may change links and sites.</summary>
    public static string[] Editors { get; } = [Administrator, Editor];

    /// <summary>The role named by <paramref name="text"/> (any case, trimmed), or false for anything else.</summary>
    public static bool TryParse(string? text, out string role)
    {
        role = All.FirstOrDefault(r => string.Equals(r, text?.Trim(), StringComparison.OrdinalIgnoreCase)) ?? "";
        return role.Length > 0;
    }

    /// <summary>True when <paramref name="role"/> may change links and sites.</summary>
    public static bool CanEdit(string? role) => role is Administrator or Editor;
}
