using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Playwright;
using Redirector.Clicks;
using Redirector.Stats;
using Redirector.Tests.Core;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Outbound;

/// <summary>
/// The tracker script in a real Chromium. Host names are real to the browser: every *.test name resolves to the
/// loopback, so the tracker is go.test, the customer's site is blog.test (a small extra server) and the
/// destinations are docs.example.test and shop.example.test on that same server, which answers 200.
/// </summary>
public sealed class TrackerBrowserTests
{
    [Fact]
    public async Task Outbound_clicks_of_every_kind_go_through_out_and_others_do_not_and_the_counts_match()
    {
        await using var app = new RedirectorApplication();
        var tracker = app.StartKestrel();
        var site = await app.CreateSiteAsync("Blog", false, "blog.test");
        await using var web = await CustomerSite.StartAsync(site.Key, tracker.Port);
        var blog = $"http://blog.test:{web.Port}";
        string Docs(string path) => $"http://docs.example.test:{web.Port}{path}";
        string Shop(string path) => $"http://shop.example.test:{web.Port}{path}";

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        // A headless agent is a bot to the service; the visitor here is a person.
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { UserAgent = Agents.ChromeWindows });
        var outs = new ConcurrentQueue<string>();
        context.Request += (_, request) =>
        {
            if (request.Url.Contains("/out?", StringComparison.Ordinal))
                outs.Enqueue(QueryHelpers.ParseQuery(new Uri(request.Url).Query)["url"].ToString());
        };
        var page = await context.NewPageAsync();
        async Task OpenPostAsync()
        {
            await page.RunAndWaitForResponseAsync(() => page.GotoAsync(blog + "/post"), r => r.Url.EndsWith("/pv", StringComparison.Ordinal));
            await page.Locator("#added").WaitForAsync();
        }
        // Arrival is the destination's own text ("arrived at" and the URL it was asked for), retried until it is
        // there. Waiting for navigation events instead failed now and then on a loaded machine: Playwright missed
        // the load event of a page that had arrived, or the commit of a background tab it attached to late.
        static Task ArrivedAsync(IPage tab, string expected) =>
            Assertions.Expect(tab.Locator("body")).ToHaveTextAsync("arrived at " + expected, new() { Timeout = 30_000 });
        async Task NewTabAsync(Func<Task> action, string expected)
        {
            var tab = await context.RunAndWaitForPageAsync(action);
            await ArrivedAsync(tab, expected);
            await tab.CloseAsync();
        }

        await OpenPostAsync();
        foreach (var id in new[] { "#same", "#relative", "#mail", "#tel", "#ignored" })
        {
            var before = await page.Locator(id).GetAttributeAsync("href");
            await page.Locator(id).DispatchEventAsync("mousedown");
            await page.Locator(id).DispatchEventAsync("auxclick");
            Assert.Equal(before, await page.Locator(id).GetAttributeAsync("href"));
        }
        var outPrefix = $"http://go.test:{tracker.Port}/out?site={site.Key}&url=";
        await NewTabAsync(() => page.Locator("#shop").ClickAsync(new() { Button = MouseButton.Middle }), Shop("/item?utm_source=blog"));
        Assert.StartsWith(outPrefix, await page.Locator("#shop").GetAttributeAsync("href"), StringComparison.Ordinal);
        await NewTabAsync(() => page.Locator("#docs").ClickAsync(new() { Modifiers = [KeyboardModifier.ControlOrMeta] }), Docs("/guide"));
        Assert.StartsWith(outPrefix, await page.Locator("#docs").GetAttributeAsync("href"), StringComparison.Ordinal);
        await NewTabAsync(() => page.Locator("#blank").ClickAsync(), Docs("/new"));
        Assert.Equal(("_blank", "noopener"), (await page.Locator("#blank").GetAttributeAsync("target"), await page.Locator("#blank").GetAttributeAsync("rel")));
        await page.Locator("#docs").ClickAsync();
        await ArrivedAsync(page, Docs("/guide"));

        await OpenPostAsync();
        // Focus and key press in one action: a separate focus can be lost while a loaded machine is still settling the page.
        await page.Locator("#added").PressAsync("Enter");
        await ArrivedAsync(page, Shop("/late"));

        await OpenPostAsync();
        await page.EvaluateAsync($"window.redirector.trackOutbound('{Docs("/manual")}', ' Manual ')");
        await ArrivedAsync(page, Docs("/manual"));

        await OpenPostAsync();
        await page.RunAndWaitForResponseAsync(() => page.Locator("#same").ClickAsync(), r => r.Url.EndsWith("/pv", StringComparison.Ordinal));
        Assert.Equal(blog + "/other", page.Url);
        await app.FlushClicksAsync();

