using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Redirector.Admin.Access;

/// <summary>
/// The time zone a user reads the admin's times in: an IANA id ("Europe/Paris") kept as a claim of the user
/// (<see cref="ClaimType"/>, in the catalogue's user claims, so no schema change), carried by the session cookie so a
/// page reads it without a query; UTC until chosen. The browser's zone (<c>Intl.DateTimeFormat().resolvedOptions()</c>)
/// is sent once by admin.js when none is set; the account page changes it. Times of events are shown in it; the
/// counters' days and hours stay UTC (Redis keeps them per UTC day and hour), which the pages say.
/// </summary>
public static class DisplayTimeZone
{
    public const string ClaimType = "redirector:time_zone";

    /// <summary>Longer than any IANA id (the longest is about 32 characters).</summary>
    private const int MaxIdLength = 64;

    /// <summary>The user's zone, or UTC when none is set (or the system no longer knows it).</summary>
    public static TimeZoneInfo Of(ClaimsPrincipal? user) =>
        TryParse(user?.FindFirst(ClaimType)?.Value, out var zone) ? zone : TimeZoneInfo.Utc;

    /// <summary>Whether the user has chosen a zone (or the browser sent one).</summary>
    public static bool IsSet(ClaimsPrincipal? user) => user?.FindFirst(ClaimType) is not null;

    /// <summary>
    /// The zone of an IANA id the system's time zone data knows; false for anything else (a Windows id, an offset,
    /// an unknown name, text too long), so only IANA ids are stored.
    /// </summary>
    public static bool TryParse(string? id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (id is not { Length: > 0 and <= MaxIdLength } || id.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
            return false;
        if (id == "UTC")
            return true;
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(id, out var found) || !found.HasIanaId)
            return false;
        zone = found;
        return true;
    }

    /// <summary>Every IANA zone the system knows, for the account page's picker: UTC first, then by id.</summary>
    public static IReadOnlyList<string> Ids { get; } =
        ["UTC", .. TimeZoneInfo.GetSystemTimeZones().Where(z => z.HasIanaId && z.Id.Contains('/', StringComparison.Ordinal)).Select(z => z.Id).Order(StringComparer.Ordinal)];

    /// <summary>A UTC time in the user's zone, as <paramref name="format"/>, followed by the zone's id ("2026-11-30 09:15 Europe/Paris").</summary>
    public static string Format(DateTime utc, ClaimsPrincipal? user, string format = "yyyy-MM-dd HH:mm")
    {
        var zone = Of(user);
        var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone);
        return local.ToString(format, CultureInfo.InvariantCulture) + " " + NameOf(zone);
    }

    /// <summary>"UTC" for UTC under any of its names (a browser in UTC sends "Etc/UTC"), else the IANA id.</summary>
    public static string NameOf(TimeZoneInfo zone) => zone.HasSameRules(TimeZoneInfo.Utc) ? "UTC" : zone.Id;

    public static IEndpointRouteBuilder MapDisplayTimeZone(this IEndpointRouteBuilder app)
    {
        app.MapPost("/admin/account/time-zone", SetAsync).RequireAuthorization(AdminServices.Policy).ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// POST /admin/account/time-zone (form: <c>zone</c>, an IANA id; <c>browser=1</c> when admin.js sends the
    /// browser's own, which never replaces a zone already set), with the page's antiforgery token. Saves the zone as
    /// the user's claim and renews this session's cookie so the next page shows it: 204 for the script, a redirect to
    /// the account page for the form; 400 for an unknown zone or a missing token.
    /// </summary>
    public static async Task<Results<NoContent, RedirectHttpResult, ProblemHttpResult>> SetAsync(
        [FromForm] string? zone, [FromForm] string? browser, HttpContext context, IAntiforgery antiforgery, SignInManager<IdentityUser> signIn)
    {
        var fromBrowser = browser == "1";
        if (!await antiforgery.IsRequestValidAsync(context))
            return TypedResults.Problem(title: "The form expired.", detail: "Reload the page and try again.", statusCode: StatusCodes.Status400BadRequest);
        if (!TryParse(zone, out _))
            return fromBrowser
                ? TypedResults.Problem(title: "Unknown time zone.", detail: "zone must be an IANA time zone id such as Europe/Paris.", statusCode: StatusCodes.Status400BadRequest)
                : TypedResults.Redirect("/admin/account?zone=unknown");
        if (await signIn.UserManager.GetUserAsync(context.User) is not { } user)
            return TypedResults.Problem(title: "No such user.", statusCode: StatusCodes.Status400BadRequest);
        var claims = (await signIn.UserManager.GetClaimsAsync(user)).Where(c => c.Type == ClaimType).ToList();
        if (fromBrowser && claims.Count > 0)
            return TypedResults.NoContent();
        if (claims.Count > 0)
            await signIn.UserManager.RemoveClaimsAsync(user, claims);
        await signIn.UserManager.AddClaimAsync(user, new Claim(ClaimType, zone!));
        await signIn.RefreshSignInAsync(user);
        return fromBrowser ? TypedResults.NoContent() : TypedResults.Redirect("/admin/account?zone=saved");
    }
}
