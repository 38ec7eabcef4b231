using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using CsvHelper;
using Microsoft.Extensions.DependencyInjection;
using Redirector.Admin.Exports;
using Redirector.Admin.Import;
using Redirector.Links;
using Redirector.Tests.Core;
using static Redirector.Tests.Admin.AdminHttp;

namespace Redirector.Tests.Admin;

/// <summary>The links CSV through real HTTP and a real catalogue: export, import elsewhere, and spreadsheets of any locale.</summary>
public sealed partial class LinkCsvTests
{
    // Values a visitor or a careless editor could put in a cell: formulas after every separator, quotes, line breaks.
    private static readonly string[] Tricky =
    [
        "=1+1", "ok;=1+1", "a,@SUM(A1)", "x\t-2", "+cmd|' /C calc'!A0", "'=already", "''-twice", "line\r\n=next", "\"quoted\", -5",
        "plain", "-", "@", "'", "a;;b", "tab\t\tend",
    ];

    [Fact]
    public void Defusing_is_undone_exactly_by_reading()
    {
        foreach (var value in Tricky)
            Assert.Equal(value, Csv.Restore(Csv.Defuse(value)!));
    }

    [Fact]
    public async Task An_export_imports_into_a_fresh_instance_with_every_field_of_every_link()
    {
        await using var source = NewApp();
        await source.CreateLinkAsync(new
        {
            url = "https://shop.example.com/sale?a=1,=2&b=;@x",
            slug = "full",
            // A title is one line (LinkRules.ValidateTitle); the preview card's description carries a line break.
            title = "=HYPERLINK(\"evil\"); -50%, @home",
            tags = new[] { "=sum", "q4", "-minus", "a;b" },
            utm = new { source = "ok;=1+1", medium = "e;-mail", campaign = "+spring", term = "@term", content = "\"quoted\"" },
            redirectType = 307,
            enabled = false,
            expiresAt = "2036-12-01T12:30:00Z",
            validFrom = "2036-11-01T08:00:00Z",
            maxClicks = 500,
            password = "s3cret;=1",
            preview = new { title = "=Card; -1", description = "line one\nline two", image = "https://cdn.example.com/c.png?x=1,2" },
            rules = new object[]
            {
                new { when = new { os = "iOS", query = new { src = new[] { "=x", "a,b" } } }, url = "https://apps.example.com/=1" },
                new { when = new { country = new[] { "DE", "AT" }, after = "2030-01-01T00:00:00Z" }, url = "https://shop.example.de/" },
            },
            variants = new[] { new { url = "https://shop.example.com/a;=1", weight = 30 }, new { url = "https://shop.example.com/b", weight = 70 } },
            expiredUrl = "https://shop.example.com/over?a=1,=2",
        });
        await source.CreateLinkAsync(new { url = "https://example.com/", slug = "bare" });
        await source.CreateLinkAsync(new { url = "https://example.com/perm", slug = "perm", redirectType = 301, utm = new { term = "x" }, tags = new[] { "one" } });
        using var client = NewClient(source);
        await SignInAsync(client, Password);
        var export = await client.GetStringAsync("/admin/export/links.csv");

        await using var target = NewApp();
        var report = await target.Services.GetRequiredService<CsvLinkImport>().ImportAsync(export, seenHost: null, CancellationToken.None);
        Assert.True(report.Succeeded, string.Join("; ", report.Problems));
        Assert.Equal(3, report.Imported);

        var before = await source.Services.GetRequiredService<LinkCatalog>().ListAsync(new LinkQuery(Sort: "slug"), CancellationToken.None);
        var after = await target.Services.GetRequiredService<LinkCatalog>().ListAsync(new LinkQuery(Sort: "slug"), CancellationToken.None);
        Assert.Equal(3, after.Items.Count);
        foreach (var (expected, actual) in before.Items.Zip(after.Items))
            Assert.Equal(Fields(expected), Fields(actual));
        Assert.Equal(new DateTime(2036, 12, 1, 12, 30, 0), after.Items.Single(l => l.Slug == "full").ExpiresAt);
        Assert.Equal(500, after.Items.Single(l => l.Slug == "full").MaxClicks);
        Assert.Equal(2, after.Items.Single(l => l.Slug == "full").Rules!.Count);
        Assert.Equal(70, after.Items.Single(l => l.Slug == "full").Variants![1].Weight);
        Assert.True(Redirector.Links.LinkPasswords.Verify(after.Items.Single(l => l.Slug == "full").PasswordHash!, "s3cret;=1"));
        Assert.DoesNotContain("s3cret", export, StringComparison.Ordinal);

        using var visitor = target.CreateVisitorClient();
        using var redirect = await visitor.GetAsync("/perm");
        Assert.Equal(System.Net.HttpStatusCode.MovedPermanently, redirect.StatusCode);
    }

