using System.Text;

namespace Redirector.Admin.Exports;

/// <summary>RFC 4180 CSV that spreadsheets open safely.</summary>
public static class Csv
{
    public static string Line(params IEnumerable<string?> cells) => string.Join(',', cells.Select(Cell)) + "\r\n";

    /// <summary>
    /// Quotes when needed, and defuses formulas: a cell a visitor controls (a referrer, a UTM tag) that starts
    /// with =, +, - or @ would run as a formula in Excel, so it gets a leading apostrophe.
    /// </summary>
    public static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return "";
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
            value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    public static StringBuilder AppendRow(this StringBuilder builder, IEnumerable<string?> cells) => builder.Append(Line(cells));
}
