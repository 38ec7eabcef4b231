using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Redirector.Times;

/// <summary>
/// The one rule for times that come from outside (API JSON, admin form, CSV import): ISO 8601
/// (<c>2026-12-01T12:00:00Z</c>, <c>2026-12-01T14:00+02:00</c>, <c>2026-12-01 12:00</c>, <c>2026-12-01</c>), and a time
/// without an offset is UTC, never the server's zone, so the same text means the same instant on every node.
/// Every time Redirector writes is UTC and carries <c>Z</c>.
/// </summary>
public static class UtcTime
{
    // "K" takes "Z", "+hh:mm" or nothing; AssumeUniversal makes nothing mean UTC.
    private static readonly string[] Formats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd HH:mmK", "yyyy-MM-dd",
    ];

    /// <summary>Parses <paramref name="text"/> (trimmed) by the rule above; false for anything else.</summary>
    public static bool TryParse(string? text, out DateTimeOffset value) =>
        DateTimeOffset.TryParseExact(text?.Trim(), Formats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);

    /// <summary>ISO 8601 in UTC with <c>Z</c>, e.g. <c>2026-12-01T12:00:00.0000000Z</c>; a time of unknown kind is taken as UTC.</summary>
    public static string Format(DateTime time) => AsUtc(time).ToString("O", CultureInfo.InvariantCulture);

    /// <summary>Times in the catalogue are UTC; one read back without a kind (SQLite keeps none) is marked so, a local one converted.</summary>
    public static DateTime AsUtc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Utc => time,
        DateTimeKind.Local => time.ToUniversalTime(),
        _ => DateTime.SpecifyKind(time, DateTimeKind.Utc),
    };

    /// <summary>The message of the <see cref="JsonException"/> a JSON time that does not parse throws (the API's 400 says it in its own words).</summary>
    public const string JsonFormatError = "Times are ISO 8601, e.g. 2026-12-01T12:00:00Z; without an offset they are UTC.";

    /// <summary>Reads JSON times by <see cref="TryParse"/> (System.Text.Json alone takes an offsetless time as the server's local time).</summary>
    public sealed class DateTimeOffsetJsonConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String && TryParse(reader.GetString(), out var value)
                ? value
                : throw new JsonException(JsonFormatError);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime);
    }

    /// <summary>Writes every <see cref="DateTime"/> as UTC with <c>Z</c> and reads them by <see cref="TryParse"/>.</summary>
    public sealed class DateTimeJsonConverter : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String && TryParse(reader.GetString(), out var value)
                ? value.UtcDateTime
                : throw new JsonException(JsonFormatError);

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
            writer.WriteStringValue(AsUtc(value));
    }
}
