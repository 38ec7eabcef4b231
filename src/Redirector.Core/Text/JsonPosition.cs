using System.Text;
using System.Text.Json;

namespace Redirector.Text;

/// <summary>
/// Where a JSON text stopped reading, as an editor shows it: "line 2, column 13", both counted from 1. The reader
/// (<see cref="JsonException.LineNumber"/>, <see cref="JsonException.BytePositionInLine"/>) counts from 0, and in the
/// line's UTF-8 bytes rather than its characters: a line with an "é" before the break would point one column too far.
/// </summary>
public static class JsonPosition
{
    /// <summary>
    /// "line L, column C" of <paramref name="json"/> in <paramref name="text"/>, the text it was read from (null when it
    /// is not at hand: the column is then the byte's, right for ASCII); "an unknown position" when the exception has none.
    /// </summary>
    public static string Of(JsonException json, string? text)
    {
        if (json.LineNumber is not { } line || json.BytePositionInLine is not { } bytes)
            return "an unknown position";
        // The reader starts a line after each '\n' only.
        var start = text is null ? -1 : 0;
        for (var i = 0L; i < line && start >= 0; i++)
            start = text!.IndexOf('\n', start) is var next and >= 0 ? next + 1 : -1;
        var column = 1L;
        if (text is not null && start >= 0)
        {
            var counted = 0L;
            foreach (var rune in text.AsSpan(start).EnumerateRunes())
            {
                if (counted >= bytes || rune.Value == '\n')
                    break;
                counted += rune.Utf8SequenceLength;
                column++;
            }
        }
        else
            column = bytes + 1;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"line {line + 1}, column {column}");
    }
}
