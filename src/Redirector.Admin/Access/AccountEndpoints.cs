using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Redirector.Admin.Access;

public sealed class LoginForm
{
    public string? Email { get; set; }
    public string? Password { get; set; }
    public string? ReturnUrl { get; set; }
    public bool RememberMe { get; set; }
}

/// <summary>Sign-in and sign-out. The form lives on the static page /admin/login; these endpoints do the work.</summary>
public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/admin/account").ExcludeFromDescription();
        account.MapPost("/login", Login).AllowAnonymous().RequireRateLimiting(AdminServices.LoginRateLimit);
        account.MapPost("/logout", Logout).RequireAuthorization(AdminServices.Policy);
        return app;
    }

    public static async Task<RedirectHttpResult> Login([FromForm] LoginForm form, SignInManager<IdentityUser> signIn)
    {
        var returnUrl = LocalAdminPath(form.ReturnUrl);
        if (string.IsNullOrWhiteSpace(form.Email) || string.IsNullOrEmpty(form.Password))
            return TypedResults.Redirect(LoginPage("missing", returnUrl, form.Email));

        var user = await signIn.UserManager.FindByEmailAsync(form.Email.Trim());
        if (user is null)
            return TypedResults.Redirect(LoginPage("invalid", returnUrl, form.Email));
        var result = await signIn.PasswordSignInAsync(user, form.Password, form.RememberMe, lockoutOnFailure: true);
        if (result.Succeeded)
            return TypedResults.LocalRedirect(returnUrl);
        return TypedResults.Redirect(LoginPage(result.IsLockedOut ? "locked" : "invalid", returnUrl, form.Email));
    }

    /// <summary>Signing out takes the form's antiforgery token too, so no other site can sign a person out.</summary>
    public static async Task<Results<RedirectHttpResult, BadRequest>> Logout(HttpContext context, IAntiforgery antiforgery, SignInManager<IdentityUser> signIn)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
            return TypedResults.BadRequest();
        await signIn.SignOutAsync();
        return TypedResults.Redirect(AdminCookie.LoginPath + "?signedOut=1");
    }

    /// <summary>Only paths of this admin area are followed after sign-in: never another host, never "//evil".</summary>
    public static string LocalAdminPath(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url.StartsWith("/admin", StringComparison.Ordinal) &&
        !url.Contains("//", StringComparison.Ordinal) && !url.Contains('\\', StringComparison.Ordinal) &&
        Uri.TryCreate(url, UriKind.Relative, out _)
            ? url
            : "/admin";

    private static string LoginPage(string error, string returnUrl, string? email) =>
        $"{AdminCookie.LoginPath}?error={error}&returnUrl={Uri.EscapeDataString(returnUrl)}&email={Uri.EscapeDataString(email?.Trim() ?? "")}";
}
