using Microsoft.AspNetCore.Http.HttpResults;

namespace Redirector.Api;

/// <summary>
/// Integer query parameters with a documented range (<c>page</c>, <c>pageSize</c>, <c>limit</c>) are refused outside
/// it, as names and bodies are checked rather than ignored (README.md, "The API"): <c>?limit=0</c> was answered with
/// one click and <c>?pageSize=100000</c> with 500 links, each looking like what was asked.
/// </summary>
public static class QueryRanges
{
    /// <summary>Null when <paramref name="value"/> is within [<paramref name="min"/>, <paramref name="max"/>]; else a 400 naming the parameter and its range.</summary>
    public static ValidationProblem? Outside(string name, int value, int min, int max) =>
        value >= min && value <= max
            ? null
            : TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { [name] = [$"'{name}' takes {min} to {max}; {value} is outside."] },
                title: "A query parameter is out of range.");
}
