using System.Text.Json;
using System.Text.Json.Serialization;

namespace Redirector.Links;

/// <summary>
/// One targeting rule of a link (<c>"rules": [{"when": {...}, "url"}]</c>): when every condition of <see cref="When"/>
/// holds, the visitor goes to <see cref="Url"/>. Rules are tried in order; the first that holds decides.
/// </summary>
public sealed record LinkRule
{
    public RuleConditions When { get; init; } = new();
    public string? Url { get; init; }
}

/// <summary>
/// The conditions of a <see cref="LinkRule"/>; an absent one holds for everyone. A list holds when any of its values
/// matches; JSON may give a single value instead of a list.
/// </summary>
public sealed record RuleConditions
{
    /// <summary>desktop, mobile, tablet, bot or other: the device type the counts use.</summary>
    [JsonConverter(typeof(OneOrManyConverter))]
    public List<string>? DeviceType { get; init; }

    /// <summary>Operating system families as the counts name them (iOS, Android, Windows, Mac OS X...), any case.</summary>
    [JsonConverter(typeof(OneOrManyConverter))]
    public List<string>? Os { get; init; }

    /// <summary>Browser families as the counts name them (Chrome, Mobile Safari, Firefox...), any case.</summary>
    [JsonConverter(typeof(OneOrManyConverter))]
    public List<string>? Browser { get; init; }

    /// <summary>ISO 3166-1 alpha-2 codes, from the same source as the counts (trusted header, else the geo database).</summary>
    [JsonConverter(typeof(OneOrManyConverter))]
    public List<string>? Country { get; init; }

    /// <summary>Primary language subtags (de, en, pt), of the most preferred language in Accept-Language.</summary>
    [JsonConverter(typeof(OneOrManyConverter))]
    public List<string>? Language { get; init; }

    /// <summary>Query parameters of the short URL: each named parameter must have one of the values given (exact, case-sensitive).</summary>
    [JsonConverter(typeof(QueryConditionsConverter))]
    public Dictionary<string, List<string>>? Query { get; init; }

    /// <summary>Holds from this time on (UTC).</summary>
    public DateTimeOffset? After { get; init; }

    /// <summary>Holds before this time (UTC).</summary>
    public DateTimeOffset? Before { get; init; }

    [JsonIgnore]
    public bool IsEmpty => DeviceType is not { Count: > 0 } && Os is not { Count: > 0 } && Browser is not { Count: > 0 } &&
                           Country is not { Count: > 0 } && Language is not { Count: > 0 } && Query is not { Count: > 0 } &&
                           After is null && Before is null;
}

/// <summary>One side of a link's A/B split (<c>"variants": [{"url", "weight"}]</c>): the share of visitors is its weight over the sum of weights.</summary>
public sealed record LinkVariant
{
    public string? Url { get; init; }
    public int Weight { get; init; }
}

/// <summary>
/// The card link-preview agents are shown instead of the redirect (<c>"preview": {"title", "description", "image"}</c>):
/// Open Graph and Twitter-card tags. The image is an absolute http(s) URL.
/// </summary>
public sealed record LinkPreview
{
    public string? Title { get; init; }
    public string? Description { get; init; }
    public string? Image { get; init; }
}

/// <summary>Reads a string or a list of strings as a list; writes a list.</summary>
public sealed class OneOrManyConverter : JsonConverter<List<string>>
{
    public override List<string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.String => [reader.GetString()!],
            JsonTokenType.StartArray => JsonSerializer.Deserialize<List<string>>(ref reader, options),
            _ => throw new JsonException("Expected a string or a list of strings."),
        };

    public override void Write(Utf8JsonWriter writer, List<string> value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, options);
}

/// <summary>Reads <c>{"name": "value" | ["value", ...]}</c>; writes lists.</summary>
public sealed class QueryConditionsConverter : JsonConverter<Dictionary<string, List<string>>>
{
    private static readonly OneOrManyConverter Values = new();

    public override Dictionary<string, List<string>>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
            return null;
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException("Expected an object of query parameter names and values.");
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            reader.Read();
            result[name] = Values.Read(ref reader, typeof(List<string>), options) ?? [];
        }
        return result;
    }

    public override void Write(Utf8JsonWriter writer, Dictionary<string, List<string>> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (name, values) in value)
        {
            writer.WritePropertyName(name);
            JsonSerializer.Serialize(writer, values, options);
        }
        writer.WriteEndObject();
    }
}
