using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Redirector.Catalog;

namespace Redirector.Benchmarks.Growth;

/// <summary>
/// seed-links N catalogue.db [prefix]: adds N links named prefix0000000.. to a SQLite catalogue, migrating it first
/// exactly as the app does, so the app then starts on it as on its own. Rows go in with one prepared INSERT in a
/// transaction: EF's change tracker would take minutes for a million rows, and this is what the app reads back.
/// </summary>
public static class SeedLinks
{
    public static int Run(string[] args)
    {
        if (args.Length < 2 || !int.TryParse(args[0], CultureInfo.InvariantCulture, out var count) || count < 0)
        {
            Console.Error.WriteLine("usage: seed-links N catalogue.db [slug-prefix]");
            return 1;
        }
        var prefix = args.Length > 2 ? args[2] : "s";
        var started = Stopwatch.GetTimestamp();
        Seed(args[1], count, prefix).GetAwaiter().GetResult();
        Console.WriteLine($"seed-links: {count:N0} links in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s into {args[1]}");
        return 0;
    }

    public static string SlugOf(string prefix, int i) => prefix + i.ToString("D7", CultureInfo.InvariantCulture);

    public static async Task Seed(string path, int count, string prefix)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path }.ToString();
        var options = new DbContextOptionsBuilder<SqliteCatalogDb>().UseSqlite(connectionString).Options;
        await using (var db = new SqliteCatalogDb(options))
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
            await db.Database.MigrateAsync();
        }

        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText =
            "INSERT INTO Links (Slug, Destination, Title, Tags, RedirectType, Enabled, ExpiresAt, CreatedAt, UpdatedAt, Version, " +
            "UtmSource, UtmMedium, UtmCampaign, UtmTerm, UtmContent) " +
            "VALUES ($slug, $destination, NULL, '[]', 302, 1, NULL, $now, $now, 1, 'seed', 'email', $campaign, NULL, NULL)";
        var slug = insert.Parameters.Add("$slug", SqliteType.Text);
        var destination = insert.Parameters.Add("$destination", SqliteType.Text);
        var campaign = insert.Parameters.Add("$campaign", SqliteType.Text);
        insert.Parameters.AddWithValue("$now", DateTime.UtcNow);
        await insert.PrepareAsync();
        for (var i = 0; i < count; i++)
        {
            slug.Value = SlugOf(prefix, i);
            // A realistic spread of destination domains and paths, some with a query of their own.
            destination.Value = string.Create(CultureInfo.InvariantCulture,
                $"https://shop{i % 100}.example.com/products/{i}{(i % 3 == 0 ? "?ref=seed&color=blue" : "")}");
            campaign.Value = string.Create(CultureInfo.InvariantCulture, $"campaign-{i % 1000}");
            await insert.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
    }
}
