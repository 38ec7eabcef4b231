namespace Redirector.Api;

/// <summary>
/// Endpoints whose query string changes the numbers they answer (stats, raw events) or the link they act on (links)
/// refuse parameters they do not take, so that <c>?utm_source=x</c> or <c>?devicetype=mobile</c> is a 400 naming it,
/// not unfiltered numbers that look filtered, and <c>?domian=</c> never edits another domain's link. Names are matched exactly (case included): the filters are camel case like the JSON.
/// </summary>
public static class KnownQueryParameters
{
    /// <summary>
    /// Refuses, on every endpoint of <paramref name="builder"/>, query parameters other than
    /// <paramref name="shared"/> and the handler's own optional parameters (those with a default value, which this
    /// API binds from the query: <c>from</c>, <c>to</c>, <c>format</c>...). The 400 problem details name each unknown
    /// parameter (with "did you mean" when one is close) and list the accepted ones.
    /// </summary>
    public static TBuilder AcceptOnlyKnownQueryParameters<TBuilder>(this TBuilder builder, IEnumerable<string> shared)
        where TBuilder : IEndpointConventionBuilder
    {
        var sharedNames = shared.ToList();
        builder.AddEndpointFilterFactory((factory, next) =>
        {
            var accepted = new HashSet<string>(sharedNames, StringComparer.Ordinal);
            foreach (var parameter in factory.MethodInfo.GetParameters())
            {
                if (parameter.HasDefaultValue && parameter.Name is { } name)
                    accepted.Add(name);
            }
            var list = string.Join(", ", accepted.Order(StringComparer.Ordinal));
            return context =>
            {
                Dictionary<string, string[]>? errors = null;
                foreach (var name in context.HttpContext.Request.Query.Keys)
                {
                    if (accepted.Contains(name))
                        continue;
                    errors ??= new Dictionary<string, string[]>(StringComparer.Ordinal);
                    errors[name] = [$"'{Cap(name)}' is not a parameter of this endpoint{NearMiss.Hint(name, accepted)}."];
                }
                if (errors is null)
                    return next(context);
                return ValueTask.FromResult<object?>(TypedResults.ValidationProblem(errors,
                    title: "The query has parameters this endpoint does not know.",
                    detail: $"{string.Join(" ", errors.Values.Select(e => e[0]))} Accepted (names are case-sensitive): {list}."));
            };
        });
        return builder;
    }

    private static string Cap(string text) => text.Length > 64 ? text[..64] + "…" : text;
}
