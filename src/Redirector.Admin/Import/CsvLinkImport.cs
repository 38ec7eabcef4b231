using Redirector.Admin.Exports;
using Redirector.Links;
using Redirector.Text;
using Redirector.Times;

namespace Redirector.Admin.Import;

/// <summary>
/// A problem of an import: the file's line (1-based; the header is line 1; 0 for the file or the form as a whole, shown
/// as "—"), the column (or <c>file</c>) and what is wrong.
/// </summary>
public sealed record ImportProblem(int Line, string Field, string Message);

/// <summary>What an import did with one row: its line in the file, the link's domain (empty for the default domain) and slug, and the outcome.</summary>
public sealed record ImportedRow(int Line, string Domain, string Slug, ImportedAs As);

/// <summary>
/// Either every row was imported, each as <see cref="Rows"/> says, or none was and <see cref="Problems"/> says which
/// rows failed and why (<see cref="Rows"/> then says what the rows would have done).
/// </summary>
public sealed record ImportReport(IReadOnlyList<ImportedRow> Rows, IReadOnlyList<ImportProblem> Problems)
{
    public bool Succeeded => Problems.Count == 0;

    /// <summary>The rows imported: created, updated or unchanged, not skipped; none when nothing was imported.</summary>
    public int Imported => Succeeded ? Rows.Count(r => r.As != ImportedAs.Skipped) : 0;

    /// <summary>The rows imported with this outcome: none when nothing was imported.</summary>
    public int CountOf(ImportedAs outcome) => Succeeded ? Rows.Count(r => r.As == outcome) : 0;

    /// <summary>An outcome's one name, in the admin's report, the API's answer and docs/links.md: created, updated, unchanged, skipped.</summary>
    public static string NameOf(ImportedAs outcome) => outcome.ToString().ToLowerInvariant();
}

/// <summary>
/// Bulk import of links from CSV with a header row naming <see cref="LinkCsv"/> columns (url required, or with
/// <see cref="ExistingLinks.Update"/> url or slug; the links export is a valid import). All rows are checked by the
/// API's rules before anything is saved, and then saved in one transaction: nothing is ever half-imported. One upload
/// names every problem: all unknown columns, and every cell that does not parse together with what the API's rules
/// refuse in the row's other cells. A row whose (domain, slug) has a link fails, is skipped or updates that link, as
/// the caller chooses (<see cref="ExistingLinks"/>): an update changes the fields of the file's columns whose cells
/// differ from what an export of the link writes, so an export edited in a spreadsheet changes exactly the cells edited.
/// The admin's import page and <c>POST /api/links/import</c> both import through here.
/// </summary>
public sealed class CsvLinkImport(LinkCatalog catalog)
{
    /// <summary>The largest file either import takes, in bytes: the admin's upload and the API's body alike.</summary>
    public const int MaxBytes = 5 * 1024 * 1024;

    /// <summary>The names of <see cref="ExistingLinks"/> as the import form and the API's <c>existing</c> take them.</summary>
    public static readonly IReadOnlyList<string> ExistingChoices = [.. Enum.GetNames<ExistingLinks>().Select(n => n.ToLowerInvariant())];

    /// <summary>The <see cref="ExistingLinks"/> named <paramref name="name"/> (any case; null or empty is <see cref="ExistingLinks.Fail"/>).</summary>
    public static bool TryParseExisting(string? name, out ExistingLinks existing)
    {
        existing = ExistingLinks.Fail;
        return string.IsNullOrEmpty(name)
               || (ExistingChoices.Contains(name.ToLowerInvariant()) && Enum.TryParse(name, ignoreCase: true, out existing));
    }

    // Names people give the columns that neither case nor NearMiss's few edits lead to.
    private static readonly Dictionary<string, string> ColumnAliases = new(StringComparer.Ordinal)
    {
        ["expiry"] = "expires_at", ["expiration"] = "expires_at", ["expires_on"] = "expires_at",
    };

    // Their cells are JSON, whose errors quote the value in it that is wrong (Rule 1: os "iOSS"), not the whole cell.
    private static readonly HashSet<string> JsonColumns = new(StringComparer.Ordinal) { "rules", "variants" };

    public const int MaxRows = 10_000;
    private const int MaxQuotedCell = 40;

    /// <summary>Imports a file as uploaded: its bytes are UTF-8 (or UTF-16 with its byte order mark).</summary>
    /// <param name="existing">What a row whose (domain, slug) already has a link does.</param>
    /// <param name="seenHost">The host the admin or API was reached at, for links to their own short URL (<see cref="LinkCatalog.ImportManyAsync"/>).</param>
    public async Task<ImportReport> ImportAsync(Stream file, string? seenHost, CancellationToken ct, ExistingLinks existing = ExistingLinks.Fail)
    {
        using var reader = new StreamReader(file);
        return await ImportAsync(await reader.ReadToEndAsync(ct), seenHost, ct, existing);
    }

