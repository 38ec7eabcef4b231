using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Redirector.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Redirector.Tests.Core;

/// <summary>
/// A page whose speculation rules prefetch a short link, in a real Chromium against a real Kestrel port. The page is
/// served on the service's own origin (speculation rules prefetch same-origin URLs without a private proxy) by a
/// startup filter that also logs every request for a short link with its Sec-Purpose header.
/// </summary>
public sealed class SpeculationRulesBrowserTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_prefetch_never_followed_counts_nothing_and_a_navigation_after_a_prefetch_counts_once()
    {
        var requests = new ConcurrentQueue<(string Path, string Purpose)>();
        await using var app = new RedirectorApplication
        {
            ConfigureTestServices = services => services.AddSingleton<IStartupFilter>(new TestPages(requests)),
        };
        var address = app.StartKestrel();
        var landing = new Uri(address, "/landing").ToString();
        foreach (var slug in new[] { "ignored", "followed", "plain" })
            await app.CreateLinkAsync(new { url = landing + "?" + slug, slug });

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            // A headless agent is a bot to the service; the visitor here is a person.
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--user-agent=" + Agents.ChromeWindows],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = address.ToString(), UserAgent = Agents.ChromeWindows });
        var page = await context.NewPageAsync();

        async Task PrefetchedAsync(string slug)
        {
            await page.GotoAsync($"/test-page?slug={slug}&prefetch=1");
            var deadline = Stopwatch.StartNew();
            while (!requests.Contains(($"/{slug}", "prefetch")))
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"Chromium never prefetched /{slug}: {string.Join(", ", requests)}");
                await Task.Delay(50);
            }
        }
        // The browser's own figure: from the navigation's start (the click) to the landing page's last byte, redirect included.
        async Task<double> FollowAsync(string slug)
        {
            await page.Locator("#go").ClickAsync();
            await Assertions.Expect(page.Locator("body")).ToHaveTextAsync("arrived " + slug, new() { Timeout = 30_000 });
            return await page.EvaluateAsync<double>("performance.getEntriesByType('navigation')[0].responseEnd");
        }

        await PrefetchedAsync("ignored");
        await PrefetchedAsync("followed");
        var afterPrefetch = await FollowAsync("followed");
        await page.GotoAsync("/test-page?slug=plain");
        var withoutPrefetch = await FollowAsync("plain");
        await app.FlushClicksAsync();

        output.WriteLine($"click to arrival: {afterPrefetch:F1} ms after a refused prefetch, {withoutPrefetch:F1} ms without speculation rules");
        output.WriteLine("requests: " + string.Join(", ", requests));
        Assert.Equal(1, requests.Count(r => r == ("/followed", "")));
        Assert.DoesNotContain(("/ignored", ""), requests);
        var ignored = await CountingTests.GetStatsAsync(app, "ignored");
        Assert.Equal((0, 0), (ignored.Clicks, ignored.Bots));
        var followed = await CountingTests.GetStatsAsync(app, "followed");
        Assert.Equal((1, 0), (followed.Clicks, followed.Bots));
        Assert.Equal(1, (await CountingTests.GetStatsAsync(app, "plain")).Clicks);
    }

    /// <summary>/test-page (a link to ?slug, prefetched by speculation rules when ?prefetch=1), /landing, and the request log.</summary>
    private sealed class TestPages(ConcurrentQueue<(string Path, string Purpose)> requests) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                var path = context.Request.Path.Value ?? "";
                if (path == "/test-page")
                {
                    var slug = context.Request.Query["slug"].ToString();
                    var rules = context.Request.Query.ContainsKey("prefetch")
                        ? $$"""<script type="speculationrules">{"prefetch":[{"source":"list","urls":["/{{slug}}"],"eagerness":"immediate"}]}</script>"""
                        : "";
                    context.Response.ContentType = "text/html; charset=utf-8";
                    await context.Response.WriteAsync($"""<!doctype html><title>page</title><a id="go" href="/{slug}">go</a>{rules}""");
                    return;
                }
                if (path == "/landing")
                {
                    context.Response.ContentType = "text/html; charset=utf-8";
                    await context.Response.WriteAsync($"<!doctype html><title>landing</title><body>arrived {context.Request.QueryString.Value?.TrimStart('?')}</body>");
                    return;
                }
                if (path is "/ignored" or "/followed" or "/plain")
                    requests.Enqueue((path, context.Request.Headers["Sec-Purpose"].ToString()));
                await nextMiddleware();
            });
            next(app);
        };
    }
}
