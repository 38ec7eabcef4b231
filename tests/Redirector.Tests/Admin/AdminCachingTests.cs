using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Redirector.Tests.Infrastructure;
using static Redirector.Tests.Admin.AdminHttp;

namespace Redirector.Tests.Admin;

/// <summary>
/// Admin pages are signed-in documents: every one answers <c>Cache-Control: no-store</c>, and pages with a form
/// (antiforgery token) answer it without antiforgery overriding a value of ours and warning about it in the log.
/// </summary>
public sealed class AdminCachingTests
{
    [Fact]
    public async Task Admin_pages_answer_no_store_and_antiforgery_logs_no_override_warning()
    {
        var logs = new CapturingLoggerProvider();
        await using var app = new RedirectorApplication(settings: new Dictionary<string, string?> { ["Admin:Email"] = Email, ["Admin:Password"] = Password })
        {
            ConfigureTestServices = services => services.AddSingleton<ILoggerProvider>(logs),
        };
        using var client = NewClient(app);
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "cached" });

        // The sign-in form carries a token before anyone is signed in; the others after.
        await AssertNoStoreAsync(client, "/admin/login");
        await SignInAsync(client);
        foreach (var path in new[] { "/admin", "/admin/links", "/admin/links/new", "/admin/links/cached", "/admin/links/cached/edit", "/admin/short-domains" })
            await AssertNoStoreAsync(client, path);

        Assert.DoesNotContain(logs.Entries, e => e.Category.StartsWith("Microsoft.AspNetCore.Antiforgery", StringComparison.Ordinal) && e.Level >= LogLevel.Warning);
    }

    private static async Task AssertNoStoreAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
        Assert.True(response.Headers.CacheControl?.NoStore, $"{path}: Cache-Control {response.Headers.CacheControl}");
    }
}
