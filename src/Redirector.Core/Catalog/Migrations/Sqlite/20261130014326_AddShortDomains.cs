using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Redirector.Catalog.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddShortDomains : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Links_Slug",
                table: "Links");

            migrationBuilder.AddColumn<string>(
                name: "Domain",
                table: "Links",
                type: "TEXT",
                maxLength: 253,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Domain",
                table: "Changes",
                type: "TEXT",
                maxLength: 253,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateTable(
                name: "Domains",
                columns: table => new
                {
                    Host = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    RootUrl = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: true),
                    NotFoundUrl = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: true),
                    ExpiredUrl = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: true),
                    AppleAppSiteAssociation = table.Column<string>(type: "TEXT", nullable: true),
                    AssetLinks = table.Column<string>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Domains", x => x.Host);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Links_Domain_Slug",
                table: "Links",
                columns: new[] { "Domain", "Slug" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Domains");

            migrationBuilder.DropIndex(
                name: "IX_Links_Domain_Slug",
                table: "Links");

            migrationBuilder.DropColumn(
                name: "Domain",
                table: "Links");

            migrationBuilder.DropColumn(
                name: "Domain",
                table: "Changes");

            migrationBuilder.CreateIndex(
                name: "IX_Links_Slug",
                table: "Links",
                column: "Slug",
                unique: true);
        }
    }
}
