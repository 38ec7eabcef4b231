using Redirector.Admin.Exports;
using Redirector.Links;
using Redirector.Text;

namespace Redirector.Admin.Import;

public sealed record ImportProblem(int Line, string Field, string Message);

/// <summary>Either every row was imported, or none was and <see cref="Problems"/> says which rows failed and why.</summary>
public sealed record ImportReport(int Imported, IReadOnlyList<ImportProblem> Problems)
{
    public bool Succeeded => Problems.Count == 0;
}

/// <summary>
/// Bulk import of links from CSV with a header row naming <see cref="LinkCsv"/> columns (url required; the links
/// export is a valid import). All rows are checked by the API's rules before anything is saved, and then saved in one
/// transaction: nothing is ever half-imported. One upload names every problem: all unknown columns, and every cell
/// that does not parse together with what the API's rules refuse in the row's other cells.
/// </summary>
public sealed class CsvLinkImport(LinkCatalog catalog)
{
    // Names people give the columns that neither case nor NearMiss's few edits lead to.
    private static readonly Dictionary<string, string> ColumnAliases = new(StringComparer.Ordinal)
    {
        ["expiry"] = "expires_at", ["expiration"] = "expires_at", ["expires_on"] = "expires_at",
    };

    // Their cells are JSON, whose errors quote the value in it that is wrong (Rule 1: os "iOSS"), not the whole cell.
    private static readonly HashSet<string> JsonColumns = new(StringComparer.Ordinal) { "rules", "variants" };

    public const int MaxRows = 10_000;
    private const int MaxQuotedCell = 40;

    /// <param name="seenHost">The host the admin was reached at, for links to their own short URL (<see cref="LinkCatalog.CreateManyAsync"/>).</param>
    public async Task<ImportReport> ImportAsync(string text, string? seenHost, CancellationToken ct)
    {
        var records = Csv.Read(text);
        if (records.Count == 0)
            return Failed(1, "file", "The file is empty.");
        var header = records[0].Cells.Select(h => h.Trim().ToLowerInvariant().Replace('.', '_').Replace(' ', '_')).ToList();
        if (!header.Contains("url"))
            return Failed(1, "file", $"The first line must name the columns, with at least \"url\". Known columns: {string.Join(", ", LinkCsv.Names)}.");
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
        var requests = new List<CreateLinkRequest>(rows.Count);
        // A cell that did not parse is left out of its request, so the rules' errors about that column would be about a
        // value the file does not hold.
        var unparsed = new HashSet<(int Line, string Column)>();
        foreach (var row in rows)
        {
            var request = new CreateLinkRequest();
            for (var i = 0; i < columns.Count && i < row.Cells.Count; i++)
            {
                if (columns[i] is not { Read: { } read } column || row.Cells[i].Trim() is not { Length: > 0 } cell)
                    continue;
                if (read(request, cell) is { } next)
                    request = next;
                else
                {
                    problems.Add(new ImportProblem(row.Line, column.Name, $"{Quoted(cell)} is not {column.Expected}."));
                    unparsed.Add((row.Line, column.Name));
                }
            }
            requests.Add(request);
        }

        var outcome = await catalog.CreateManyAsync(requests, seenHost, KnownNames.Common, ct, checkOnly: problems.Count > 0);
        problems.AddRange(outcome.Errors
            .SelectMany(row => row.Value.Select(e => CatalogProblem(rows[row.Key], LinkCsv.ColumnOf(e.Key), LinkCsv.InCsvTerms(string.Join(" ", e.Value)))))
            .Where(p => !unparsed.Contains((p.Line, p.Field))));
        return new ImportReport(outcome.Saved.Count, [.. problems.OrderBy(p => p.Line)]);

        // The API's messages leave the value out (maxClicks) or write it their own way (a redirect type, a slug): the
        // file's author is shown the cell as written, quoted as a cell that did not parse is.
        ImportProblem CatalogProblem(CsvRecord row, string column, string message) =>
            header.IndexOf(column) is >= 0 and var i && i < row.Cells.Count && row.Cells[i].Trim() is { Length: > 0 } cell && !JsonColumns.Contains(column)
                ? new ImportProblem(row.Line, column, $"{Quoted(cell)}: {message}")
                : new ImportProblem(row.Line, column, message);
    }

    private static ImportReport Failed(int line, string field, string message) => new(0, [new ImportProblem(line, field, message)]);

    /// <summary>A cell as every problem quotes it: in double quotes, its first <see cref="MaxQuotedCell"/> characters.</summary>
    private static string Quoted(string cell) => $"\"{(cell.Length > MaxQuotedCell ? cell[..MaxQuotedCell] + "…" : cell)}\"";
}
