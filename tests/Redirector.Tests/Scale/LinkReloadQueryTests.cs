using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Redirector.Catalog;
using Redirector.Links;

namespace Redirector.Tests.Scale;

/// <summary>
/// The query by which a node reads back the held links that changed (<see cref="LinkCacheRefresher.HeldLinks"/>): it
/// finds them through the unique (domain, slug) index on both providers, not by reading the whole table, which on a
/// 20,000,000-link PostgreSQL catalogue took seconds per change (bench/README.md, "Growth on PostgreSQL").
/// </summary>
public sealed class LinkReloadQueryTests(PostgresCatalogTests.Server server) : IClassFixture<PostgresCatalogTests.Server>
{
    // Enough rows that a planner with statistics prefers an index over reading the table for two of them.
    private const int Links = 10_000;

    private static readonly (string Domain, string Slug)[] Changed = [("", "s0000042"), ("go.example.com", "s0009000")];

    [Fact]
    public async Task Changed_links_are_read_through_the_domain_and_slug_index_on_PostgreSQL()
    {
        var options = new DbContextOptionsBuilder<PostgresCatalogDb>().UseNpgsql(server.Postgres.CreateDatabase()).Options;
        await using var db = new PostgresCatalogDb(options);
        await SeedAsync(db);
        await db.Database.ExecuteSqlRawAsync("ANALYZE \"Links\"");

        var plan = await PlanAsync(db, "EXPLAIN ");

        Assert.Contains("IX_Links_Domain_Slug", plan);
        Assert.DoesNotContain("Seq Scan", plan);
        await AssertFindsChangedAsync(db);
    }

    [Fact]
    public async Task Changed_links_are_read_through_the_domain_and_slug_index_on_SQLite()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("reload-query-").FullName, "catalog.db");
        try
        {
            var options = new DbContextOptionsBuilder<SqliteCatalogDb>().UseSqlite($"Data Source={path};Pooling=false").Options;
            await using var db = new SqliteCatalogDb(options);
            await SeedAsync(db);

            var plan = await PlanAsync(db, "EXPLAIN QUERY PLAN ");

            // A SEARCH on the index; without the domains SQLite read the whole table ("SCAN l").
            Assert.Contains("SEARCH l USING INDEX IX_Links_Domain_Slug (Domain=? AND Slug=?)", plan);
            await AssertFindsChangedAsync(db);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    private static async Task SeedAsync(CatalogDb db)
    {
        await db.Database.MigrateAsync();
        var now = DateTime.UtcNow;
        // Every link on the default domain but the last, so a slug alone does not tell the two changed links apart.
        db.Links.AddRange(Enumerable.Range(0, Links).Select(i => new Link
        {
            Slug = $"s{i:D7}",
            Domain = i == Links - 1000 ? "go.example.com" : "",
            Destination = $"https://shop{i % 100}.example.com/products/{i}",
            CreatedAt = now,
            UpdatedAt = now,
        }));
        db.Links.Add(new Link { Slug = "s0009000", Domain = "", Destination = "https://example.com/default-domain", CreatedAt = now, UpdatedAt = now });
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();
    }

    /// <summary>The database's own plan for the query the refresher sends, with its parameters bound.</summary>
    private static async Task<string> PlanAsync(CatalogDb db, string explain)
    {
        await using DbCommand command = LinkCacheRefresher.HeldLinks(db, Changed).CreateDbCommand();
        command.CommandText = explain + command.CommandText;
        await db.Database.OpenConnectionAsync();
        try
        {
            var lines = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                lines.Add(reader.GetValue(reader.FieldCount - 1)?.ToString() ?? "");
            return string.Join('\n', lines);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task AssertFindsChangedAsync(CatalogDb db)
    {
        var found = await LinkCacheRefresher.HeldLinks(db, Changed).ToListAsync();
        // The other pairs of these domains and slugs may come back too: the refresher matches pairs itself.
        var pairs = found.Select(l => (l.Domain, l.Slug)).ToHashSet();
        Assert.Superset(Changed.ToHashSet(), pairs);
        Assert.Equal("https://shop42.example.com/products/42", found.Single(l => l.Slug == "s0000042" && l.Domain == "").Destination);
    }
}