    /// <param name="existing">What a row whose (domain, slug) already has a link does.</param>
    /// <param name="seenHost">The host the admin or API was reached at, for links to their own short URL (<see cref="LinkCatalog.ImportManyAsync"/>).</param>
    public async Task<ImportReport> ImportAsync(string text, string? seenHost, CancellationToken ct, ExistingLinks existing = ExistingLinks.Fail)
    {
        var records = Csv.Read(text);
        if (records.Count == 0)
            return Failed(1, "file", "The file is empty.");
        var header = records[0].Cells.Select(h => h.Trim().ToLowerInvariant().Replace('.', '_').Replace(' ', '_')).ToList();
        if (!header.Contains("url") && !(existing == ExistingLinks.Update && header.Contains("slug")))
            return Failed(1, "file", $"The first line must name the columns, with at least \"url\" (or \"slug\" to update links that exist). Known columns: {string.Join(", ", LinkCsv.Names)}.");
        var rows = records.Skip(1).Where(r => r.Cells.Any(c => c.Length > 0)).ToList();
        if (rows.Count == 0)
            return Failed(2, "file", "The file has no rows below its header.");
        if (rows.Count > MaxRows)
            return Failed(MaxRows + 2, "file", $"At most {MaxRows:N0} rows per import.");

        var problems = new List<ImportProblem>();
        // An unknown column is named, and its cells left out, while the rows are still checked: one upload shows both.
        if (header.Where(h => h.Length > 0 && !LinkCsv.Names.Contains(h)).Distinct().ToList() is { Count: > 0 } unknown)
        {
            var named = unknown.Select(u => $"\"{u}\"{(ColumnAliases.TryGetValue(u, out var meant) ? $" (did you mean '{meant}'?)" : NearMiss.Hint(u, LinkCsv.Names))}");
            problems.Add(new ImportProblem(1, "file", $"Unknown column{(unknown.Count == 1 ? "" : "s")} {string.Join(", ", named)}. Known columns: {string.Join(", ", LinkCsv.Names)}."));
        }
        var columns = header.Select(h => LinkCsv.Columns.FirstOrDefault(c => c.Name == h)).ToList();
        var updatedAt = header.IndexOf("updated_at");
        var imports = new List<LinkImportRow>(rows.Count);
        // A cell that did not parse is left out of its request, so the rules' errors about that column would be about a
        // value the file does not hold.
        var unparsed = new HashSet<(int Line, string Column)>();
        foreach (var row in rows)
        {
            var request = new CreateLinkRequest();
            var cells = new List<(LinkCsv.Column Column, string Cell)>();
            for (var i = 0; i < columns.Count && i < row.Cells.Count; i++)
            {
                if (columns[i] is not { Read: { } read } column)
                    continue;
                var cell = row.Cells[i].Trim();
                cells.Add((column, cell));
                if (cell.Length == 0)
                    continue;
                if (read(request, cell) is { } next)
                    request = next;
                else
                {
                    problems.Add(new ImportProblem(row.Line, column.Name, $"{Quoted(cell)} is not {column.Expected}."));
                    unparsed.Add((row.Line, column.Name));
                }
            }
            // A column the file lacks changes nothing, and neither does a cell past the end of a short row (a tool that
            // drops trailing empty cells must not clear fields).
            imports.Add(new LinkImportRow(request, stored => ChangeOf(stored, request, cells), ExportedAt(row, updatedAt)));
        }

        var outcome = await catalog.ImportManyAsync(imports, existing, seenHost, KnownNames.Common, ct, checkOnly: problems.Count > 0);
        // A skipped row is not read: a cell of it that did not parse is no problem.
        var skipped = rows.Where((_, i) => outcome.Rows[i].As == ImportedAs.Skipped).Select(r => r.Line).ToHashSet();
        problems.RemoveAll(p => skipped.Contains(p.Line) && p.Line > 1);
        problems.AddRange(outcome.Errors
            .SelectMany(row => row.Value.Select(e => CatalogProblem(rows[row.Key], LinkCsv.ColumnOf(e.Key), LinkCsv.InCsvTerms(string.Join(" ", e.Value)))))
            .Where(p => !unparsed.Contains((p.Line, p.Field))));
        return new ImportReport([.. outcome.Rows.Select((r, i) => new ImportedRow(rows[i].Line, r.Domain, r.Slug, r.As))], [.. problems.OrderBy(p => p.Line)]);

        // The API's messages leave the value out (maxClicks) or write it their own way (a redirect type, a slug): the
        // file's author is shown the cell as written, quoted as a cell that did not parse is.
        ImportProblem CatalogProblem(CsvRecord row, string column, string message) =>
            header.IndexOf(column) is >= 0 and var i && i < row.Cells.Count && row.Cells[i].Trim() is { Length: > 0 } cell && !JsonColumns.Contains(column)
                ? new ImportProblem(row.Line, column, $"{Quoted(cell)}: {message}")
                : new ImportProblem(row.Line, column, message);
    }

    /// <summary>
    /// The change a row makes to a link that exists: the fields of its cells that differ from what an export of the link
    /// writes there. A cell as exported is no change, so a round trip does not check again (or fail on) values saved
    /// under older rules; a cell written otherwise (a time reformatted by a spreadsheet) is compared by the catalogue.
    /// </summary>
    private static UpdateLinkRequest ChangeOf(Link stored, CreateLinkRequest request, List<(LinkCsv.Column Column, string Cell)> cells)
    {
        var change = new UpdateLinkRequest();
        var exported = new LinkCsv.Row(stored, ShortUrl: "", Clicks30Days: null, ClicksTotal: null);
        foreach (var (column, cell) in cells)
        {
            if (column.Change is { } set && cell != (column.Cell(exported) ?? "").Trim())
                set(change, request, stored);
        }
        return change;
    }

    /// <summary>The row's <c>updated_at</c>: when the link was last changed as the file knows it, null when absent or not a time.</summary>
    private static DateTime? ExportedAt(CsvRecord row, int column) =>
        column >= 0 && column < row.Cells.Count && UtcTime.TryParse(row.Cells[column], out var at) ? at.UtcDateTime : null;

    private static ImportReport Failed(int line, string field, string message) => new([], [new ImportProblem(line, field, message)]);

    /// <summary>A cell as every problem quotes it: in double quotes, its first <see cref="MaxQuotedCell"/> characters.</summary>
    private static string Quoted(string cell) => $"\"{(cell.Length > MaxQuotedCell ? cell[..MaxQuotedCell] + "…" : cell)}\"";
}
