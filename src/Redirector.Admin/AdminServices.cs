using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Redirector.Admin.Access;
using Redirector.Admin.Components;
using Redirector.Admin.Stats;
using Redirector.Admin.Exports;
using Redirector.Admin.Import;
using Redirector.Admin.LinkList;
using Redirector.Catalog;
using Redirector.Security;
using Redirector.Settings;

namespace Redirector.Admin;

/// <summary>Settings of the admin area (section "Admin").</summary>
public sealed class AdminOptions
{
    /// <summary>Edge nodes that only redirect switch the admin area off.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The first administrator, created when no user exists (environment Admin__Email, Admin__Password).</summary>
    [EmailAddress] public string? Email { get; set; }

    public string? Password { get; set; }

    /// <summary>Sign-in attempts per client address and minute; more answer 429.</summary>
    [Range(1, 10_000)] public int LoginAttemptsPerMinute { get; set; } = 10;

    /// <summary>Failed sign-ins one client address may make for one account within <see cref="FailedSignInWindow"/>; then that pair is held back.</summary>
    [Range(1, 1_000)] public int FailedSignInLimit { get; set; } = 5;

    /// <summary>How long failed sign-ins count against a (client address, account) pair.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")] public TimeSpan FailedSignInWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How often a session's cookie is checked against its user's security stamp in the catalogue: the longest a
    /// session lives on, on any node, after its user signed out or was removed.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")] public TimeSpan SessionCheckInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>The Blazor admin area at /admin: Identity sign-in, pages, exports and QR codes.</summary>
public static class AdminServices
{
    /// <summary>Any signed-in user with a role (<see cref="Roles"/>): reading counts. Every admin route has at least this.</summary>
    public const string Policy = "admin";

    /// <summary>Editors and administrators: pages, forms and exports that change links and sites or give raw clicks.</summary>
    public const string EditorPolicy = "admin-editor";

    /// <summary>Administrators only: people, API keys, webhooks.</summary>
    public const string AdministratorPolicy = "admin-administrator";
    public const string LoginRateLimit = "admin-login";

    public static IHostApplicationBuilder AddAdmin(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AdminOptions>().BindSettings("Admin").ValidateOnStart();
        // The links CSV is the API's too (/api/links/import, /api/links/export.csv), on nodes without the admin area.
        services.AddSingleton<AdminStats>();
        services.AddSingleton<CsvLinkImport>();
        services.AddSingleton<LinkCsvExport>();
        if (!IsEnabled(builder.Configuration))
            return builder;

        services.AddIdentityCore<IdentityUser>(options =>
            {
                options.User.RequireUniqueEmail = true;
                options.Password.RequiredLength = 10;
                options.Password.RequireNonAlphanumeric = false;
                // Identity's lockout locks an account for everyone: SignInThrottle holds back one client instead.
                options.Lockout.AllowedForNewUsers = false;
            })
            .AddSignInManager()
            .AddEntityFrameworkStores<CatalogDb>();
        services.AddAuthentication(IdentityConstants.ApplicationScheme)
            .AddIdentityCookies(cookies => cookies.ApplicationCookie?.Configure(AdminCookie.Configure));
        services.AddOptions<SecurityStampValidatorOptions>().Configure<IOptions<AdminOptions>>(
            (validator, admin) => validator.ValidationInterval = admin.Value.SessionCheckInterval);
        services.AddSingleton<SignInThrottle>();
        services.AddScoped<People>();
        services.AddAuthorizationBuilder()
            .AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(IdentityConstants.ApplicationScheme).RequireRole(Roles.All))
            .AddPolicy(EditorPolicy, policy => policy.AddAuthenticationSchemes(IdentityConstants.ApplicationScheme).RequireRole(Roles.Editors))
            .AddPolicy(AdministratorPolicy, policy => policy.AddAuthenticationSchemes(IdentityConstants.ApplicationScheme).RequireRole(Roles.Administrator));

