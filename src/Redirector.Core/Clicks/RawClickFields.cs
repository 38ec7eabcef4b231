using System.Text.Json;

namespace Redirector.Clicks;

/// <summary>
/// The raw log's entry format: an array of click shapes, each with the unix-ms "times" of its clicks and the
/// values of the dimensions that have a raw name.
/// </summary>
public static class RawClickFields
{
    public const string Times = "times";
    public const string Time = "time";
    public const string Link = "link";
    public const string Bot = "bot";

    /// <summary>
    /// One element per click, newest first, each carrying "time" (ISO 8601, UTC) and the shape's fields; with
    /// <paramref name="filter"/>, only the clicks of the shapes it accepts (it sees every field but "time").
    /// </summary>
    public static IEnumerable<JsonElement> Expand(JsonElement entry, Func<JsonElement, bool>? filter = null)
    {
        var clicks = new List<(long At, JsonElement Click)>();
        foreach (var shape in entry.EnumerateArray())
        {
            // A shape holds every property of its clicks but their times: filtered before a copy is made per click.
            if (filter is not null && !filter(shape))
                continue;
            foreach (var at in shape.GetProperty(Times).EnumerateArray())
                clicks.Add((at.GetInt64(), WithTime(shape, at.GetInt64())));
        }
        return clicks.OrderByDescending(c => c.At).Select(c => c.Click);
    }

    private static JsonElement WithTime(JsonElement shape, long unixMilliseconds)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString(Time, DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds).UtcDateTime);
            foreach (var property in shape.EnumerateObject())
            {
                if (property.NameEquals(Times))
                    continue;
                property.WriteTo(json);
            }
            json.WriteEndObject();
        }
        using var click = JsonDocument.Parse(buffer.ToArray());
        return click.RootElement.Clone();
    }
}
