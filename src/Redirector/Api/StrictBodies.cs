using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Microsoft.Extensions.Options;
using Redirector.Links;
using Redirector.Text;

namespace Redirector.Api;

/// <summary>
/// Request bodies refuse properties they do not have, so that a typo (<c>"expires_at"</c>, <c>"maxClick"</c>) is a
/// 400 naming it rather than a change silently not made. Names match case-insensitively, as ASP.NET's web defaults
/// have always read them (<c>"ExpiresAt"</c> and <c>"expiresat"</c> are <c>expiresAt</c>); a name that matches no
/// property in any case is unknown. Every unknown property of a body, nested ones included (<c>utm.source_</c>,
/// <c>rules[0].when.device</c>), is listed in one answer.
/// <para>
/// A body type that a client may send back as it read it (a GET then PATCH round trip) names its response type
/// (<see cref="RoundTrips"/>): the response's properties that the body lacks (<c>shortUrl</c>, <c>createdAt</c>,
/// <c>version</c>...) are accepted and ignored; nothing else is.
/// </para>
/// <para>
/// How: a contract modifier gives each of the app's object types a System.Text.Json extension-data property that
/// keeps what matched nothing beside the object read (a weak table, so nothing is added to the types or kept after
/// the request), and an endpoint filter on every API group walks the bound body through the same contracts and
/// answers 400 when anything was kept.
/// </para>
/// </summary>
public sealed class StrictBodies(IReadOnlyDictionary<Type, Type> roundTrips)
{
    /// <summary>Unknown members of each object read from a body, by object.</summary>
    private static readonly ConditionalWeakTable<object, Dictionary<string, JsonElement>> Unknown = new();

    private static readonly Assembly[] OwnAssemblies = [typeof(StrictBodies).Assembly, typeof(Links.Link).Assembly];

    /// <summary>Body types a client may send back as it read them, each with the response type it read.</summary>
    public IReadOnlyDictionary<Type, Type> RoundTrips => roundTrips;

    /// <summary>The contract modifier: add it to the API's <see cref="JsonSerializerOptions.TypeInfoResolver"/>.</summary>
    public void Modify(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object || info.Type.IsValueType || !OwnAssemblies.Contains(info.Type.Assembly)
            || info.Properties.Any(p => p.IsExtensionData))
            return;
        if (roundTrips.TryGetValue(info.Type, out var response))
        {
            var own = info.Properties.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var property in response.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                var name = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name
                           ?? info.Options.PropertyNamingPolicy?.ConvertName(property.Name) ?? property.Name;
                if (property.GetIndexParameters().Length > 0 || property.IsDefined(typeof(JsonIgnoreAttribute)) || !own.Add(name))
                    continue;
                // Read and dropped; without a getter it is never written either.
                var readOnly = info.CreateJsonPropertyInfo(typeof(JsonElement), name);
                readOnly.Set = static (_, _) => { };
                info.Properties.Add(readOnly);
            }
        }
        var unknown = info.CreateJsonPropertyInfo(typeof(Dictionary<string, JsonElement>), "\u0000unknown");
        unknown.IsExtensionData = true;
        unknown.Get = static target => Unknown.TryGetValue(target, out var members) ? members : null;
        unknown.Set = static (target, members) => Unknown.AddOrUpdate(target, (Dictionary<string, JsonElement>)members!);
        info.Properties.Add(unknown);
    }

    /// <summary>
    /// The OpenAPI schema transformer, so that the document says what the API reads and answers: the response's
    /// properties a round-trip body accepts and ignores (<c>shortUrl</c>, <c>hasPassword</c>, <c>createdAt</c>...; they
    /// have no getter: see <see cref="Modify"/>) are <c>readOnly</c> in the body's schema, and so in the response's, so
    /// that a generated client does not offer them as something a PATCH changes; a body's property marked
    /// <see cref="WriteOnlyAttribute"/> (a password) is <c>writeOnly</c>: read, never answered.
    /// </summary>
    public Task MarkReadOnlyAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        if (context.JsonPropertyInfo is not null || schema.Properties is not { Count: > 0 } properties)
            return Task.CompletedTask;
        foreach (var property in context.JsonTypeInfo.Properties)
        {
            // The property reads any JSON (a JsonElement, a shared schema): it gets a schema of its own to say so. The
            // schema generator leaves out some of them (hasPassword, whose name a [JsonIgnore] HasPassword also has).
            if (property.Get is null && !property.IsExtensionData)
                properties[property.Name] = new OpenApiSchema { ReadOnly = true, Description = "Read-only: accepted (a GET sent back) and ignored." };
            else if (property.AttributeProvider?.IsDefined(typeof(WriteOnlyAttribute), inherit: true) == true && properties.TryGetValue(property.Name, out var own) && own is OpenApiSchema written)
                written.WriteOnly = true;
        }
        // The response of a round trip: what its body ignores is answered only.
        var body = roundTrips.FirstOrDefault(r => r.Value == context.JsonTypeInfo.Type).Key;
        if (body is not null)
        {
            var ignored = context.JsonTypeInfo.Options.GetTypeInfo(body).Properties.Where(p => p.Get is null && !p.IsExtensionData).Select(p => p.Name);
            foreach (var name in ignored)
            {
                if (properties.TryGetValue(name, out var answered) && answered is OpenApiSchema readOnly)
                    readOnly.ReadOnly = true;
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// The endpoint filter: 400 problem details when the endpoint's JSON body (<see cref="IAcceptsMetadata.RequestType"/>)
    /// held unknown properties, each under its path in <c>errors</c>, all of them in <c>detail</c>.
    /// </summary>
    public static async ValueTask<object?> RefuseUnknownAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType is { } bodyType
            && context.Arguments.FirstOrDefault(a => a?.GetType() == bodyType) is { } body)
        {
            var options = http.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
            var found = new List<(string Path, string Hint)>();
            Collect(options.GetTypeInfo(bodyType), body, "", found);
            if (found.Count > 0)
            {
                var errors = found.ToDictionary(f => f.Path, f => new[] { $"'{f.Path}' is not a property of this request{f.Hint}." });
                var names = string.Join(", ", found.Select(f => $"'{f.Path}'{f.Hint}"));
                return TypedResults.ValidationProblem(errors, title: "The body has properties this endpoint does not know.",
                    detail: $"Unknown: {names}. Nothing was changed; property names are in camel case (docs: README, API).");
            }
        }
        return await next(context);
    }

    private static void Collect(JsonTypeInfo info, object value, string path, List<(string Path, string Hint)> found)
    {
        if (info.Kind == JsonTypeInfoKind.Object)
        {
            if (Unknown.TryGetValue(value, out var members))
            {
                // Only properties with a getter are the type's own: the round trip's read-only ones have none.
                var known = info.Properties.Where(p => p.Get is not null && !p.IsExtensionData).Select(p => p.Name).ToList();
                foreach (var name in members.Keys)
                    found.Add((Join(path, name), NearMiss.Hint(name, known)));
            }
            foreach (var property in info.Properties)
            {
                if (property.Get is not null && !property.IsExtensionData && property.Get(value) is { } child)
                    Collect(info.Options.GetTypeInfo(property.PropertyType), child, Join(path, property.Name), found);
            }
        }
        else if (info.Kind == JsonTypeInfoKind.Enumerable && info.ElementType is { } elementType && value is IEnumerable items)
        {
            var elementInfo = info.Options.GetTypeInfo(elementType);
            var index = 0;
            foreach (var item in items)
            {
                if (item is not null)
                    Collect(elementInfo, item, $"{path}[{index}]", found);
                index++;
            }
        }
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;
}
