using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Redirector.ApiKeys;
using Redirector.Security;
using Redirector.Tests.Infrastructure;
using static Redirector.Tests.Admin.AdminHttp;

namespace Redirector.Tests.Admin;

/// <summary>Administrator, editor and viewer, enforced on the server for every page, form and export, and for API keys.</summary>
public sealed partial class RoleTests
{
    private const string ViewerEmail = "viewer@example.com";
    private const string EditorEmail = "editor@example.com";
    private const string OtherPassword = "Other-Password-77";

    /// <summary>Every admin route and the least role that may open it ("link" is a link that exists).</summary>
    private static readonly Dictionary<string, string> Routes = new()
    {
        ["/admin"] = Roles.Viewer,
        ["/admin/links"] = Roles.Viewer,
        ["/admin/links/link"] = Roles.Viewer,
        ["/admin/short-domains"] = Roles.Viewer,
        ["/admin/outbound"] = Roles.Viewer,
        ["/admin/pages"] = Roles.Viewer,
        ["/admin/domains/example.com"] = Roles.Viewer,
        ["/admin/campaigns"] = Roles.Viewer,
        ["/admin/campaigns/none"] = Roles.Viewer,
        ["/admin/account"] = Roles.Viewer,
        ["/admin/denied"] = Roles.Viewer,
        ["/admin/export/links.csv"] = Roles.Viewer,
        ["/admin/export/days.csv"] = Roles.Viewer,
        ["/admin/export/clicks.csv"] = Roles.Editor,
        ["/admin/links/new"] = Roles.Editor,
        ["/admin/links/link/edit"] = Roles.Editor,
        ["/admin/import"] = Roles.Editor,
        ["/admin/sites"] = Roles.Editor,
        ["/admin/sites/none"] = Roles.Editor,
        ["/admin/utm-preview?url=https%3A%2F%2Fexample.com%2F"] = Roles.Editor,
        ["/admin/users"] = Roles.Administrator,
        ["/admin/keys"] = Roles.Administrator,
        ["/admin/webhooks"] = Roles.Administrator,
    };

    [Fact]
    public void Every_admin_page_has_its_role_in_this_test()
    {
        var pages = typeof(Redirector.Admin.AdminServices).Assembly.GetTypes()
            .SelectMany(t => t.GetCustomAttributes<RouteAttribute>().Select(r => r.Template))
            .Where(t => t is not "/admin/login" and not "/admin/{**Path}")
            .Select(t => RouteParameter().Replace(t, m => m.Value == "{Slug}" ? "link" : m.Value == "{Domain}" ? "example.com" : "none"))
            .ToList();
        Assert.All(pages, page => Assert.True(Routes.ContainsKey(page), $"{page} has no role in RoleTests.Routes"));
    }

