using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Redirector.Admin.Exports;
using Redirector.ApiKeys;
using Redirector.Links;
using Redirector.Security;
using Redirector.Tests.Core;
using Redirector.Tests.Infrastructure;
using static Redirector.Tests.Admin.AdminHttp;

namespace Redirector.Tests.Admin;

/// <summary>
/// The links CSV import's choice for rows whose link exists (fail, skip, update), through the API's
/// <c>POST /api/links/import</c> and <c>GET /api/links/export.csv</c> and the admin's import form, over real HTTP.
/// </summary>
public sealed class LinkCsvImportTests
{
    [Fact]
    public async Task An_export_edited_in_a_spreadsheet_and_imported_with_update_changes_exactly_the_edited_cells()
    {
        await using var app = NewApp();
        using var api = app.CreateApiClient();
        (await api.PostAsJsonAsync("/api/domains", new { host = "brand.test" })).EnsureSuccessStatusCode();
        await app.CreateLinkAsync(new
        {
            url = "https://shop.example.com/sale?a=1,=2", slug = "sale", title = "Sale, \"now\"", tags = new[] { "promo", "q4" },
            utm = new { source = "mail", campaign = "winter" }, maxClicks = 500, password = "s3cret",
            rules = new[] { new { when = new { os = "iOS" }, url = "https://apps.example.com/" } },
            preview = new { title = "Card", description = "line one\nline two" },
        });
        await app.CreateLinkAsync(new { url = "https://example.com/plain", slug = "plain" });
        await app.CreateLinkAsync(new { url = "https://example.com/default", slug = "same", utm = new { campaign = "spring" } });
        await app.CreateLinkAsync(new { url = "https://example.com/brand", slug = "same", domain = "brand.test", utm = new { campaign = "spring" } });
        await app.CreateExpiredLinkAsync(new { url = "https://example.com/over", slug = "over" });
        using var visitor = app.CreateVisitorClient();
        for (var i = 0; i < 2; i++)
            (await CountingTests.ClickAsync(visitor, "/plain", Agents.ChromeWindows, null)).Dispose();
        await app.FlushClicksAsync();
        var before = await LinksAsync(api);
        Assert.Equal(2, before["plain"]["clicks"]!.GetValue<long>());

        // The API's export is the admin's, byte for byte.
        var export = await api.GetByteArrayAsync("/api/links/export.csv");
        using (var client = NewClient(app))
        {
            await SignInAsync(client, Password);
            Assert.Equal(export, await client.GetByteArrayAsync("/admin/export/links.csv"));
        }

        // Three cells edited, as a spreadsheet saves the file again: a byte order mark, CRLF, quoted cells.
        var records = Csv.Read(Encoding.UTF8.GetString(export));
        var header = records[0].Cells;
        var edited = new Csv(header);
        foreach (var record in records.Skip(1))
        {
            var cells = record.Cells.ToArray();
            var (slug, domain) = (cells[Column("slug")], cells[Column("domain")]);
            if (slug == "sale")
                cells[Column("title")] = "Sale, \"later\"";
            else if (slug == "plain")
                cells[Column("max_clicks")] = "50";
            else if (slug == "same" && domain == "brand.test")
                cells[Column("utm_campaign")] = "autumn";
            edited.Add(cells);
        }
        var file = edited.ToUtf8();
        Assert.Equal([0xEF, 0xBB, 0xBF], file[..3]);
        Assert.Contains("\r\n", Encoding.UTF8.GetString(file), StringComparison.Ordinal);

        using var response = await PostCsvAsync(api, "/api/links/import?existing=update", file);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal((0, 3, 2, 0), (Count(report, "created"), Count(report, "updated"), Count(report, "unchanged"), Count(report, "skipped")));
        // Lines of the file: the sale's preview description, a quoted cell with a line break, takes lines 2 and 3.
        Assert.Equal(
            ["2 sale updated", "4 plain updated", "5 same unchanged", "6 same updated", "7 over unchanged"],
            report["rows"]!.AsArray().Select(r => $"{r!["line"]} {r["slug"]} {r["outcome"]}"));
        Assert.Equal("brand.test", report["rows"]![3]!["domain"]!.GetValue<string>());

        var after = await LinksAsync(api);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (key, link) in before)
        {
            var now = after[key];
            var (field, value) = key switch
            {
                "sale" => ("title", (JsonNode?)"Sale, \"later\""),
                "plain" => ("maxClicks", 50),
                "brand.test/same" => ("utm", JsonNode.Parse("""{"source":null,"medium":null,"campaign":"autumn","term":null,"content":null}""")),
                _ => (null, null),
            };
            if (field is null)
            {
                // Nothing changed: not even updatedAt or the version (so an If-Match still holds).
                Assert.Equal(link.ToJsonString(), now.ToJsonString());
                continue;
            }
            Assert.True(JsonNode.DeepEquals(value, now[field]), $"{key}: {now[field]}");
            Assert.Equal(link["version"]!.GetValue<int>() + 1, now["version"]!.GetValue<int>());
            Assert.True(now["updatedAt"]!.GetValue<DateTime>() > link["updatedAt"]!.GetValue<DateTime>());
            foreach (var name in new[] { field, "updatedAt", "version" })
            {
                link.Remove(name);
                now.Remove(name);
            }
            Assert.Equal(link.ToJsonString(), now.ToJsonString());
        }
        Assert.True(after["sale"]["hasPassword"]!.GetValue<bool>());
        Assert.Equal(2, after["plain"]["clicks"]!.GetValue<long>());

