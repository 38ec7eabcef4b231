using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;

namespace Redirector.Admin.Access;

internal static class AdminCookie
{
    public const string LoginPath = "/admin/login";

    /// <summary>Where a signed-in user is sent for a page their role may not open.</summary>
    public const string DeniedPath = "/admin/denied";

    public static void Configure(CookieAuthenticationOptions options)
    {
        options.Cookie.Name = ".Redirector.Admin";
        options.Cookie.HttpOnly = true;
        options.Cookie.SameSite = SameSiteMode.Lax;
        options.LoginPath = LoginPath;
        options.LogoutPath = "/admin/account/logout";
        options.AccessDeniedPath = DeniedPath;
        options.ExpireTimeSpan = TimeSpan.FromHours(12);
        options.SlidingExpiration = true;
        options.Events.OnRedirectToLogin = RedirectToLogin;
        options.Events.OnRedirectToAccessDenied = RedirectToDenied;
    }

    /// <summary>
    /// A signed-in user whose role does not allow the page: a GET is sent to a page that says so (signing in again
    /// would not help), anything else gets 403.
    /// </summary>
    private static Task RedirectToDenied(RedirectContext<CookieAuthenticationOptions> context)
    {
        var request = context.Request;
        if (!request.Path.StartsWithSegments("/admin") || !HttpMethods.IsGet(request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        }
        context.Response.Redirect(request.PathBase + DeniedPath);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Sends a browser to the sign-in page with a host-relative Location. The handler's own RedirectUri is absolute
    /// and built from the request's Host header, which anyone can forge; a relative one keeps the browser on the host
    /// it asked.
    /// </summary>
    private static Task RedirectToLogin(RedirectContext<CookieAuthenticationOptions> context)
    {
        var request = context.Request;
        // Scripts (the Blazor circuit, fetches) cannot follow a redirect to a page: they get a plain 401.
        if (!request.Path.StartsWithSegments("/admin") || !HttpMethods.IsGet(request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Task.CompletedTask;
        }
        var returnUrl = request.PathBase + request.Path + request.QueryString;
        context.Response.Redirect(request.PathBase + LoginPath + QueryString.Create(context.Options.ReturnUrlParameter, returnUrl));
        return Task.CompletedTask;
    }
}
