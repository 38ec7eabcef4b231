using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Redirector.Tests.Infrastructure;
using Redirector.Tracking;

namespace Redirector.Tests.Scale;

/// <summary>What several nodes must share without a shared volume: signing keys (catalogue) and rate limits (Redis).</summary>
public sealed class SharedNodeStateTests
{
    [Fact]
    public async Task Nodes_that_share_the_catalogue_sign_outbound_links_alike_and_keep_the_key_across_restarts()
    {
        using var redis = new RedisServer();
        var catalogue = Path.Combine(Directory.CreateTempSubdirectory("redirector-shared-").FullName, "catalog.db");
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:Catalog"] = $"Data Source={catalogue}" };
        string signature;
        {
            await using var first = new RedirectorApplication(redis, settings);
            await using var second = new RedirectorApplication(redis, settings);
            _ = first.Services;
            _ = second.Services;
            // Both ask for the key at once on a catalogue that has none yet: one makes it, both use it.
            var signers = await Task.WhenAll(
                Task.Run(() => first.Services.GetRequiredService<OutboundSigner>()),
                Task.Run(() => second.Services.GetRequiredService<OutboundSigner>()));
            signature = signers[0].Sign("site", "https://example.com/", null);
            Assert.Equal(signature, signers[1].Sign("site", "https://example.com/", null));
        }
        await using var restarted = new RedirectorApplication(redis, settings);
        Assert.True(restarted.Services.GetRequiredService<OutboundSigner>().Verify("site", "https://example.com/", null, signature));

        await using var stranger = new RedirectorApplication(redis);
        Assert.False(stranger.Services.GetRequiredService<OutboundSigner>().Verify("site", "https://example.com/", null, signature));
    }

    [Fact]
    public async Task The_API_limit_is_counted_by_all_nodes_together_and_each_node_counts_alone_while_Redis_is_away()
    {
        using var redis = new RedisServer();
        var settings = new Dictionary<string, string?> { ["RateLimits:ApiPerMinute"] = "4" };
        await using var first = new RedirectorApplication(redis, settings);
        await using var second = new RedirectorApplication(redis, settings);
        await first.RedisReadyAsync();
        await second.RedisReadyAsync();
        using var one = first.CreateApiClient();
        using var two = second.CreateApiClient();

        Assert.Equal(HttpStatusCode.OK, (await one.GetAsync("/api/links")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await two.GetAsync("/api/links")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await one.GetAsync("/api/links")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await two.GetAsync("/api/links")).StatusCode);
        using var over = await one.GetAsync("/api/links");
        Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await two.GetAsync("/api/links")).StatusCode);

        redis.Kill();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (first.Services.GetRequiredService<Redirector.Clicks.RedisConnection>().IsConnected && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        // This node's own window: 4 more, then 429; nothing fails or waits for the server that is away.
        for (var i = 0; i < 4; i++)
            Assert.Equal(HttpStatusCode.OK, (await one.GetAsync("/api/links")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await one.GetAsync("/api/links")).StatusCode);
    }
}
