using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Redirector.Bots;
using Redirector.Clicks;
using Redirector.Geo;
using Redirector.UserAgents;

namespace Redirector.Benchmarks.HotPath;

/// <summary>The click pipeline's parts as the benchmarks build them, without the app's host or catalogue.</summary>
internal static class StandaloneParts
{
    public static VisitorHasher Visitors() => new(new NoCatalogue(), NullLogger<VisitorHasher>.Instance);

    /// <summary>
    /// The enricher with the burst rule off, as bench/run.sh runs the node: the benches' clicks come from a few
    /// addresses opening thousands of links, which the rule counts as scanners, and a bot's click writes other
    /// counters than a person's.
    /// </summary>
    public static ClickEnricher Enricher(VisitorHasher visitors)
    {
        var bots = new BotOptions { BurstLinks = 0 };
        return new(new CachedUserAgentParser(UserAgentParser.Default), visitors, GeoLookup.Open(GeoLookup.DefaultDatabasePath), HostingNetworks.Default,
            new BurstDetector(bots), Options.Create(bots));
    }

    /// <summary>A connection to the Redis at <paramref name="connectionString"/>, or null (with a message) when none answers.</summary>
    public static async Task<RedisConnection?> ConnectAsync(string command, string connectionString)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new("ConnectionStrings:Redis", connectionString)]).Build();
        var redis = new RedisConnection(configuration, NullLogger<RedisConnection>.Instance);
        if (await redis.WhenCreated is { IsConnected: true })
            return redis;
        redis.Dispose();
        Console.Error.WriteLine($"{command}: no Redis at {connectionString}");
        return null;
    }
}
