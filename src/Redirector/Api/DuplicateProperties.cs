using System.Text.Json;

namespace Redirector.Api;

/// <summary>
/// A JSON body that gives a property twice (<c>{"url":"a","url":"b"}</c>) or twice in different cases
/// (<c>{"url":"a","URL":"b"}</c>, which name the same property since names match in any case) is refused with 400:
/// the last one would otherwise win silently. System.Text.Json refuses the body
/// (<see cref="JsonSerializerOptions.AllowDuplicateProperties"/> is off for the API) but names one spelling only;
/// this reads the buffered body again to name both, with their JSON path (<c>utm.source</c>, <c>rules[0].url</c>).
/// </summary>
public static class DuplicateProperties
{
    /// <summary>Bodies above this many bytes are not read again: the answer then names no property.</summary>
    private const int MaxBodyBytes = 1 << 20;

    /// <summary>A property given more than once in one object: its path (with the second spelling) and both spellings.</summary>
    public readonly record struct Duplicate(string Path, string First, string Second);

    /// <summary>
    /// Keeps the body of API requests with a JSON body readable again after binding (in memory up to 30 KB, then a
    /// temporary file, as <see cref="HttpRequestRewindExtensions.EnableBuffering(HttpRequest)"/> does), for
    /// <see cref="BodyAsync"/>.
    /// </summary>
    public static IApplicationBuilder UseApiBodyBuffering(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/api") && context.Request.HasJsonContentType())
                context.Request.EnableBuffering();
            return next(context);
        });

    /// <summary>The request's buffered body, read again for <see cref="Find"/> and for where it broke; null when it cannot be read again.</summary>
    public static async Task<byte[]?> BodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (!request.Body.CanSeek || request.Body.Length > MaxBodyBytes)
            return null;
        request.Body.Position = 0;
        using var copy = new MemoryStream();
        await request.Body.CopyToAsync(copy, ct);
        return copy.ToArray();
    }

    /// <summary>Every property given more than once in its object (names compared ignoring case), in body order.</summary>
    public static IReadOnlyList<Duplicate> Find(ReadOnlySpan<byte> json)
    {
        var found = new List<Duplicate>();
        var frames = new Stack<Frame>();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        var path = frames.TryPeek(out var parent) ? parent.NextPath() : "";
                        frames.Push(new Frame(path, reader.TokenType == JsonTokenType.StartObject));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        frames.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                        var frame = frames.Peek();
                        var name = reader.GetString()!;
                        if (!frame.Names!.TryAdd(name, name))
                            found.Add(new Duplicate(Join(frame.Path, name), frame.Names[name], name));
                        frame.Current = name;
                        break;
                    default:
                        if (frames.TryPeek(out var array) && !array.IsObject)
                            array.NextPath();
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // Broken JSON: what was found before the break is still worth naming; the rest is the binder's answer.
        }
        return found;
    }

    /// <summary>One answer for all duplicates: each under its path in <c>errors</c>, all of them in <c>detail</c>.</summary>
    public static HttpValidationProblemDetails Problem(IReadOnlyList<Duplicate> duplicates)
    {
        var problem = new HttpValidationProblemDetails
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The body gives a property more than once.",
        };
        foreach (var d in duplicates)
        {
            problem.Errors[d.Path] = [d.First == d.Second
                ? $"'{Cap(d.Path)}' is given more than once: send it once."
                : $"'{Cap(d.First)}' and '{Cap(d.Second)}' are the same property (names match in any case): send it once."];
        }
        problem.Detail = string.Join(" ", problem.Errors.Values.Select(e => e[0])) + " Nothing was changed.";
        return problem;
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;

    private static string Cap(string text) => text.Length > 64 ? text[..64] + "…" : text;

    private sealed class Frame(string path, bool isObject)
    {
        public string Path { get; } = path;
        public bool IsObject { get; } = isObject;
        public Dictionary<string, string>? Names { get; } = isObject ? new(StringComparer.OrdinalIgnoreCase) : null;
        public string Current { get; set; } = "";
        private int _index;

        /// <summary>The path of the value that comes next in this container (an array's counts it as read).</summary>
        public string NextPath() => IsObject ? Join(Path, Current) : $"{Path}[{_index++}]";
    }
}
