using System.Text;
using Redirector.Links;

namespace Redirector.Admin.Import;

public sealed record ImportProblem(int Line, string Field, string Message);

/// <summary>Either every row was imported, or none was and <see cref="Problems"/> says which rows failed and why.</summary>
public sealed record ImportReport(int Imported, IReadOnlyList<ImportProblem> Problems)
{
    public bool Succeeded => Problems.Count == 0;
}

/// <summary>
/// Bulk import of links from CSV with a header row: url (required), slug, title, tags (separated by ';' or '|'),
/// utm_source, utm_medium, utm_campaign, utm_term, utm_content. All rows are checked by the API's rules before
/// anything is saved, and then saved in one transaction: nothing is ever half-imported.
/// </summary>
public sealed class CsvLinkImport(LinkCatalog catalog)
{
    public const int MaxRows = 10_000;
    public static readonly IReadOnlyList<string> Columns =
        ["url", "slug", "title", "tags", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];

    public async Task<ImportReport> ImportAsync(string text, CancellationToken ct)
    {
        var records = Parse(text);
        if (records.Count == 0)
            return Failed(1, "file", "The file is empty.");
        var header = records[0].Cells.Select(h => h.Trim().ToLowerInvariant().Replace('.', '_').Replace(' ', '_')).ToList();
        if (!header.Contains("url"))
            return Failed(1, "file", $"The first line must name the columns, with at least \"url\". Known columns: {string.Join(", ", Columns)}.");
        if (header.FirstOrDefault(h => h.Length > 0 && !Columns.Contains(h)) is { } unknown)
            return Failed(1, "file", $"Unknown column \"{unknown}\". Known columns: {string.Join(", ", Columns)}.");
        var rows = records.Skip(1).Where(r => r.Cells.Any(c => c.Length > 0)).ToList();
        if (rows.Count == 0)
            return Failed(2, "file", "The file has no rows below its header.");
        if (rows.Count > MaxRows)
            return Failed(MaxRows + 2, "file", $"At most {MaxRows:N0} rows per import.");

        var requests = rows.Select(row =>
        {
            string? Get(string column) => header.IndexOf(column) is var i and >= 0 && i < row.Cells.Count && row.Cells[i].Trim() is { Length: > 0 } v ? v : null;
            return new CreateLinkRequest
            {
                Url = Get("url"),
                Slug = Get("slug"),
                Title = Get("title"),
                Tags = Get("tags")?.Split([';', '|'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList(),
                Utm = new UtmTags
                {
                    Source = Get("utm_source"), Medium = Get("utm_medium"), Campaign = Get("utm_campaign"),
                    Term = Get("utm_term"), Content = Get("utm_content"),
                },
            };
        }).ToList();

        var outcome = await catalog.CreateManyAsync(requests, ct);
        var problems = outcome.Errors
            .SelectMany(row => row.Value.Select(e => new ImportProblem(rows[row.Key].Line, e.Key, string.Join(" ", e.Value))))
            .ToList();
        return new ImportReport(outcome.Saved.Count, problems);
    }

    private static ImportReport Failed(int line, string field, string message) => new(0, [new ImportProblem(line, field, message)]);

    private sealed record Record(int Line, List<string> Cells);

    /// <summary>RFC 4180: quoted cells may hold commas, quotes ("") and line breaks.</summary>
    private static List<Record> Parse(string text)
    {
        var records = new List<Record>();
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        var line = 1;
        var recordLine = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (c == '"')
                    quoted = false;
                else
                {
                    if (c == '\n')
                        line++;
                    cell.Append(c);
                }
            }
            else if (c == '"' && cell.Length == 0)
                quoted = true;
            else if (c == ',')
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else if (c is '\n' or '\r')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                    i++;
                cells.Add(cell.ToString());
                cell.Clear();
                records.Add(new Record(recordLine, cells));
                cells = [];
                recordLine = ++line;
            }
            else if (c != '\uFEFF' || i > 0)
                cell.Append(c);
        }
        if (cell.Length > 0 || cells.Count > 0)
        {
            cells.Add(cell.ToString());
            records.Add(new Record(recordLine, cells));
        }
        return records;
    }
}
