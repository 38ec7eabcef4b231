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
        options.Events.OnRedirectToLogin = context =>
        {
            // Scripts (the Blazor circuit, fetches) cannot follow a redirect to a page: they get a plain 401.
            if (!context.Request.Path.StartsWithSegments("/admin") || !HttpMethods.IsGet(context.Request.Method))
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            else
                context.Response.Redirect(context.RedirectUri);
            return Task.CompletedTask;
        };
    }
}
