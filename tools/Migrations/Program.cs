using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Migrations.Design;
using Microsoft.Extensions.DependencyInjection;
using Redirector.Catalog;

if (args is not [var name, var coreProjectDirectory, ..])
{
    Console.Error.WriteLine("usage: Migrations <MigrationName> <path to src/Redirector.Core> [Sqlite|Postgres]");
    return 2;
}
var only = args.Length > 2 ? args[2] : null;

if (only is null or "Sqlite")
{
    Scaffold(
        new SqliteCatalogDb(new DbContextOptionsBuilder<SqliteCatalogDb>().UseSqlite("Data Source=:memory:").Options),
        new Microsoft.EntityFrameworkCore.Sqlite.Design.Internal.SqliteDesignTimeServices(),
        "Sqlite");
}
if (only is null or "Postgres")
{
    Scaffold(
        new PostgresCatalogDb(new DbContextOptionsBuilder<PostgresCatalogDb>().UseNpgsql("Host=localhost").Options),
        new Npgsql.EntityFrameworkCore.PostgreSQL.Design.Internal.NpgsqlDesignTimeServices(),
        "Postgres");
}
return 0;

void Scaffold(CatalogDb db, IDesignTimeServices providerServices, string provider)
{
    var services = new ServiceCollection()
        .AddEntityFrameworkDesignTimeServices()
        .AddDbContextDesignTimeServices(db);
    providerServices.ConfigureDesignTimeServices(services);
    using var serviceProvider = services.BuildServiceProvider();
    var scaffolder = serviceProvider.GetRequiredService<IMigrationsScaffolder>();
    var migration = scaffolder.ScaffoldMigration(name, "Redirector", $"Catalog.Migrations.{provider}", "C#");
    var files = scaffolder.Save(coreProjectDirectory, migration, Path.Combine(coreProjectDirectory, "Catalog", "Migrations", provider));
    Console.WriteLine($"{provider}: {files.MigrationFile}");
}
