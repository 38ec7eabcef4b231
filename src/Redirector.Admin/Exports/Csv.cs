using System.Buffers;
using System.Text;
using CsvHelper;

namespace Redirector.Admin.Exports;

/// <summary>One record read from a CSV file: the line it starts on (1-based, for error reports) and its cells.</summary>
public sealed record CsvRecord(int Line, IReadOnlyList<string> Cells);

/// <summary>
/// A CSV table the admin area exports (RFC 4180, written by CsvHelper, UTF-8 with a byte order mark so Excel reads
/// the accents), safe to open in a spreadsheet of any locale, and the reader that imports such files back.
/// Safety follows OWASP's CSV-injection guidance: a cell holding a separator of any common locale (comma, semicolon,
/// tab, line break) or a quote is quoted, and every field that would start with <c>=</c>, <c>+</c>, <c>-</c>,
/// <c>@</c>, tab or CR, at the start of a cell or after one of those separators inside it (a spreadsheet that splits
/// on <c>;</c> does not see a comma file's quotes), gets a leading apostrophe. <see cref="Read"/> removes exactly the
/// apostrophes the export added, so an export imports back unchanged.
/// </summary>
public sealed class Csv(params IReadOnlyList<string> header)
{
    private const string Separators = ",;\t\r\n";
    private static readonly SearchValues<char> OtherLocaleSeparators = SearchValues.Create(";\t");
    private static readonly SearchValues<char> FormulaStarts = SearchValues.Create("=+-@\t\r");

    // CsvHelper's own injection escaping looks at a cell's first character only; Defuse does the whole rule.
    private static readonly CsvWriterOptions WriteOptions = CsvWriterOptions.Default with
    {
        Injection = CsvInjection.None,
        WriteByteOrderMark = true,
        NewLine = "\r\n",
    };

    // The separator is detected: spreadsheets in German or French save with ';', some tools with tabs.
    private static readonly CsvReaderOptions ReadOptions = CsvReaderOptions.Default with { HasHeader = false, TrackLineNumbers = true };

    private readonly List<IReadOnlyList<string?>> _rows = [];

    /// <summary>Adds a row; null cells are empty.</summary>
    public Csv Add(params IReadOnlyList<string?> cells)
    {
        _rows.Add(cells);
        return this;
    }

    /// <summary>The whole table as a file: UTF-8 with a byte order mark, CRLF line ends.</summary>
    public byte[] ToUtf8()
    {
        using var bytes = new MemoryStream();
        using (var writer = CsvWriter.Create(bytes, WriteOptions, leaveOpen: true))
        {
            foreach (var row in _rows.Prepend(header))
            {
                foreach (var cell in row)
                {
                    // CsvHelper quotes a comma, quote or line break itself; ';' and tab separate fields elsewhere.
                    var safe = Defuse(cell);
                    writer.WriteField(safe, safe.AsSpan().IndexOfAny(OtherLocaleSeparators) >= 0 ? CsvQuoting.Always : CsvQuoting.WhenNeeded);
                }
                writer.EndRecord();
            }
        }
        return bytes.ToArray();
    }

    /// <summary>
    /// Every record of <paramref name="text"/> (a leading byte order mark and blank lines are skipped; the separator is
    /// detected among comma, semicolon, tab and bar), with the apostrophes <see cref="Defuse"/> added removed.
    /// </summary>
    public static List<CsvRecord> Read(string text)
    {
        var records = new List<CsvRecord>();
        using var reader = CsvReader.FromText(text.TrimStart('\uFEFF'), ReadOptions);
        while (reader.Read())
        {
            var cells = new string[reader.FieldCount];
            for (var i = 0; i < cells.Length; i++)
                cells[i] = Restore(reader.GetString(i) ?? "");
            records.Add(new CsvRecord((int)reader.LineNumber, cells));
        }
        return records;
    }

    /// <summary>Inserts an apostrophe before every field of <paramref name="value"/> that starts like a formula (see the class summary).</summary>
    public static string? Defuse(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return value;
        StringBuilder? defused = null;
        for (var i = 0; i < value.Length; i++)
        {
            // Fields that already start with apostrophes before a formula character get one more, so Restore can tell.
            if (IsFieldStart(value, i) && StartsFormula(value.AsSpan(i).TrimStart('\'')))
                (defused ??= new StringBuilder(value, 0, i, value.Length + 8)).Append('\'');
            defused?.Append(value[i]);
        }
        return defused?.ToString() ?? value;
    }

    /// <summary>The inverse of <see cref="Defuse"/>: removes one apostrophe from every field that starts with apostrophes before a formula character.</summary>
    public static string Restore(string value)
    {
        StringBuilder? restored = null;
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\'' && IsFieldStart(value, i) && StartsFormula(value.AsSpan(i + 1).TrimStart('\'')))
            {
                restored ??= new StringBuilder(value, 0, i, value.Length);
                continue;
            }
            restored?.Append(value[i]);
        }
        return restored?.ToString() ?? value;
    }

    private static bool IsFieldStart(string value, int index) => index == 0 || Separators.Contains(value[index - 1], StringComparison.Ordinal);

    private static bool StartsFormula(ReadOnlySpan<char> field) => field.Length > 0 && FormulaStarts.Contains(field[0]);
}
