using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Redirector.Catalog;
using Redirector.Tests.Infrastructure;
using Redirector.Tests.Scale;

namespace Redirector.Tests.Reliability;

/// <summary>Several nodes started at the same moment on one empty catalogue create its first administrator and first API key once.</summary>
public sealed class StartTogetherTests(PostgresCatalogTests.Server server) : IClassFixture<PostgresCatalogTests.Server>
{
    private const int Nodes = 4;

    [Fact]
    public async Task Nodes_starting_together_on_one_SQLite_file_create_one_administrator_and_one_key()
    {
        var directory = Directory.CreateTempSubdirectory("redirector-together-").FullName;
        try
        {
            await StartTogetherAsync(new() { ["ConnectionStrings:Catalog"] = $"Data Source={Path.Combine(directory, "catalog.db")}" });
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Nodes_starting_together_on_one_PostgreSQL_database_create_one_administrator_and_one_key() =>
        await StartTogetherAsync(new()
        {
            ["Catalog:Provider"] = "PostgreSQL",
            ["ConnectionStrings:Catalog"] = server.Postgres.CreateDatabase(),
        });

    private static async Task StartTogetherAsync(Dictionary<string, string?> catalog)
    {
        using var redis = new RedisServer();
        // Each node has its own administrator in mind; half bring the same first key, half a key of their own.
        var apps = Enumerable.Range(0, Nodes).Select(i => new RedirectorApplication(redis, new Dictionary<string, string?>(catalog)
        {
            ["Admin:Email"] = $"admin{i}@example.com",
            ["Admin:Password"] = "Correct-Horse-42",
            ["Api:InitialKey"] = i % 2 == 0 ? RedirectorApplication.ApiKey : $"node-{i}-own-key-0123456789",
        })).ToList();
        try
        {
            using var go = new Barrier(Nodes);
            // Services starts the host; each node on its own thread, released together.
            await Task.WhenAll(apps.Select(app => Task.Factory.StartNew(() =>
            {
                go.SignalAndWait();
                _ = app.Services;
            }, TaskCreationOptions.LongRunning)));

            foreach (var app in apps)
            {
                using var visitor = app.CreateVisitorClient();
                Assert.Equal(System.Net.HttpStatusCode.OK, (await visitor.GetAsync("/healthz")).StatusCode);
            }
            await using var db = await apps[0].Services.GetRequiredService<IDbContextFactory<CatalogDb>>().CreateDbContextAsync();
            Assert.Single(await db.Users.Select(u => u.Email).ToListAsync());
            Assert.Single(await db.ApiKeys.Select(k => k.Name).ToListAsync());
        }
        finally
        {
            foreach (var app in apps)
                await app.DisposeAsync();
        }
    }
}