    [Fact]
    public async Task The_export_follows_the_lists_filter_and_selection_and_imports_back_as_it_is()
    {
        await using var source = NewApp();
        await source.CreateLinkAsync(new { url = "https://shop.example/a", slug = "a", tags = new[] { "spring" }, utm = new { source = "mail", campaign = "easter" } });
        await source.CreateLinkAsync(new { url = "https://shop.example/b", slug = "b", tags = new[] { "summer" }, utm = new { campaign = "easter", content = "hero" } });
        await source.CreateLinkAsync(new { url = "https://shop.example/c", slug = "c", tags = new[] { "spring" } });
        await source.CreateLinkAsync(new { url = "https://other.example/d", slug = "d", tags = new[] { "autumn" }, utm = new { campaign = "easter" } });
        using var client = NewClient(source);
        await SignInAsync(client, Password);

        // The list's filter: search "easter" (a UTM campaign) and the tags spring or summer.
        var export = await client.GetStringAsync("/admin/export/links.csv?search=easter&tag=spring&tag=summer");
        await using var target = NewApp();
        var report = await target.Services.GetRequiredService<CsvLinkImport>().ImportAsync(export, seenHost: null, CancellationToken.None);
        Assert.True(report.Succeeded, string.Join("; ", report.Problems));
        var before = (await source.Services.GetRequiredService<LinkCatalog>().ListAsync(new LinkQuery(Sort: "slug"), CancellationToken.None)).Items;
        var after = (await target.Services.GetRequiredService<LinkCatalog>().ListAsync(new LinkQuery(Sort: "slug"), CancellationToken.None)).Items;
        Assert.Equal(["a", "b"], after.Select(l => l.Slug));
        Assert.Equal(before.Where(l => l.Slug is "a" or "b").Select(Fields), after.Select(Fields));

        // A bulk selection exports just those links.
        var selected = await client.GetStringAsync("/admin/export/links.csv?key=c&key=d");
        await using var third = NewApp();
        Assert.Equal(2, (await third.Services.GetRequiredService<CsvLinkImport>().ImportAsync(selected, seenHost: null, CancellationToken.None)).Imported);
        var copies = (await third.Services.GetRequiredService<LinkCatalog>().ListAsync(new LinkQuery(Sort: "slug"), CancellationToken.None)).Items;
        Assert.Equal(before.Where(l => l.Slug is "c" or "d").Select(Fields), copies.Select(Fields));
    }

