using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Admin;

/// <summary>The admin area as a browser without script sees it: a service with a first administrator, a cookie client, forms.</summary>
internal static partial class AdminHttp
{
    public const string Email = "admin@example.com";
    public const string Password = "Correct-Horse-42";

    public static RedirectorApplication NewApp(Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?> { ["Admin:Email"] = Email, ["Admin:Password"] = Password };
        foreach (var (key, value) in settings ?? [])
            all[key] = value;
        return new RedirectorApplication(settings: all);
    }

    public static HttpClient NewClient(RedirectorApplication app) =>
        app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>Posts the sign-in form as a browser would (antiforgery token included) and returns where it redirects.</summary>
    public static async Task<string> SignInAsync(HttpClient client, string password = Password, string returnUrl = "/admin")
    {
        var page = await client.GetStringAsync("/admin/login");
        using var response = await client.PostAsync("/admin/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = TokenOf(page),
            ["email"] = Email,
            ["password"] = password,
            ["returnUrl"] = returnUrl,
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.Location!.OriginalString;
    }

    /// <summary>Opens <paramref name="path"/> and submits its Blazor form <paramref name="formName"/> with the page's antiforgery token.</summary>
    public static async Task<HttpResponseMessage> SubmitAsync(HttpClient client, string path, string formName, Dictionary<string, string> fields)
    {
        var page = await client.GetStringAsync(path);
        fields["_handler"] = formName;
        fields["__RequestVerificationToken"] = TokenOf(page);
        return await client.PostAsync(path, new FormUrlEncodedContent(fields));
    }

    public static string TokenOf(string page) => AntiforgeryToken().Match(page).Groups[1].Value;

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
