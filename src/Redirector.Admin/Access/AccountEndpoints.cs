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

    /// <summary>
    /// Every failure answers alike, whether the account exists or not: the same redirect to "invalid", and the same
    /// password-hash work (a dummy hash for unknown accounts), so neither the answer nor its timing tells which
    /// accounts exist. A client that failed too often for one account is held back (<see cref="SignInThrottle"/>)
    /// even with the right password; the account itself is never locked, so its owner still signs in elsewhere.
    /// </summary>
    public static async Task<RedirectHttpResult> Login(
        [FromForm] LoginForm form, HttpContext context, SignInManager<IdentityUser> signIn, SignInThrottle throttle)
    {
        var returnUrl = LocalAdminPath(form.ReturnUrl);
        if (string.IsNullOrWhiteSpace(form.Email) || string.IsNullOrEmpty(form.Password))
            return Failed(context, "missing", returnUrl, form.Email);

        var email = form.Email.Trim();
        var attempt = SignInThrottle.KeyOf(context.Connection.RemoteIpAddress, signIn.UserManager.NormalizeEmail(email));
        if (throttle.IsHeldBack(attempt))
            return Failed(context, "throttled", returnUrl, email);

        var user = await signIn.UserManager.FindByEmailAsync(email);
        if (user is null)
            CheckDummyPassword(signIn.UserManager.PasswordHasher, form.Password);
        else if ((await signIn.PasswordSignInAsync(user, form.Password, form.RememberMe, lockoutOnFailure: false)).Succeeded)
        {
            context.Response.Cookies.Delete(EmailCookie, new CookieOptions { Path = AdminCookie.LoginPath });
            return TypedResults.LocalRedirect(returnUrl);
        }
        return Failed(context, throttle.Fail(attempt) ? "throttled" : "invalid", returnUrl, email);
    }

    /// <summary>
    /// Signing out renews the user's security stamp, which ends every session of that user on every node at its next
    /// stamp check (<see cref="AdminOptions.SessionCheckInterval"/>), including copies of the cookie saved before.
    /// It takes the form's antiforgery token too, so no other site can sign a person out.
    /// </summary>
    public static async Task<Results<RedirectHttpResult, BadRequest>> Logout(HttpContext context, IAntiforgery antiforgery, SignInManager<IdentityUser> signIn)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
            return TypedResults.BadRequest();
        if (await signIn.UserManager.GetUserAsync(context.User) is { } user)
            await signIn.UserManager.UpdateSecurityStampAsync(user);
        await signIn.SignOutAsync();
        return TypedResults.Redirect(AdminCookie.LoginPath + "?signedOut=1");
    }

    /// <summary>
    /// The path to follow after sign-in: <paramref name="returnUrl"/> when it is a path of this admin area, else
    /// "/admin". Refused: other hosts and schemes, "//" or "\" in the path (browsers read both as another host),
    /// "." and ".." segments, control characters and white space, broken percent escapes, and each of these
    /// percent-encoded (decoded up to three times). Never throws.
    /// </summary>
    public static string LocalAdminPath(string? returnUrl)
    {
        if (returnUrl is not { Length: > 0 and <= MaxReturnUrlLength } url || url.Any(IsControlOrSpace) ||
            !Uri.TryCreate(url, UriKind.Relative, out _))
            return Home;
        var path = url[..(url.IndexOfAny(['?', '#']) is var end and >= 0 ? end : url.Length)];
        for (var round = 0; round < 4; round++)
        {
            if (!IsAdminPath(path))
                return Home;
            var decoded = Uri.UnescapeDataString(path);
            if (decoded == path)
                return url;
            path = decoded;
        }
        return Home;
    }

    private const string Home = "/admin";
    private const int MaxReturnUrlLength = 2048;

    private static bool IsAdminPath(string path) =>
        path.StartsWith(Home, StringComparison.Ordinal) && (path.Length == Home.Length || path[Home.Length] == '/') &&
        !path.Contains("//", StringComparison.Ordinal) && !path.Contains('\\', StringComparison.Ordinal) &&
        !path.Any(IsControlOrSpace) && !path.Split('/').Any(segment => segment is "." or "..") && !HasBrokenEscape(path);

    private static bool HasBrokenEscape(string path)
    {
        for (var at = path.IndexOf('%'); at >= 0; at = path.IndexOf('%', at + 1))
            if (at + 2 >= path.Length || !char.IsAsciiHexDigit(path[at + 1]) || !char.IsAsciiHexDigit(path[at + 2]))
                return true;
        return false;
    }

    private static bool IsControlOrSpace(char c) => char.IsControl(c) || char.IsWhiteSpace(c);

    // An unknown account costs the same hash check as a known one, so the answer's timing does not tell them apart.
    private static readonly IdentityUser Nobody = new();
    private static string? _dummyHash;

    private static void CheckDummyPassword(IPasswordHasher<IdentityUser> hasher, string password)
    {
        _dummyHash ??= hasher.HashPassword(Nobody, Guid.NewGuid().ToString());
        hasher.VerifyHashedPassword(Nobody, _dummyHash, password);
    }

    /// <summary>
    /// The cookie that carries a failed sign-in's email back to the form (Login.razor fills it in), so the address is
    /// typed once but never lands in the page's URL, where browser history and access logs would keep it.
    /// </summary>
    public const string EmailCookie = "redirector.sign-in-email";

    private static RedirectHttpResult Failed(HttpContext context, string error, string returnUrl, string? email)
    {
        if (!string.IsNullOrWhiteSpace(email))
            context.Response.Cookies.Append(EmailCookie, email.Trim(), new CookieOptions
            {
                Path = AdminCookie.LoginPath,
                HttpOnly = true,
                Secure = context.Request.IsHttps,
                SameSite = SameSiteMode.Strict,
                MaxAge = TimeSpan.FromMinutes(10),
            });
        return TypedResults.Redirect($"{AdminCookie.LoginPath}?error={error}&returnUrl={Uri.EscapeDataString(returnUrl)}");
    }
}
