using System.Collections.Concurrent;
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
    /// The zone of an IANA id the system's time zone data knows, under its current name when <paramref name="id"/> is
    /// an old one the picker does not list (<see cref="Ids"/>): "Asia/Calcutta" is Asia/Kolkata, "US/Eastern"
    /// America/New_York (Chromium's <c>Intl</c> still reports India as Asia/Calcutta). False for anything else (a
    /// Windows id, an offset, an unknown name, text too long), so only IANA ids are stored.
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
        zone = Listed.TryGetValue(found.Id, out var listed) ? listed : CurrentNames.GetOrAdd(found.Id, _ => CurrentNameOf(found));
        return true;
    }

    /// <summary>The zones of the picker (<see cref="Ids"/>) by id: the zone.tab names of the system's time zone data.</summary>
    private static readonly Dictionary<string, TimeZoneInfo> Listed = ReadListed();

    /// <summary>Old names already resolved: finding one compares its rules with every listed zone's.</summary>
    private static readonly ConcurrentDictionary<string, TimeZoneInfo> CurrentNames = new(StringComparer.Ordinal);

    /// <summary>
    /// The listed zone an old name links to: the one with the same rules (the tz database's backward links share
    /// their target's data) and the same Windows zone, the first by id when several do (they show the same times);
    /// the zone itself when none does (Etc/GMT+5 and other fixed offsets, which zone.tab does not list).
    /// .NET has no API for the tz database's links, and ICU's canonical ids are CLDR's (Asia/Calcutta again).
    /// </summary>
    private static TimeZoneInfo CurrentNameOf(TimeZoneInfo zone)
    {
        TimeZoneInfo.TryConvertIanaIdToWindowsId(zone.Id, out var windows);
        return Listed.Values.Where(z => z.HasSameRules(zone) && (windows is null || (TimeZoneInfo.TryConvertIanaIdToWindowsId(z.Id, out var other) && other == windows)))
            .OrderBy(z => z.Id, StringComparer.Ordinal).FirstOrDefault() ?? zone;
    }

    private static Dictionary<string, TimeZoneInfo> ReadListed()
    {
        // GetSystemTimeZones also returns every zone found by id since its cache was filled, so an old name looked up
        // before (by this process's first TryParse, say) would be listed as itself; emptied first, it lists zone.tab's.
        TimeZoneInfo.ClearCachedData();
        return TimeZoneInfo.GetSystemTimeZones().Where(z => z.HasIanaId && z.Id.Contains('/', StringComparison.Ordinal)).ToDictionary(z => z.Id, StringComparer.Ordinal);
    }

    /// <summary>Every IANA zone the system lists (zone.tab), for the account page's picker: UTC first, then by id.</summary>
    public static IReadOnlyList<string> Ids { get; } = ["UTC", .. Listed.Keys.Order(StringComparer.Ordinal)];

    /// <summary>A UTC time in the user's zone, as <paramref name="format"/>, followed by the zone's id ("2026-11-30 09:15 Europe/Paris").</summary>
    public static string Format(DateTime utc, ClaimsPrincipal? user, string format = "yyyy-MM-dd HH:mm")
    {
        var zone = Of(user);
        return InZone(utc, zone).ToString(format, CultureInfo.InvariantCulture) + " " + NameOf(zone);
    }

    /// <summary>
    /// <paramref name="utc"/> as <paramref name="zone"/>'s wall time, for a table whose heading names the zone once
    /// (<see cref="NameOf"/>) rather than each row.
    /// </summary>
    public static DateTime InZone(DateTime utc, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone);

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
        if (!TryParse(zone, out var parsed))
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
        await signIn.UserManager.AddClaimAsync(user, new Claim(ClaimType, parsed.Id));
        await signIn.RefreshSignInAsync(user);
        return fromBrowser ? TypedResults.NoContent() : TypedResults.Redirect("/admin/account?zone=saved");
    }
}