        Assert.Equal([("docs.example.test", 4L), ("shop.example.test", 2L)],
            (await app.GetJsonAsync<List<KeyCount>>("/api/stats/domains")).Select(d => (d.Key, d.Clicks)));
        // Background tabs (middle and ctrl clicks) are attached after their first request, so the browser's log
        // lacks those two: the counts above and the rewritten hrefs below show they went through /out too.
        Assert.Equal([Docs("/new"), Docs("/guide"), Shop("/late"), Docs("/manual")], outs.ToArray());
        var targets = await app.GetJsonAsync<List<TargetCount>>("/api/stats/targets");
        Assert.Equal(
            [(Docs("/guide"), 2L, "Read the guide"), (Docs("/manual"), 1L, "Manual"), (Docs("/new"), 1L, "New tab docs"),
             (Shop("/item?utm_source=blog"), 1L, "Buy it"), (Shop("/late"), 1L, "Added later")],
            targets.Select(t => (t.Url, t.Clicks, Assert.Single(t.Texts).Key)).OrderBy(t => t.Url, StringComparer.Ordinal));
        var pages = await app.GetJsonAsync<List<PageCount>>("/api/stats/pages");
        // Six clicks from four views (background tabs leave the page open): no exit rate is claimed above 100%.
        Assert.Equal([(blog + "/post", 6L, 4L, -1.0), (blog + "/other", 0L, 1L, 0.0)],
            pages.Select(p => (p.Key, p.Clicks, p.PageViews, p.ExitRate ?? -1)));
        Assert.Equal([("blog", 1L)], (await app.GetJsonAsync<StatsResponse>("/api/stats/summary"))[Dimensions.UtmSource].Select(u => (u.Key, u.Clicks)));
    }

    [Fact]
    public async Task A_short_link_clicked_on_a_tracked_page_counts_that_page_as_its_source_not_the_sites_home()
    {
        await using var app = new RedirectorApplication();
        var tracker = app.StartKestrel();
        var site = await app.CreateSiteAsync("Blog", false, "blog.test");
        await using var web = await CustomerSite.StartAsync(site.Key, tracker.Port);
        var blog = $"http://blog.test:{web.Port}";
        var sale = $"http://shop.example.test:{web.Port}/sale";
        await app.CreateLinkAsync(new { url = sale, slug = "spring" });

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { UserAgent = Agents.ChromeWindows });
        var page = await context.NewPageAsync();
        await page.RunAndWaitForResponseAsync(() => page.GotoAsync(blog + "/post?ref=x"), r => r.Url.EndsWith("/pv", StringComparison.Ordinal));
        await page.Locator("#short").ClickAsync();
        await Assertions.Expect(page.Locator("body")).ToHaveTextAsync("arrived at " + sale, new() { Timeout = 30_000 });
        await app.FlushClicksAsync();

        var stats = await app.GetJsonAsync<StatsResponse>("/api/links/spring/stats");
        Assert.Equal(1, stats.Clicks);
        // The page without its query, as source pages are counted; the browser alone would have sent "blog.test/".
        Assert.Equal([(blog + "/post", 1L)], stats[Dimensions.SourcePage].Select(p => (p.Key, p.Clicks)));
        // Counted through the redirect alone, never through /out as well.
        Assert.Empty((await app.GetJsonAsync<StatsResponse>("/api/stats/summary"))[Dimensions.TargetUrl]);
    }

    /// <summary>Chromium with every *.test name on the loopback.</summary>
    private static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = "/usr/bin/chromium",
        Headless = true,
        Args =
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--host-resolver-rules=MAP *.test 127.0.0.1",
            // Tabs the page opens itself (middle and ctrl clicks) send their first request before Playwright
            // attaches its per-context agent, so the browser-wide agent must already be a person's.
            "--user-agent=" + Agents.ChromeWindows,
        ],
    });

    /// <summary>The customer's web server: the test page on blog.test, a 200 "arrived at URL" on every other host.</summary>
    private sealed class CustomerSite : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private CustomerSite(WebApplication app, int port)
        {
            _app = app;
            Port = port;
        }

        public int Port { get; }

        public static async Task<CustomerSite> StartAsync(string siteKey, int trackerPort)
        {
            var port = RedisServer.FreePort();
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
            var app = builder.Build();
            app.Run(context =>
            {
                context.Response.ContentType = "text/html; charset=utf-8";
                var host = context.Request.Host;
                return host.Host == "blog.test"
                    ? context.Response.WriteAsync(TestPage(siteKey, trackerPort, port))
                    : context.Response.WriteAsync($"<body>arrived at http://{host}{context.Request.Path}{context.Request.QueryString}</body>");
            });
            await app.StartAsync();
            return new CustomerSite(app, port);
        }

        private static string TestPage(string siteKey, int trackerPort, int port) => $$"""
            <!doctype html><html><head><meta charset="utf-8"><title>Post</title>
            <script src="http://go.test:{{trackerPort}}/t.js" data-site="{{siteKey}}" defer></script></head>
            <body>
            <p><a id="docs" href="http://docs.example.test:{{port}}/guide">Read the <b>guide</b></a></p>
            <p><a id="shop" href="http://shop.example.test:{{port}}/item?utm_source=blog">Buy it</a></p>
            <p><a id="blank" href="http://docs.example.test:{{port}}/new" target="_blank" rel="noopener">New tab docs</a></p>
            <p><a id="same" href="http://blog.test:{{port}}/other">Other post</a> <a id="relative" href="/about">About</a></p>
            <p><a id="mail" href="mailto:me@example.com">Mail</a> <a id="tel" href="tel:+123">Call</a></p>
            <p><a id="ignored" href="http://docs.example.test:{{port}}/ignored" data-redirector-ignore>Ignored</a></p>
            <p><a id="short" href="http://go.test:{{trackerPort}}/spring">Spring sale</a></p>
            <p id="late"></p>
            <script>
            setTimeout(function () {
              var a = document.createElement("a");
              a.id = "added"; a.href = "http://shop.example.test:{{port}}/late"; a.textContent = "Added later";
              document.getElementById("late").appendChild(a);
            }, 50);
            </script>
            </body></html>
            """;

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