        // The edited file imported again is the catalogue as it is: every row unchanged.
        using var again = await PostCsvAsync(api, "/api/links/import?existing=update", file);
        var twice = (await again.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(5, Count(twice, "unchanged"));

        int Column(string name) => header.ToList().IndexOf(name);
    }

    [Fact]
    public async Task Fail_refuses_a_file_naming_an_existing_link_skip_leaves_it_and_update_applies_only_the_files_columns()
    {
        await using var app = NewApp();
        using var api = app.CreateApiClient();
        await app.CreateLinkAsync(new { url = "https://example.com/old", slug = "old", title = "Old", utm = new { source = "mail", campaign = "winter" } });
        var file = "slug,url,title\nold,https://example.com/changed,Changed\nnew,https://example.com/new,New\n";

        using (var refused = await PostCsvAsync(api, "/api/links/import", file))
        {
            var problem = await ProblemAsync(refused, HttpStatusCode.BadRequest);
            Assert.Equal("2 slug \"old\": This slug is already taken on the default domain.", Problems(problem).Single());
        }
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/api/links/new")).StatusCode);

        using (var skipped = await PostCsvAsync(api, "/api/links/import?existing=skip", file))
        {
            var report = (await skipped.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal(["old skipped", "new created"], report["rows"]!.AsArray().Select(r => $"{r!["slug"]} {r["outcome"]}"));
        }
        Assert.Equal("Old", (await api.GetFromJsonAsync<LinkResponse>("/api/links/old"))!.Title);

        // Only the file's columns change: the UTM source, absent, stays beside the campaign the file sets.
        using (var updated = await PostCsvAsync(api, "/api/links/import?existing=Update", "slug,title,utm_campaign\r\nold,Renamed,summer\r\n"))
            Assert.Equal(1, Count((await updated.Content.ReadFromJsonAsync<JsonObject>())!, "updated"));
        var old = (await api.GetFromJsonAsync<LinkResponse>("/api/links/old"))!;
        Assert.Equal(("Renamed", "https://example.com/old", "mail", "summer"), (old.Title, old.Url, old.Utm.Source, old.Utm.Campaign));

        // Without a url column, a row for a link that does not exist cannot create it.
        using (var missing = await PostCsvAsync(api, "/api/links/import?existing=update", "slug,title\nold,Again\nnone,Nothing\n"))
            Assert.StartsWith("3 url ", Assert.Single(Problems(await ProblemAsync(missing, HttpStatusCode.BadRequest))), StringComparison.Ordinal);
        Assert.Equal("Renamed", (await api.GetFromJsonAsync<LinkResponse>("/api/links/old"))!.Title);
    }

    [Fact]
    public async Task A_file_is_refused_whole_for_a_slug_twice_a_cell_that_does_not_parse_or_no_rows_and_the_api_says_so_in_problem_details()
    {
        await using var app = NewApp();
        using var api = app.CreateApiClient();
        await app.CreateLinkAsync(new { url = "https://example.com/a", slug = "a" });

        using (var twice = await PostCsvAsync(api, "/api/links/import?existing=update", "slug,url\na,https://example.com/1\nb,https://example.com/2\na,https://example.com/3\n"))
            Assert.Equal(["4 slug \"a\": This slug appears more than once on its domain in the import."], Problems(await ProblemAsync(twice, HttpStatusCode.BadRequest)));
        using (var unparsed = await PostCsvAsync(api, "/api/links/import?existing=update", "slug,max_clicks\na,ten\n"))
            Assert.Equal(["2 max_clicks \"ten\" is not a whole number of at least 1."], Problems(await ProblemAsync(unparsed, HttpStatusCode.BadRequest)));
        // A skipped row is not read: its cells cannot be wrong.
        using (var skipped = await PostCsvAsync(api, "/api/links/import?existing=skip", "slug,url,max_clicks\na,https://example.com/1,ten\n"))
            Assert.Equal(HttpStatusCode.OK, skipped.StatusCode);
        Assert.Equal("https://example.com/a", (await api.GetFromJsonAsync<LinkResponse>("/api/links/a"))!.Url);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/api/links/b")).StatusCode);

        foreach (var (body, expected) in new[]
                 {
                     ("", "1 file The file is empty."), ("\uFEFF", "1 file The file is empty."), ("\r\n\r\n", "1 file The file is empty."),
                     ("\uFEFFslug,url\r\n", "2 file The file has no rows below its header."),
                 })
        {
            using var refused = await PostCsvAsync(api, "/api/links/import", body);
            Assert.Equal([expected], Problems(await ProblemAsync(refused, HttpStatusCode.BadRequest)));
        }

        using (var choice = await PostCsvAsync(api, "/api/links/import?existing=replace", "slug,url\nx,https://example.com/\n"))
        {
            var problem = await ProblemAsync(choice, HttpStatusCode.BadRequest);
            Assert.Equal("'existing' is one of fail, skip, update; 'replace' is not.", problem.GetProperty("errors").GetProperty("existing")[0].GetString());
        }
        using (var json = await api.PostAsync("/api/links/import", new StringContent("{}", Encoding.UTF8, "application/json")))
            Assert.Contains("text/csv", (await ProblemAsync(json, HttpStatusCode.UnsupportedMediaType)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        using (var bare = await api.PostAsync("/api/links/import", new ByteArrayContent("slug,url\n"u8.ToArray())))
            Assert.Contains("text/csv", (await ProblemAsync(bare, HttpStatusCode.UnsupportedMediaType)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        var large = new StringBuilder("slug,url\n");
        while (large.Length <= Redirector.Admin.Import.CsvLinkImport.MaxBytes)
            large.Append("https://example.com/a-long-destination-path-to-fill-the-file,\n");
        using (var tooLarge = await PostCsvAsync(api, "/api/links/import", large.ToString()))
            Assert.Contains("5,242,880 bytes", (await ProblemAsync(tooLarge, HttpStatusCode.RequestEntityTooLarge)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, (await api.GetFromJsonAsync<LinkListResponse>("/api/links"))!.Total);
    }

    [Fact]
    public async Task A_stale_export_does_not_undo_a_concurrent_edit_and_a_file_without_updated_at_overwrites()
    {
        await using var app = NewApp();
        using var api = app.CreateApiClient();
        await app.CreateLinkAsync(new { url = "https://example.com/a", slug = "a", title = "First" });
        var export = await api.GetStringAsync("/api/links/export.csv");
        // A colleague changes the title while the file is being edited elsewhere.
        (await api.PatchAsJsonAsync("/api/links/a", new { title = "Colleague's" })).EnsureSuccessStatusCode();
        var records = Csv.Read(export);
        var header = records[0].Cells.ToList();
        var row = records[1].Cells.ToArray();
        row[header.IndexOf("max_clicks")] = "9";
        var file = new Csv(header).Add(row).ToUtf8();

        using (var stale = await PostCsvAsync(api, "/api/links/import?existing=update", file))
        {
            var problem = Assert.Single(Problems(await ProblemAsync(stale, HttpStatusCode.BadRequest)));
            Assert.StartsWith("2 updated_at ", problem, StringComparison.Ordinal);
            Assert.Contains("export it again", problem, StringComparison.Ordinal);
        }
        var link = (await api.GetFromJsonAsync<LinkResponse>("/api/links/a"))!;
        Assert.Equal(("Colleague's", (long?)null, 2), (link.Title, link.MaxClicks, link.Version));

        // A file without updated_at names no time to compare: its cells are written over the link.
        using (var plain = await PostCsvAsync(api, "/api/links/import?existing=update", "slug,title\na,Mine\n"))
            Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal("Mine", (await api.GetFromJsonAsync<LinkResponse>("/api/links/a"))!.Title);
    }

    [Fact]
    public async Task An_edit_saved_between_the_imports_check_and_its_save_rolls_the_whole_import_back()
    {
        // A colleague's PATCH, through the API, lands just before the import saves: after every row was checked.
        var edit = new EditBeforeSave("From the file");
        await using var app = new RedirectorApplication(settings: null)
        {
            ConfigureTestServices = services => services.ConfigureDbContext<Redirector.Catalog.SqliteCatalogDb>(options => options.AddInterceptors(edit)),
        };
        using var api = app.CreateApiClient();
        await app.CreateLinkAsync(new { url = "https://example.com/a", slug = "a", title = "First" });
        edit.Edit = async () => (await api.PatchAsJsonAsync("/api/links/a", new { title = "Colleague's" })).EnsureSuccessStatusCode();

        using var refused = await PostCsvAsync(api, "/api/links/import?existing=update", "slug,url,title\nb,https://example.com/b,New\na,https://example.com/a,From the file\n");
        Assert.Equal(
            ["3 updated_at The link was changed by someone else while importing; nothing was imported, import the file again."],
            Problems(await ProblemAsync(refused, HttpStatusCode.BadRequest)));
        Assert.Equal("Colleague's", (await api.GetFromJsonAsync<LinkResponse>("/api/links/a"))!.Title);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/api/links/b")).StatusCode);
    }

    /// <summary>Runs <see cref="Edit"/> once, when a save is about to write a link titled <paramref name="title"/>.</summary>
    private sealed class EditBeforeSave(string title) : SaveChangesInterceptor
    {
        private int _armed = 1;

        public Func<Task>? Edit { get; set; }

        public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            if (eventData.Context is { } db && db.ChangeTracker.Entries<Link>().Any(e => e.State == EntityState.Modified && e.Entity.Title == title)
                && Edit is { } edit && Interlocked.Exchange(ref _armed, 0) == 1)
                await edit();
            return result;
        }
    }

    [Fact]
    public async Task Only_an_editor_key_imports_a_viewer_key_exports_and_openapi_describes_both()
    {
        await using var app = new RedirectorApplication();
        var keys = app.Services.GetRequiredService<ApiKeyService>();
        using var viewer = app.CreateApiClient((await keys.CreateAsync("dashboard", Roles.Viewer, CancellationToken.None)).Secret);
        using var editor = app.CreateApiClient((await keys.CreateAsync("cms", Roles.Editor, CancellationToken.None)).Secret);
        const string file = "slug,url\nx,https://example.com/x\n";
        using (var refused = await PostCsvAsync(viewer, "/api/links/import", file))
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        using (var imported = await PostCsvAsync(editor, "/api/links/import", file))
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        using var export = await viewer.GetAsync("/api/links/export.csv?search=x");
        Assert.Equal("text/csv", export.Content.Headers.ContentType!.MediaType);
        Assert.Contains("https://example.com/x", await export.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using (var unknown = await viewer.GetAsync("/api/links/export.csv?domain=nowhere.test"))
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);

        using var openApi = JsonDocument.Parse(await viewer.GetStringAsync("/openapi/v1.json"));
        var paths = openApi.RootElement.GetProperty("paths");
        var import = paths.GetProperty("/api/links/import").GetProperty("post");
        Assert.True(import.GetProperty("requestBody").GetProperty("content").TryGetProperty("text/csv", out _));
        var existing = import.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "existing");
        Assert.Equal(["fail", "skip", "update"], existing.GetProperty("schema").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.True(paths.GetProperty("/api/links/export.csv").GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/csv", out _));
    }

    [Fact]
    public async Task The_admin_form_updates_with_its_choice_and_reports_each_row()
    {
        await using var app = NewApp();
        await app.CreateLinkAsync(new { url = "https://example.com/a", slug = "a", title = "A" });
        using var client = NewClient(app);
        await SignInAsync(client, Password);

        var refused = await UploadAsync(client, "slug,url,title\na,https://example.com/a,Changed\nb,https://example.com/b,B\n", "fail");
        Assert.Contains("Nothing was imported", refused, StringComparison.Ordinal);
        var html = await UploadAsync(client, "slug,url,title\na,https://example.com/a,Changed\nb,https://example.com/b,B\n", "update");
        Assert.Contains("Imported 2 links.", html, StringComparison.Ordinal);
        Assert.Contains("1 created, 1 updated.", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"num\">2</td><td><code>a</code></td><td>updated</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"num\">3</td><td><code>b</code></td><td>created</td>", html, StringComparison.Ordinal);
        Assert.Equal("Changed", (await app.Services.GetRequiredService<LinkCatalog>().FindAsync("", "a", CancellationToken.None))!.Title);
    }

    private static Task<HttpResponseMessage> PostCsvAsync(HttpClient api, string path, string file) => PostCsvAsync(api, path, Encoding.UTF8.GetBytes(file));

    private static Task<HttpResponseMessage> PostCsvAsync(HttpClient api, string path, byte[] file)
    {
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv") { CharSet = "utf-8" };
        return api.PostAsync(path, content);
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone();
    }

    /// <summary>Each problem of a refused import as "line column message".</summary>
    private static List<string> Problems(JsonElement problem) =>
        [.. problem.GetProperty("problems").EnumerateArray().Select(p => $"{p.GetProperty("line")} {p.GetProperty("column").GetString()} {p.GetProperty("message").GetString()}")];

    private static int Count(JsonObject report, string outcome) => report[outcome]!.GetValue<int>();

    /// <summary>Every link as the API lists it, by slug (HOST/slug off the default domain).</summary>
    private static async Task<Dictionary<string, JsonObject>> LinksAsync(HttpClient api)
    {
        var list = (await api.GetFromJsonAsync<JsonObject>("/api/links?pageSize=500"))!;
        return list["items"]!.AsArray().Select(l => l!.AsObject())
            .ToDictionary(l => l["domain"]!.GetValue<string>() == "brand.test" ? "brand.test/" + l["slug"] : l["slug"]!.GetValue<string>(), l => (JsonObject)l.DeepClone());
    }
}