        var attempts = builder.Configuration.GetSettings<AdminOptions>("Admin").LoginAttemptsPerMinute;
        // Composes with the API's AddRateLimiter call: both configure the same RateLimiterOptions.
        // Counted by all nodes together, so a client behind a balancer gets the limit once.
        services.TryAddSingleton<SharedRateLimits>();
        services.AddRateLimiter(options => options.AddPolicy(LoginRateLimit, context =>
            context.RequestServices.GetRequiredService<SharedRateLimits>()
                .FixedWindow("login:" + context.Connection.RemoteIpAddress, attempts, TimeSpan.FromMinutes(1))));

        // Static server rendering: the Blazor client script (blazor.web.js) ships in a package this registry lacks,
        // so pages are plain HTML forms and links, and admin.js adds live refresh (on /admin/live's events), copy buttons and the UTM preview.
        services.AddRazorComponents();
        services.AddHostedService<FirstAdministrator>();
        services.AddSingleton<LiveClicks>();
        services.AddHostedService(provider => provider.GetRequiredService<LiveClicks>());
        services.AddSingleton<LinkList.LinkTable>();
        return builder;
    }

    /// <summary>What admin answers say to caches: store nothing (no-store), and what antiforgery writes (no-cache) too.</summary>
    private static readonly Microsoft.Extensions.Primitives.StringValues NoStore = "no-cache, no-store";

    /// <summary>Pages of the admin area are documents: lock them to this origin and out of frames, and out of caches.</summary>
    public static IApplicationBuilder UseAdminSecurityHeaders(this IApplicationBuilder app)
    {
        if (!IsEnabled(app.ApplicationServices.GetRequiredService<IConfiguration>()))
            return app;
        return app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/admin"))
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy =
                    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
                    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "same-origin";
                // Signed-in pages are never stored. Antiforgery, on every page with a form, sets "no-cache, no-store"
                // and logs a warning when it finds a value without no-cache: this is its value, so it finds it already.
                headers.CacheControl = NoStore;
            }
            return next(context);
        });
    }

    public static WebApplication MapAdmin(this WebApplication app)
    {
        if (!IsEnabled(app.Configuration))
            return app;
        // Antiforgery tokens are bound to the signed-in user, so validation must run after UseAuthentication.
        app.UseAntiforgery();
        app.MapRazorComponents<App>().RequireAuthorization(Policy).Add(AnswerNotFound);
        app.MapAdminAssets();
        app.MapAccountEndpoints();
        app.MapDisplayTimeZone();
        app.MapExports();
        app.MapBulkActions();
        app.MapQrCodes();
        app.MapUtmPreview();
        app.MapLiveClicks();
        app.MapWorldMap();
        return app;
    }

    /// <summary>
    /// The admin's catch-all page (<see cref="Components.Pages.NotFound"/>) answers 404 with the admin's layout. The
    /// status is set before rendering: a page that changes the status while rendering gets no body from Blazor, which
    /// leaves it to the status-code-pages middleware (the API's problem JSON here).
    /// </summary>
    private static void AnswerNotFound(EndpointBuilder endpoint)
    {
        if (endpoint.Metadata.OfType<Microsoft.AspNetCore.Components.Endpoints.ComponentTypeMetadata>().FirstOrDefault()?.Type != typeof(Components.Pages.NotFound)
            || endpoint.RequestDelegate is not { } render)
            return;
        endpoint.RequestDelegate = context =>
        {
            AnswerNotFoundAsItStarts(context.Response);
            return render(context);
        };
    }

    /// <summary>
    /// Makes a rendered admin page's answer a 404 once it starts. A page that sets the status while rendering gets no
    /// body from Blazor, which leaves it to the status-code-pages middleware (the API's problem JSON here).
    /// </summary>
    internal static void AnswerNotFoundAsItStarts(HttpResponse response) =>
        response.OnStarting(() =>
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });

    private static bool IsEnabled(IConfiguration configuration) => configuration.GetSettings<AdminOptions>("Admin").Enabled;
}
