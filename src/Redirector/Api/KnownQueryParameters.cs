using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Redirector.Text;

namespace Redirector.Api;

/// <summary>
/// Every API endpoint refuses query parameters it does not take, so that <c>?utm_source=x</c> on stats is a 400
/// naming it, not unfiltered numbers that look filtered, <c>?domian=</c> never edits another domain's link, and
/// <c>?fromat=png</c> on a QR code is not silently the default PNG. Names are matched exactly (case included): they
/// are camel case like the JSON.
/// <para>
/// An endpoint takes its handler's optional parameters (those with a default value, which this API binds from the
/// query: <c>from</c>, <c>to</c>, <c>domain</c>, <c>limit</c>...), the members of an <c>[AsParameters]</c> type
/// (<c>format</c>, <c>size</c>... of the QR code), parameters marked <c>[FromQuery]</c>, and the names it declares
/// with <see cref="AcceptQueryParameters{TBuilder}"/> (filters the handler reads from the query itself).
/// </para>
/// </summary>
public static class KnownQueryParameters
{
    /// <summary>Names an endpoint reads from the query itself, beyond its handler's parameters.</summary>
    public sealed record AcceptedQueryParameters(IReadOnlyList<string> Names);

    /// <summary>Declares query parameters that the endpoints of <paramref name="builder"/> read themselves (stats filters).</summary>
    public static TBuilder AcceptQueryParameters<TBuilder>(this TBuilder builder, IEnumerable<string> names)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AcceptedQueryParameters([.. names]));

    /// <summary>
    /// Refuses, on every endpoint of <paramref name="builder"/>, query parameters the endpoint does not take (see the
    /// type's summary). The 400 problem details name each unknown parameter (with "did you mean" when one is close)
    /// and list the accepted ones.
    /// </summary>
    public static TBuilder RefuseUnknownQueryParameters<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilterFactory((factory, next) =>
        {
            var own = OwnParameters(factory.MethodInfo);
            // The declared names are endpoint metadata, read at the first request (the factory does not see metadata).
            (HashSet<string> Names, string List)? accepted = null;
            return context =>
            {
                var query = context.HttpContext.Request.Query;
                if (query.Count == 0)
                    return next(context);
                accepted ??= Accepted(own, context.HttpContext.GetEndpoint());
                var (names, list) = accepted.Value;
                Dictionary<string, string[]>? errors = null;
                foreach (var name in query.Keys)
                {
                    if (names.Contains(name))
                        continue;
                    errors ??= new Dictionary<string, string[]>(StringComparer.Ordinal);
                    errors[name] = [$"'{Cap(name)}' is not a parameter of this endpoint{NearMiss.Hint(name, names)}."];
                }
                if (errors is null)
                    return next(context);
                return ValueTask.FromResult<object?>(TypedResults.ValidationProblem(errors,
                    title: "The query has parameters this endpoint does not know.",
                    detail: $"{string.Join(" ", errors.Values.Select(e => e[0]))} Accepted (names are case-sensitive): {(list.Length == 0 ? "none" : list)}."));
            };
        });
        return builder;
    }

    private static (HashSet<string> Names, string List) Accepted(IReadOnlyList<string> own, Endpoint? endpoint)
    {
        var names = new HashSet<string>(own, StringComparer.Ordinal);
        foreach (var declared in endpoint?.Metadata.GetOrderedMetadata<AcceptedQueryParameters>() ?? [])
            names.UnionWith(declared.Names);
        return (names, string.Join(", ", names.Order(StringComparer.Ordinal)));
    }

    private static List<string> OwnParameters(MethodInfo handler)
    {
        var names = new List<string>();
        foreach (var parameter in handler.GetParameters())
        {
            if (parameter.GetCustomAttribute<FromQueryAttribute>() is { } fromQuery)
                names.Add(fromQuery.Name ?? parameter.Name!);
            else if (parameter.IsDefined(typeof(AsParametersAttribute)))
                names.AddRange(MembersOf(parameter.ParameterType));
            else if (parameter.HasDefaultValue && parameter.Name is { } name && !IsBoundElsewhere(parameter))
                names.Add(name);
        }
        return names;
    }

    // Minimal APIs bind an [AsParameters] type through its constructor's parameters when it has one, else its
    // settable properties; query matching ignores case, this filter does not, so the names are the camel case ones.
    private static IEnumerable<string> MembersOf(Type type)
    {
        var constructor = type.GetConstructors().MaxBy(c => c.GetParameters().Length);
        IEnumerable<(string Name, ICustomAttributeProvider Member)> members = constructor?.GetParameters() is { Length: > 0 } parameters
            ? parameters.Select(p => (p.Name!, (ICustomAttributeProvider)p))
            : type.GetProperties().Where(p => p.CanWrite).Select(p => (p.Name, (ICustomAttributeProvider)p));
        return members.Where(m => !IsBoundElsewhere(m.Member)).Select(m => JsonNamingPolicy.CamelCase.ConvertName(m.Name));
    }

    private static bool IsBoundElsewhere(ICustomAttributeProvider member) =>
        member.GetCustomAttributes(true).Any(a => a is IFromServiceMetadata or IFromHeaderMetadata or IFromRouteMetadata or IFromBodyMetadata or IFromFormMetadata);

    private static string Cap(string text) => text.Length > 64 ? text[..64] + "…" : text;
}
