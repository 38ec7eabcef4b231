using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Redirector.Clicks;
using Redirector.Tests.Infrastructure;
using StackExchange.Redis;

namespace Redirector.Tests.Core;

/// <summary>
/// A node restarted gracefully gives back the clicks of a maximum it leased and did not use, so one node alone redirects
/// exactly <c>maxClicks</c> across restarts (docs/links.md, "Maximum of clicks"); the real app on a real redis-server
/// and SQLite file, each host stopped as the factory's dispose stops it (the host's StopAsync, as on SIGTERM).
/// </summary>
public sealed class MaxClicksRestartTests
{
    private const string Destination = "https://ok.example/r";
    private const string Expired = "https://ok.example/used-up";

    [Fact]
    public async Task After_one_click_and_a_graceful_restart_exactly_two_more_clicks_of_three_redirect()
    {
        using var redis = new RedisServer();
        var data = Directory.CreateTempSubdirectory("redirector-test-").FullName;
        await using (var first = new RedirectorApplication(redis, dataDirectory: data))
        {
            await first.CreateLinkAsync(new { url = Destination, slug = "mcrestart", maxClicks = 3, expiredUrl = Expired });
            Assert.Equal(Destination, await ClickAsync(first, "/mcrestart"));
            await WaitForGrantsAsync(redis, g => g > 1);
        }
        // The node leased all three and used one: the stop gave the other two back.
        Assert.Equal(1, await GrantsAsync(redis));

        await using var second = new RedirectorApplication(redis, dataDirectory: data);
        Assert.Equal([Destination, Destination, Expired, Expired], await ClicksAsync(second, "/mcrestart", 4));
        await second.FlushClicksAsync();
        var stats = await CountingTests.GetStatsAsync(second, "mcrestart");
        Assert.Equal(3, stats.Clicks);
        Assert.Equal([("maxClicks", 2L)], stats[Dimensions.Refused].Select(k => (k.Key, k.Clicks)));
        Directory.Delete(data, recursive: true);
    }

    [Fact]
    public async Task Two_graceful_restarts_without_a_click_leave_all_three_clicks_and_reserve_none()
    {
        using var redis = new RedisServer();
        var data = Directory.CreateTempSubdirectory("redirector-test-").FullName;
        await using (var first = new RedirectorApplication(redis, dataDirectory: data))
        {
            await first.CreateLinkAsync(new { url = Destination, slug = "idle", maxClicks = 3, expiredUrl = Expired });
            // A node reserves nothing of a link it has not redirected (the report found the whole maximum leased at once).
            await Task.Delay(500);
            Assert.Equal(0, await GrantsAsync(redis));
        }
        await using (var second = new RedirectorApplication(redis, dataDirectory: data))
        {
            using var visitor = second.CreateVisitorClient();
            using var head = await visitor.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/idle"));
            Assert.Equal(HttpStatusCode.Found, head.StatusCode);
            await Task.Delay(300);
        }
        Assert.Equal(0, await GrantsAsync(redis));

        await using var third = new RedirectorApplication(redis, dataDirectory: data);
        Assert.Equal([Destination, Destination, Destination, Expired], await ClicksAsync(third, "/idle", 4));
        Directory.Delete(data, recursive: true);
    }

    [Fact]
    public async Task A_stop_while_redis_hangs_gives_up_the_return_after_the_timeout_and_warns()
    {
        using var redis = new RedisServer();
        var logs = new CapturingLoggerProvider();
        var app = new RedirectorApplication(redis, new Dictionary<string, string?>
        {
            ["Links:MaxClicks:ReturnTimeout"] = "00:00:01",
            // The click write path's own wait for Redis, so that only the return is measured.
            ["Analytics:ApplyTimeout"] = "00:00:00.200",
        })
        {
            ConfigureTestServices = services => services.AddSingleton<ILoggerProvider>(logs),
        };
        await app.CreateLinkAsync(new { url = Destination, slug = "hung", maxClicks = 10 });
        Assert.Equal(Destination, await ClickAsync(app, "/hung"));
        await WaitForGrantsAsync(redis, g => g == 10);
        await app.FlushClicksAsync();

        redis.Pause();
        var stopping = Stopwatch.StartNew();
        await app.DisposeAsync();
        stopping.Stop();
        redis.Resume();

        // Without the timeout the return would wait for the client's own (5 s).
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(4.5), $"the stop took {stopping.Elapsed.TotalSeconds:F1} s");
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("9 leased and unused clicks of 1 links", StringComparison.Ordinal));
    }

    private static async Task<string> ClickAsync(RedirectorApplication app, string path) => (await ClicksAsync(app, path, 1))[0];

    /// <summary>Clicks one after another, as a person would, and returns each answer's Location ("" for none).</summary>
    private static async Task<List<string>> ClicksAsync(RedirectorApplication app, string path, int clicks)
    {
        using var visitor = app.CreateVisitorClient();
        var locations = new List<string>();
        for (var i = 0; i < clicks; i++)
        {
            using var response = await CountingTests.ClickAsync(visitor, path, Agents.ChromeWindows, null);
            locations.Add(response.Headers.Location?.ToString() ?? "");
        }
        return locations;
    }

    /// <summary>The grant counter of the one link of the test (<c>rd:{l:&lt;id&gt;}:m</c>), 0 while there is none.</summary>
    private static async Task<long> GrantsAsync(RedisServer redis)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var keys = connection.GetServer(connection.GetEndPoints()[0]).Keys(pattern: "rd:{l:*}:m").ToList();
        return keys.Count == 0 ? 0 : (long)await connection.GetDatabase().StringGetAsync(Assert.Single(keys));
    }

    private static async Task WaitForGrantsAsync(RedisServer redis, Func<long, bool> reached)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!reached(await GrantsAsync(redis)))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the node did not lease as expected (the counter holds {await GrantsAsync(redis)})");
            await Task.Delay(50);
        }
    }
}
