using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;

namespace Redirector.Admin.Access;

internal static class AdminCookie
{
    public const string LoginPath = "/admin/login";

    public static void Configure(CookieAuthenticationOptions options)
    {
        options.Cookie.Name = ".Redirector.Admin";
        options.Cookie.HttpOnly = true;
        options.Cookie.SameSite = SameSiteMode.Lax;
        options.LoginPath = LoginPath;
        options.LogoutPath = "/admin/account/logout";
        options.AccessDeniedPath = LoginPath;
        options.ExpireTimeSpan = TimeSpan.FromHours(12);
        options.SlidingExpiration = true;
        options.Events.OnRedirectToLogin = RedirectToLogin;
        options.Events.OnRedirectToAccessDenied = RedirectToLogin;
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