    [Fact]
    public async Task Exports_opened_with_semicolon_or_tab_as_separator_show_no_cell_starting_a_formula()
    {
        await using var app = NewApp();
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "inj", title = "ok;=1+1", utm = new { source = "x;@SUM(1)", campaign = "a,-2" } });
        using (var visitor = app.CreateVisitorClient())
        {
            foreach (var source in new[] { "ok;=1+1", "ok,+1", "fine\t=2", "-3" })
                await CountingTests.ClickAsync(visitor, "/inj?utm_source=" + Uri.EscapeDataString(source) + "&utm_content=" + Uri.EscapeDataString("z;@x"), Agents.ChromeWindows, null);
        }
        await app.WaitForEventsAsync();
        using var client = NewClient(app);
        await SignInAsync(client, Password);

        foreach (var path in new[] { "/admin/export/links.csv", "/admin/export/UtmSource.csv?scope=global", "/admin/export/clicks.csv?scope=link&key=inj" })
        {
            var text = (await client.GetStringAsync(path)).TrimStart('\uFEFF');
            Assert.Contains("=", text, StringComparison.Ordinal);
            foreach (var separator in new[] { ';', '\t', ',' })
            {
                foreach (var cell in CellsOf(text, separator))
                    Assert.False(cell.Length > 0 && "=+-@\t\r".Contains(cell[0], StringComparison.Ordinal), $"{path} split on '{separator}' has the cell <{cell}>");
            }
        }
        var sources = CellsOf(await client.GetStringAsync("/admin/export/UtmSource.csv?scope=global"), ',');
        Assert.Contains("ok;'=1+1", sources);
        Assert.Contains("'-3", sources);
    }

    [Fact]
    public async Task The_domain_column_carries_the_same_slug_on_two_domains_and_a_file_without_it_imports_to_the_default_domain()
    {
        var baseUrl = new Dictionary<string, string?> { ["Redirector:BaseUrl"] = "https://go.example.com" };
        await using var source = NewApp(baseUrl);
        using (var api = source.CreateApiClient())
            (await api.PostAsJsonAsync("/api/domains", new { host = "brand.test" })).EnsureSuccessStatusCode();
        await source.CreateLinkAsync(new { url = "https://example.com/default", slug = "same" });
        await source.CreateLinkAsync(new { url = "https://example.com/brand", slug = "same", domain = "brand.test" });
        using var client = NewClient(source);
        await SignInAsync(client, Password);
        var export = await client.GetStringAsync("/admin/export/links.csv");
        var rows = CellsOf(export, ',');
        Assert.Contains("domain", rows);
        Assert.Contains("https://brand.test/same", rows);
        Assert.Contains("https://go.example.com/same", rows);

        await using var target = NewApp(baseUrl);
        var import = target.Services.GetRequiredService<CsvLinkImport>();
        var refused = await import.ImportAsync(export, seenHost: null, CancellationToken.None);
        Assert.False(refused.Succeeded);
        Assert.Contains(refused.Problems, p => p.Field == "domain");
        using (var api = target.CreateApiClient())
            (await api.PostAsJsonAsync("/api/domains", new { host = "brand.test" })).EnsureSuccessStatusCode();
        var report = await import.ImportAsync(export, seenHost: null, CancellationToken.None);
        Assert.True(report.Succeeded, string.Join("; ", report.Problems));
        Assert.Equal(2, report.Imported);
        var links = await target.Services.GetRequiredService<LinkCatalog>().ListAsync(new LinkQuery(Sort: "oldest"), CancellationToken.None);
        Assert.Equal([("", "https://example.com/default"), ("brand.test", "https://example.com/brand")], links.Items.Select(l => (l.Domain, l.Destination)));

        var plain = await import.ImportAsync("slug,url\nplain,https://example.com/plain\n", seenHost: null, CancellationToken.None);
        Assert.True(plain.Succeeded, string.Join("; ", plain.Problems));
        using var visitor = target.CreateVisitorClient();
        using var redirect = await visitor.GetAsync("http://go.example.com/plain");
        Assert.Equal("https://example.com/plain", redirect.Headers.Location!.OriginalString);
        using var onBrand = await visitor.GetAsync("http://brand.test/same");
        Assert.Equal("https://example.com/brand", onBrand.Headers.Location!.OriginalString);

        // A slug is taken on its own domain only: "plain" exists on the default domain, not on brand.test.
        var again = await import.ImportAsync("slug,url,domain\nplain,https://example.com/again,\n", seenHost: null, CancellationToken.None);
        Assert.False(again.Succeeded);
        Assert.Contains(again.Problems, p => p.Field == "slug");
        var elsewhere = await import.ImportAsync("slug,url,domain\nplain,https://example.com/brand-plain,brand.test\n", seenHost: null, CancellationToken.None);
        Assert.True(elsewhere.Succeeded, string.Join("; ", elsewhere.Problems));
        using var brandPlain = await visitor.GetAsync("http://brand.test/plain");
        Assert.Equal("https://example.com/brand-plain", brandPlain.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_csv_uploads_row_errors_name_its_columns_and_empty_cells_while_the_api_keeps_json_names()
    {
        await using var app = NewApp();
        using var client = NewClient(app);
        await SignInAsync(client, Password);
        const string file = """
            slug,url,valid_from,expires_at,max_clicks,password_hash,utm_source
            late,https://example.com/late,2030-01-02T00:00:00Z,2030-01-01T00:00:00Z,,,
            none,https://example.com/none,,,0,,
            hash,https://example.com/hash,,,,not-a-hash,
            """;
        var html = await UploadAsync(client, file);
        Assert.Contains("Nothing was imported", html);
        var problems = ProblemsOf(html);
        Assert.Equal([(2, "valid_from"), (3, "max_clicks"), (4, "password_hash")], problems.Select(p => (p.Line, p.Field)));
        Assert.Equal("\"0\": The maximum of clicks is a whole number of at least 1, or an empty cell for no maximum.", problems[1].Message);
        Assert.DoesNotContain(problems, p => p.Message.Contains("null", StringComparison.Ordinal) || p.Message.Contains("maxClicks", StringComparison.Ordinal));

        // The catalogue's words for the API, put in the CSV's: the past expiry an API create refuses, quoted as the column.
        var errors = new Dictionary<string, string[]>();
        LinkRules.RefusePastExpiry(new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), errors);
        Assert.Equal("expires_at", LinkCsv.ColumnOf(errors.Keys.Single()));
        Assert.Equal("The link would be expired at once: expires_at 2020-01-01T00:00:00Z is not after now (2026-01-01T00:00:00Z). Give a later time, or an empty cell for no expiry.",
            LinkCsv.InCsvTerms(errors["expiresAt"][0]));

        // A JSON body keeps the JSON names and null.
        using var api = app.CreateApiClient();
        foreach (var (body, property, words) in new (object, string, string)[]
        {
            (new { url = "https://example.com/none", maxClicks = 0 }, "maxClicks", "or null for no maximum"),
            (new { url = "https://example.com/past", expiresAt = DateTimeOffset.UtcNow.AddDays(-1) }, "expiresAt", "expiresAt 20"),
            (new { url = "https://example.com/hash", passwordHash = "not-a-hash" }, "passwordHash", "password hash"),
        })
        {
            using var response = await api.PostAsJsonAsync("/api/links", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains(words, problem.GetProperty("errors").GetProperty(property)[0].GetString());
        }
    }

    [Fact]
    public async Task One_upload_names_every_problem_of_every_row_and_every_unknown_column_with_the_one_meant()
    {
        await using var app = NewApp();
        using var client = NewClient(app);
        await SignInAsync(client, Password);
        const string file = """
            slug,url,max_clicks,valid_from,expires_at,enabled,redirect_type,rules
            a,https://example.com/a,ten,,,,,
            b,https://example.com/b,1.5,,,,,
            c,https://example.com/c,,12/01/2026,,,,
            d,https://example.com/d,,,,yes,,
            e,https://example.com/e,0,,,,,
            f,,,,,,,
            g,https://example.com/g,,,,,303,
            h,https://example.com/h,,2030-01-02T00:00:00Z,2030-01-01T00:00:00Z,,,
            i,https://example.com/i,,,,,,"[{""when"":{""os"":""iOSS""},""url"":""https://example.com/ios""}]"
            j,,ten,,,,,
            """;
        var html = await UploadAsync(client, file);
        Assert.Contains("Nothing was imported", html);
        var problems = ProblemsOf(html);
        Assert.Equal(
            [(2, "max_clicks"), (3, "max_clicks"), (4, "valid_from"), (5, "enabled"), (6, "max_clicks"), (7, "url"), (8, "redirect_type"), (9, "valid_from"), (10, "rules"), (11, "max_clicks"), (11, "url")],
            problems.Select(p => (p.Line, p.Field)));
        Assert.Equal("\"ten\" is not a whole number of at least 1.", problems[0].Message);
        // What the API's rules refuse quotes the cell as a cell that did not parse is quoted, whether the API's message
        // leaves the value out (maxClicks) or writes it its own way (303); an empty cell has nothing to quote.
        Assert.Equal("\"0\": The maximum of clicks is a whole number of at least 1, or an empty cell for no maximum.", problems[4].Message);
        Assert.Equal("The URL is required.", problems[5].Message);
        Assert.Equal("\"303\": The redirect type must be one of 301, 302, 307, 308; 303 is not.", problems[6].Message);
        Assert.Equal("\"2030-01-02T00:00:00Z\": The link must become valid before it expires.", problems[7].Message);
        // The rules' operating systems are cut as under the link form's field, not all of them listed.
        Assert.Matches(@"^Rule 1: os ""iOSS"" is no operating system the counts name \(did you mean 'iOS'\?\); the operating systems are iOS, Android, .* and \d+ more\.$", problems[8].Message);
        // Its "and N more" opens to those N systems.
        var opened = OpenedList().Match(html);
        Assert.True(opened.Success, "no list to open under the rules' problem");
        Assert.Equal(int.Parse(opened.Groups[1].Value, CultureInfo.InvariantCulture), WebUtility.HtmlDecode(opened.Groups[2].Value).Split(", ").Length);
        Assert.Empty(await app.Services.GetRequiredService<LinkCatalog>().FindManyAsync([.. Enumerable.Range(1, 20).Select(i => (long)i)], CancellationToken.None));

        // Unknown columns are named beside the rows' problems, not instead of them.
        var withRows = ProblemsOf(await UploadAsync(client, "slug,url,max_clik,expires_at\nk,javascript:alert(1),3,\nl,https://example.com/l,,13/01/2026\n"));
        Assert.Equal([(1, "file"), (2, "url"), (3, "expires_at")], withRows.Select(p => (p.Line, p.Field)));
        Assert.StartsWith("Unknown column \"max_clik\" (did you mean 'max_clicks'?).", withRows[0].Message);
        var columns = Assert.Single(ProblemsOf(await UploadAsync(client, "slug,url,expiry,maxclick,Expires\na,https://example.com/a,,,\n")));
        Assert.StartsWith("Unknown columns \"expiry\" (did you mean 'expires_at'?), \"maxclick\" (did you mean 'max_clicks'?), \"expires\" (did you mean 'expires_at'?). Known columns: slug, url, ", columns.Message);

        // A destination without a scheme is an https one, as in the link form.
        Assert.Contains("Imported 1 link.", await UploadAsync(client, "slug,url\none,example.com/one\n"));
        Assert.Equal("https://example.com/one", (await app.Services.GetRequiredService<LinkCatalog>().FindAsync("", "one", CancellationToken.None))!.Destination);
    }

    /// <summary>The rows of the page's problem table, their messages as the reader sees them (entities decoded).</summary>
    /// <summary>Each problem's line, field and message as read: a cut list's folded-away systems left out, its "and N more" kept.</summary>
    private static List<(int Line, string Field, string Message)> ProblemsOf(string html) =>
        [.. ProblemRow().Matches(html).Select(m => (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m.Groups[2].Value,
            WebUtility.HtmlDecode(FoldedList().Replace(m.Groups[3].Value, "$1"))))];

    [GeneratedRegex("""<tr><td class="num">(\d+)</td><td><code>([^<]*)</code></td><td>(.*?)</td></tr>""")]
    private static partial Regex ProblemRow();

    [GeneratedRegex("""<details[^>]*><summary>([^<]*)</summary>.*?</details>""")]
    private static partial Regex FoldedList();

    [GeneratedRegex("""<details[^>]*><summary>and (\d+) more</summary><span>: ([^<]*)</span></details>""")]
    private static partial Regex OpenedList();

    // How a spreadsheet set to this separator reads the file: CsvHelper in its default (RFC 4180) mode.
    private static List<string> CellsOf(string text, char separator)
    {
        using var reader = CsvReader.FromText(text.TrimStart('\uFEFF'), CsvReaderOptions.Default with { HasHeader = false, Separator = separator });
        var cells = new List<string>();
        while (reader.Read())
        {
            for (var i = 0; i < reader.FieldCount; i++)
                cells.Add(reader.GetString(i) ?? "");
        }
        return cells;
    }

    private static string Fields(Link l) => System.Text.Json.JsonSerializer.Serialize(new
    {
        l.Slug, l.Destination, l.Title, l.Tags, l.Utm, l.RedirectType, l.Enabled, l.ExpiresAt, l.ValidFrom, l.MaxClicks, l.ExpiredUrl, l.PasswordHash, l.Rules, l.Variants, l.Preview,
    });
}