    [Fact]
    public async Task Each_role_opens_exactly_the_routes_it_may_and_is_told_why_elsewhere()
    {
        await using var app = NewApp();
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "link" });
        await AddUserAsync(app, ViewerEmail, Roles.Viewer);
        await AddUserAsync(app, EditorEmail, Roles.Editor);

        foreach (var (email, role) in new[] { (Email, Roles.Administrator), (EditorEmail, Roles.Editor), (ViewerEmail, Roles.Viewer) })
        {
            using var client = NewClient(app);
            await SignInAsync(client, email == Email ? Password : OtherPassword, email: email);
            foreach (var (path, least) in Routes)
            {
                using var response = await client.GetAsync(path);
                if (Rank(role) <= Rank(least))
                {
                    // No site has the key "none": its page opens, and answers 404 with a way back.
                    var opens = path == "/admin/sites/none" ? HttpStatusCode.NotFound : HttpStatusCode.OK;
                    Assert.True(response.StatusCode == opens, $"{role} {path}: {(int)response.StatusCode}");
                }
                else
                {
                    Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{role} {path}: {(int)response.StatusCode}");
                    Assert.Equal("/admin/denied", response.Headers.Location!.OriginalString);
                }
            }
            var denied = await client.GetStringAsync("/admin/denied");
            Assert.Contains(role, denied);
        }
    }

    /// <summary>
    /// A password hash can be guessed at offline: only those who may import it back (editors, administrators) export it.
    /// A viewer's file has no such column, so an editor who imports it to update links keeps their passwords.
    /// </summary>
    [Fact]
    public async Task A_viewer_exports_links_without_password_hashes_and_an_editor_with_them()
    {
        await using var app = NewApp();
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "locked", password = "Open-Sesame-9" });
        await AddUserAsync(app, ViewerEmail, Roles.Viewer);
        await AddUserAsync(app, EditorEmail, Roles.Editor);

        foreach (var (email, hashed) in new[] { (ViewerEmail, false), (EditorEmail, true) })
        {
            using var client = NewClient(app);
            await SignInAsync(client, OtherPassword, email: email);
            var records = Redirector.Admin.Exports.Csv.Read(await client.GetStringAsync("/admin/export/links.csv"));
            Assert.Equal(Redirector.Admin.Import.LinkCsv.Names.Where(name => hashed || name != "password_hash"), records[0].Cells);
            Assert.Equal(hashed, records[1].Cells.Any(cell => cell.StartsWith("AQAAAA", StringComparison.Ordinal)));
        }
    }

    /// <summary>The live stream never ends, so it is not in <see cref="Routes"/> (read whole); its least role is the viewer.</summary>
    [Fact]
    public async Task The_live_counts_stream_is_open_to_viewers_and_to_no_one_signed_out()
    {
        await using var app = NewApp();
        await AddUserAsync(app, ViewerEmail, Roles.Viewer);
        using var stranger = NewClient(app);
        using (var refused = await stranger.GetAsync("/admin/live", HttpCompletionOption.ResponseHeadersRead))
            Assert.StartsWith("/admin/login", refused.Headers.Location!.OriginalString);
        using var viewer = NewClient(app);
        await SignInAsync(viewer, OtherPassword, email: ViewerEmail);
        using var stream = await viewer.GetAsync("/admin/live", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task A_viewer_cannot_post_any_editing_form_nor_sees_links_to_them()
    {
        await using var app = NewApp();
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "link" });
        await AddUserAsync(app, ViewerEmail, Roles.Viewer);
        using var viewer = NewClient(app);
        await SignInAsync(viewer, OtherPassword, email: ViewerEmail);
        var list = await viewer.GetStringAsync("/admin/links");
        Assert.DoesNotContain("/admin/links/new", list);
        Assert.DoesNotContain("/admin/links/link/edit", list);
        Assert.DoesNotContain("href=\"/admin/users\"", list);
        var token = TokenOf(list);

        foreach (var (path, form) in new[]
                 {
                     ("/admin/links/new", "link"), ("/admin/links/link/edit", "delete"), ("/admin/import", "import"),
                     ("/admin/sites", "new-site"), ("/admin/users", "add-user"), ("/admin/keys", "create-key"),
                     ("/admin/links/bulk", ""),
                 })
        {
            using var response = await viewer.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = form,
                ["__RequestVerificationToken"] = token,
                ["Form.Url"] = "https://evil.example/",
                ["Form.Slug"] = "evil",
                ["Name"] = "evil",
                ["NewUser.Email"] = "evil@example.com",
                ["NewUser.Password"] = "Evil-Password-99",
                ["NewUser.Role"] = Roles.Administrator,
                ["key"] = "link",
                ["action"] = "delete",
            }));
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"POST {path}: {(int)response.StatusCode}");
        }
        // The link page is a viewer's, but its QR logo forms are not rendered for one, so Blazor refuses their posts.
        using var logo = await viewer.PostAsync("/admin/links/link", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "qr-logo-delete",
            ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, logo.StatusCode);
        Assert.DoesNotContain("Upload logo", await viewer.GetStringAsync("/admin/links/link"));
        using var api = app.CreateApiClient();
        var links = await api.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/links");
        Assert.Equal(1, links.GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/links/link")).StatusCode);
        var people = await app.Services.CreateScope().ServiceProvider.GetRequiredService<Redirector.Admin.Access.People>().ListAsync(CancellationToken.None);
        Assert.Equal(2, people.Count);
    }

    [Fact]
    public async Task An_administrator_changes_roles_disables_resets_and_removes_users_whose_sessions_end_at_once()
    {
        await using var app = NewApp(new() { ["Admin:SessionCheckInterval"] = "00:00:00" });
        using var admin = NewClient(app);
        await SignInAsync(admin);
        await AddUserAsync(app, ViewerEmail, Roles.Viewer, admin);
        using var viewer = NewClient(app);
        await SignInAsync(viewer, OtherPassword, email: ViewerEmail);
        Assert.Equal(HttpStatusCode.Redirect, (await viewer.GetAsync("/admin/links/new")).StatusCode);

        await ManageAsync(app, admin, ViewerEmail, "role", Roles.Editor);
        Assert.Contains(">editor<", await admin.GetStringAsync("/admin/users"));
        // The role change renewed the user's stamp: the old session ends; signing in again gives the new role.
        Assert.StartsWith("/admin/login", (await viewer.GetAsync("/admin/links")).Headers.Location!.OriginalString);
        await SignInAsync(viewer, OtherPassword, email: ViewerEmail);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/admin/links/new")).StatusCode);

        await ManageAsync(app, admin, ViewerEmail, "disable");
        Assert.StartsWith("/admin/login", (await viewer.GetAsync("/admin/links")).Headers.Location!.OriginalString);
        Assert.Contains("error=invalid", await SignInAsync(NewClient(app), OtherPassword, email: ViewerEmail));
        await ManageAsync(app, admin, ViewerEmail, "enable");
        Assert.Equal("/admin", await SignInAsync(NewClient(app), OtherPassword, email: ViewerEmail));

        var reset = await ManageAsync(app, admin, ViewerEmail, "password");
        var password = NewPassword().Match(reset!).Groups[1].Value;
        Assert.Equal(20, password.Length);
        Assert.Contains("error=invalid", await SignInAsync(NewClient(app), OtherPassword, email: ViewerEmail));
        Assert.Equal("/admin", await SignInAsync(NewClient(app), password, email: ViewerEmail));

        await ManageAsync(app, admin, ViewerEmail, "remove");
        Assert.DoesNotContain(ViewerEmail, await admin.GetStringAsync("/admin/users"));
        Assert.Contains("error=invalid", await SignInAsync(NewClient(app), password, email: ViewerEmail));
    }

    [Fact]
    public async Task Nobody_changes_their_own_role_access_or_account_on_the_users_page()
    {
        await using var app = NewApp(new() { ["Admin:SessionCheckInterval"] = "00:00:00" });
        using var admin = NewClient(app);
        await SignInAsync(admin);
        await AddUserAsync(app, EditorEmail, Roles.Administrator, admin);
        using var other = NewClient(app);
        await SignInAsync(other, OtherPassword, email: EditorEmail);

        await ManageAsync(app, other, Email, "role", Roles.Viewer);
        Assert.Null(await ManageAsync(app, admin, EditorEmail, "remove", expectDenied: true));
        // The page offers no form for oneself (Blazor answers 400 to a post of a form it did not render) ...
        var selfId = IdOf(app, EditorEmail);
        using var posted = await other.PostAsync("/admin/users?manage=" + selfId, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "manage-user",
            ["__RequestVerificationToken"] = TokenOf(await other.GetStringAsync("/admin/users")),
            ["Manage.Id"] = selfId,
            ["Manage.Action"] = "remove",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        // ... and the service behind it refuses every change of one's own account.
        using var scope = app.Services.CreateScope();
        var people = scope.ServiceProvider.GetRequiredService<Redirector.Admin.Access.People>();
        Assert.Contains("your own account", Assert.Single(await people.RemoveAsync(selfId, selfId)));
        Assert.Contains("your own account", Assert.Single(await people.SetDisabledAsync(selfId, true, selfId)));
        Assert.Contains("your own account", Assert.Single(await people.SetRoleAsync(selfId, Roles.Viewer, selfId)));
        Assert.Contains("your own account", Assert.Single((await people.ResetPasswordAsync(selfId, selfId)).Errors));
        Assert.Contains(">administrator<", await other.GetStringAsync("/admin/users"));
    }

    [Fact]
    public async Task A_user_changes_their_own_password_and_stays_signed_in()
    {
        await using var app = NewApp(new() { ["Admin:SessionCheckInterval"] = "00:00:00" });
        using var admin = NewClient(app);
        await SignInAsync(admin);
        using var wrong = await SubmitAsync(admin, "/admin/account", "change-password", new() { ["Change.Current"] = "nope", ["Change.New"] = OtherPassword });
        Assert.Contains("role=\"alert\"", await wrong.Content.ReadAsStringAsync());
        using var changed = await SubmitAsync(admin, "/admin/account", "change-password", new() { ["Change.Current"] = Password, ["Change.New"] = OtherPassword });
        Assert.Contains("Your password was changed", await changed.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin/links")).StatusCode);
        Assert.Contains("error=invalid", await SignInAsync(NewClient(app), Password));
        Assert.Equal("/admin", await SignInAsync(NewClient(app), OtherPassword));
    }

    [Fact]
    public async Task A_viewer_key_reads_and_cannot_write_an_editor_key_writes()
    {
        await using var app = new RedirectorApplication();
        var keys = app.Services.GetRequiredService<ApiKeyService>();
        var viewer = await keys.CreateAsync("dashboard", Roles.Viewer, CancellationToken.None);
        var editor = await keys.CreateAsync("cms", Roles.Editor, CancellationToken.None);
        using var reading = app.CreateApiClient(viewer.Secret);
        using var writing = app.CreateApiClient(editor.Secret);

        Assert.Equal(HttpStatusCode.OK, (await reading.GetAsync("/api/links")).StatusCode);
        using var refused = await reading.PostAsJsonAsync("/api/links", new { url = "https://example.com/", slug = "from-viewer" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("viewer", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await reading.DeleteAsync("/api/links/anything")).StatusCode);
        using var created = await writing.PostAsJsonAsync("/api/links", new { url = "https://example.com/", slug = "from-editor" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await reading.GetAsync("/api/links/from-viewer")).StatusCode);
        // Webhook endpoints hold signing secrets: an administrator's key only (the initial key is one).
        Assert.Equal(HttpStatusCode.Forbidden, (await writing.GetAsync("/api/webhooks")).StatusCode);
        using var initial = app.CreateApiClient();
        Assert.Equal(HttpStatusCode.OK, (await initial.GetAsync("/api/webhooks")).StatusCode);
        Assert.Equal(Roles.Administrator, (await keys.ListAsync(CancellationToken.None)).Single(k => k.Name == "initial").Role);
    }

    [Fact]
    public async Task Raw_clicks_are_an_editors_in_the_API_as_in_the_admin_and_counts_stay_a_viewers()
    {
        await using var app = NewApp();
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "link" });
        var keys = app.Services.GetRequiredService<ApiKeyService>();
        var viewer = await keys.CreateAsync("dashboard", Roles.Viewer, CancellationToken.None);
        var editor = await keys.CreateAsync("cms", Roles.Editor, CancellationToken.None);
        using var reading = app.CreateApiClient(viewer.Secret);
        using var writing = app.CreateApiClient(editor.Secret);

        foreach (var path in new[] { "/api/events", "/api/links/link/clicks" })
        {
            using var refused = await reading.GetAsync(path);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
            Assert.Contains("not raw clicks", await refused.Content.ReadAsStringAsync());
            // Past the role check (the event store may answer 503 when it is off in this application).
            using var allowed = await writing.GetAsync(path);
            Assert.NotEqual(HttpStatusCode.Forbidden, allowed.StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, (await reading.GetAsync("/api/links/link/stats")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reading.GetAsync("/api/stats/summary")).StatusCode);

        // The admin's link page shows a viewer the counts and no clicks one by one; an editor sees both.
        await AddUserAsync(app, ViewerEmail, Roles.Viewer);
        await AddUserAsync(app, EditorEmail, Roles.Editor);
        foreach (var (email, sees) in new[] { (ViewerEmail, false), (EditorEmail, true) })
        {
            using var client = NewClient(app);
            await SignInAsync(client, OtherPassword, email: email);
            var page = await client.GetStringAsync("/admin/links/link");
            Assert.Equal(sees, page.Contains("Recent clicks", StringComparison.Ordinal));
            Assert.Equal(sees, page.Contains("/admin/export/clicks.csv", StringComparison.Ordinal));
        }
    }

    private static int Rank(string role) => role switch { Roles.Administrator => 0, Roles.Editor => 1, _ => 2 };

    private static async Task AddUserAsync(RedirectorApplication app, string email, string role, HttpClient? admin = null)
    {
        using var owned = admin is null ? NewClient(app) : null;
        var client = admin ?? owned!;
        if (admin is null)
            await SignInAsync(client);
        using var response = await SubmitAsync(client, "/admin/users", "add-user", new()
        {
            ["NewUser.Email"] = email,
            ["NewUser.Password"] = OtherPassword,
            ["NewUser.Role"] = role,
        });
        Assert.Contains($"Added {email} as {role}", await response.Content.ReadAsStringAsync());
    }

    /// <summary>Submits the Users page's manage form for <paramref name="email"/>; the page's text, or null when the page is denied.</summary>
    private static async Task<string?> ManageAsync(RedirectorApplication app, HttpClient admin, string email, string action, string role = "", bool expectDenied = false)
    {
        using var users = await admin.GetAsync("/admin/users");
        if (expectDenied)
        {
            Assert.Equal(HttpStatusCode.Redirect, users.StatusCode);
            return null;
        }
        var id = IdOf(app, email);
        using var response = await SubmitAsync(admin, "/admin/users?manage=" + id, "manage-user", new()
        {
            ["Manage.Id"] = id,
            ["Manage.Role"] = role,
            ["Manage.Action"] = action,
        });
        var page = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("role=\"alert\"><li>", page.Replace("role=\"alert\">\n", "role=\"alert\">"));
        return page;
    }

    private static string IdOf(RedirectorApplication app, string email)
    {
        using var scope = app.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Microsoft.AspNetCore.Identity.IdentityUser>>();
        return users.FindByEmailAsync(email).GetAwaiter().GetResult()!.Id;
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();

    [GeneratedRegex("data-testid=\"password\">([^<]+)<")]
    private static partial Regex NewPassword();
}
