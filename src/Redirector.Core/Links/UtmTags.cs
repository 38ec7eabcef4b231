namespace Redirector.Links;

/// <summary>The five UTM fields. Empty strings are normalised to null so "unset" has one spelling.</summary>
public sealed record UtmTags
{
    public string? Source { get; init; }
    public string? Medium { get; init; }
    public string? Campaign { get; init; }
    public string? Term { get; init; }
    public string? Content { get; init; }

    public static readonly UtmTags Empty = new();

    public static readonly IReadOnlyList<string> ParameterNames =
        ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];

    public const int MaxValueLength = 256;

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEmpty => Source is null && Medium is null && Campaign is null && Term is null && Content is null;

    public string? this[int index] => index switch
    {
        0 => Source,
        1 => Medium,
        2 => Campaign,
        3 => Term,
        4 => Content,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public UtmTags Normalized() => new()
    {
        Source = Clean(Source),
        Medium = Clean(Medium),
        Campaign = Clean(Campaign),
        Term = Clean(Term),
        Content = Clean(Content),
    };

    public static int IndexOf(ReadOnlySpan<char> parameterName)
    {
        for (var i = 0; i < ParameterNames.Count; i++)
        {
            if (parameterName.Equals(ParameterNames[i], StringComparison.OrdinalIgnoreCase))
                return i;
        }
        return -1;
    }

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
