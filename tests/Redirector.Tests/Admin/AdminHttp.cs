using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Admin;

/// <summary>A node with the first administrator and no practical limit on sign-in attempts, shared by a theory's cases.</summary>
public sealed class SharedAdminApplication : SharedApplication
{
    protected override RedirectorApplication Start() => AdminHttp.NewApp(new() { ["Admin:LoginAttemptsPerMinute"] = "1000" });
}

/// <summary>The admin area as a browser without script sees it: a service with a first administrator, a cookie client, forms.</summary>
internal static partial class AdminHttp
{
    public const string Email = "admin@example.com";
    public const string Password = "Correct-Horse-42";

    /// <summary>A service with the first administrator; pass another node's Redis and data directory to run a second node.</summary>
    public static RedirectorApplication NewApp(Dictionary<string, string?>? settings = null, RedisServer? redis = null, string? dataDirectory = null)
    {
        var all = new Dictionary<string, string?> { ["Admin:Email"] = Email, ["Admin:Password"] = Password };
        foreach (var (key, value) in settings ?? [])
            all[key] = value;
        return new RedirectorApplication(redis, all, dataDirectory);
    }

    public static HttpClient NewClient(RedirectorApplication app) =>
        app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>Posts the sign-in form as a browser would (antiforgery token included) and returns where it redirects.</summary>
    public static async Task<string> SignInAsync(HttpClient client, string password = Password, string returnUrl = "/admin", string email = Email)
    {
        using var response = await PostSignInAsync(client, password, returnUrl, email);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.Location!.OriginalString;
    }

    /// <summary>Posts the sign-in form and hands back the whole answer, whatever it is.</summary>
    public static async Task<HttpResponseMessage> PostSignInAsync(HttpClient client, string password = Password, string returnUrl = "/admin", string email = Email)
    {
        var page = await client.GetStringAsync("/admin/login");
        return await client.PostAsync("/admin/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = TokenOf(page),
            ["email"] = email,
            ["password"] = password,
            ["returnUrl"] = returnUrl,
        }));
    }

    /// <summary>Opens <paramref name="path"/> and submits its Blazor form <paramref name="formName"/> with the page's antiforgery token.</summary>
    public static async Task<HttpResponseMessage> SubmitAsync(HttpClient client, string path, string formName, Dictionary<string, string> fields)
    {
        var page = await client.GetStringAsync(path);
        fields["_handler"] = formName;
        fields["__RequestVerificationToken"] = TokenOf(page);
        return await client.PostAsync(path, new FormUrlEncodedContent(fields));
    }

    /// <summary>
    /// The import page's answer to <paramref name="file"/> uploaded through its form, with the choice for links that
    /// exist (<c>fail</c>, <c>skip</c>, <c>update</c>) or, without one, none sent (the form's default).
    /// </summary>
    public static async Task<string> UploadAsync(HttpClient client, string file, string? existing = null)
    {
        var page = await client.GetStringAsync("/admin/import");
        using var form = new MultipartFormDataContent
        {
            { new StringContent("import"), "_handler" },
            { new StringContent(TokenOf(page)), "__RequestVerificationToken" },
            { new StringContent(file), "file", "links.csv" },
        };
        if (existing is not null)
            form.Add(new StringContent(existing), "existing");
        using var upload = await client.PostAsync("/admin/import", form);
        return await upload.Content.ReadAsStringAsync();
    }

    public static string TokenOf(string page) => AntiforgeryToken().Match(page).Groups[1].Value;

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
