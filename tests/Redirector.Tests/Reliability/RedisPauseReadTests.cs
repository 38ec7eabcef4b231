using System.Net;
using Redirector.Tests.Admin;
using Redirector.Tests.Core;
using Redirector.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Redirector.Tests.Reliability;

/// <summary>A redis-server stopped by SIGSTOP keeps its connections and answers nothing: reads of counts give up at their deadline.</summary>
public sealed class RedisPauseReadTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(1.5);

    [Fact]
    public async Task Reads_of_counts_answer_within_their_deadline_while_Redis_is_paused_and_clicks_are_counted_after()
    {
        await using var app = AdminHttp.NewApp(new() { ["Analytics:ReadTimeout"] = "00:00:01", ["Analytics:ApplyTimeout"] = "00:00:00.500" });
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "paused" });
        await app.RedisReadyAsync();
        using var visitor = app.CreateVisitorClient();
        using var api = app.CreateApiClient();
        using var admin = AdminHttp.NewClient(app);
        await AdminHttp.SignInAsync(admin);
        for (var i = 0; i < 10; i++)
            await CountingTests.ClickAsync(visitor, "/paused", Agents.ChromeWindows, null);
        await app.WaitForSpoolDrainedAsync();

        app.Redis.Pause();
        try
        {
            foreach (var path in new[] { "/api/stats/summary", "/api/stats/domains", "/api/stats/pages", "/api/stats/targets", "/api/links/paused/stats", "/api/links/paused/clicks" })
            {
                var (response, took) = await Timed.SendAsync(() => api.GetAsync(path));
                output.WriteLine($"{path}: {(int)response.StatusCode} in {took.TotalMilliseconds:F0} ms");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.NotNull(response.Headers.RetryAfter);
                Assert.True(took < ReadTimeout + Slack, $"{path} answered after {took.TotalMilliseconds} ms");
            }
            // The links export leaves its click columns empty rather than failing; the tables of counts answer 503.
            foreach (var path in new[] { "/admin", "/admin/links", "/admin/links/paused", "/admin/export/links.csv" })
            {
                var (response, took) = await Timed.SendAsync(() => admin.GetAsync(path));
                output.WriteLine($"{path}: {(int)response.StatusCode} in {took.TotalMilliseconds:F0} ms");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                if (!path.EndsWith(".csv", StringComparison.Ordinal))
                    Assert.Contains("unavailable right now", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                Assert.True(took < ReadTimeout + Slack, $"{path} answered after {took.TotalMilliseconds} ms");
            }
            // The raw-click export reads the event store, not Redis (AdminFilterScopeTests); the tables of counts read Redis.
            foreach (var path in new[] { "/admin/export/days.csv?scope=global", "/admin/export/targets.csv", "/admin/export/pages.csv" })
            {
                var (response, took) = await Timed.SendAsync(() => admin.GetAsync(path));
                output.WriteLine($"{path}: {(int)response.StatusCode} in {took.TotalMilliseconds:F0} ms");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.True(took < ReadTimeout + Slack, $"{path} answered after {took.TotalMilliseconds} ms");
            }

            // Redirects go on meanwhile, and their clicks wait in the spool.
            for (var i = 0; i < 20; i++)
                await CountingTests.ClickAsync(visitor, "/paused", Agents.ChromeWindows, null);
            await app.FlushClicksAsync();
        }
        finally
        {
            app.Redis.Resume();
        }
        await app.WaitForSpoolDrainedAsync();
        Assert.Equal(30, (await CountingTests.GetStatsAsync(app, "paused")).Clicks);
    }
}
