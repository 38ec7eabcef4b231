using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;
using Redirector.Tests.Core;
using Redirector.Tests.Infrastructure;
using Xunit.Abstractions;
using static Redirector.Tests.Admin.AdminHttp;

namespace Redirector.Tests.Admin;

/// <summary>
/// What /admin/live costs per open page, measured and printed (docs/admin.md quotes it): run
/// <c>dotnet test tests/Redirector.Tests -c Release --filter LiveCostTests --logger "console;verbosity=detailed"</c>.
/// The figures are printed, not asserted; what is asserted is the claim they rest on: the live loop's Redis reads do
/// not grow with the number of open pages.
/// </summary>
public sealed class LiveCostTests(ITestOutputHelper output)
{
    private const int Pages = 25;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task The_live_loop_reads_redis_the_same_for_one_open_page_as_for_many_and_each_update_costs_one_render()
    {
        await using var app = NewApp();
        await app.CreateLinkAsync(new { url = "https://example.com/live", slug = "live" });
        using var client = NewClient(app);
        await SignInAsync(client);
        using var redis = await ConnectionMultiplexer.ConnectAsync(app.Redis.ConnectionString + ",allowAdmin=true");
        var server = redis.GetServer(redis.GetEndPoints()[0]);

        var one = await CommandsWhileOpenAsync(client, server, pages: 1);
        var many = await CommandsWhileOpenAsync(client, server, pages: Pages);
        output.WriteLine($"Live loop, {Window.TotalSeconds:0} s idle: {one} Redis commands with 1 open page, {many} with {Pages} ({many / Window.TotalSeconds:0.#}/s per node)");
        // One HMGET per 250 ms per node while anyone listens: the same for 25 pages as for one (timer jitter aside).
        Assert.InRange(many, 1, one + 4);

        // One update of an open page: the page fetches itself and swaps in its live parts (admin.js), one render.
        using (var visitor = app.CreateVisitorClient())
            await CountingTests.ClickAsync(visitor, "/live", Agents.ChromeWindows, null);
        await app.WaitForEventsAsync();
        foreach (var (path, what) in new[] { ("/admin", "dashboard (Redis counters)"), ("/admin?deviceType=desktop", "dashboard filtered (event store)"), ("/admin/links/live", "link page") })
        {
            (await client.GetAsync(path)).Dispose();
            const int Renders = 20;
            await server.ConfigResetStatisticsAsync();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < Renders; i++)
                (await client.GetAsync(path)).Dispose();
            var spent = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            var commands = await CommandsAsync(server);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"One update of an open {what}: {spent.TotalMilliseconds / Renders:0.0} ms CPU, {clock.Elapsed.TotalMilliseconds / Renders:0.0} ms wall, {commands / (double)Renders:0.#} Redis commands"));
        }
    }

    /// <summary>Redis commands counted while <paramref name="pages"/> streams are open and nothing is clicked.</summary>
    private static async Task<long> CommandsWhileOpenAsync(HttpClient client, IServer server, int pages)
    {
        var streams = new List<HttpResponseMessage>();
        try
        {
            for (var i = 0; i < pages; i++)
            {
                var response = await client.GetAsync("/admin/live", HttpCompletionOption.ResponseHeadersRead);
                response.EnsureSuccessStatusCode();
                streams.Add(response);
            }
            // Let the loop see its listeners and read once before counting.
            await Task.Delay(500);
            await server.ConfigResetStatisticsAsync();
            await Task.Delay(Window);
            return await CommandsAsync(server);
        }
        finally
        {
            foreach (var stream in streams)
                stream.Dispose();
            await Task.Delay(300);
        }
    }

    /// <summary>Commands since the last reset, the test's own INFO and CONFIG left out.</summary>
    private static async Task<long> CommandsAsync(IServer server)
    {
        var stats = await server.InfoAsync("commandstats");
        return stats.SelectMany(group => group)
            .Where(pair => pair.Key is not ("cmdstat_info" or "cmdstat_config"))
            .Sum(pair => long.Parse(pair.Value.Split(',')[0]["calls=".Length..], CultureInfo.InvariantCulture));
    }
}
