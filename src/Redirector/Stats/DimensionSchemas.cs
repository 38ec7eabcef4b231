using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Redirector.Clicks;

namespace Redirector.Stats;

/// <summary>
/// The OpenAPI schema transformer for the answers that write dimensions through <c>[JsonExtensionData]</c>: the
/// schema generator sees only their declared properties, so each dimension is added from the table the JSON itself
/// is written from (<see cref="Dimensions"/>), with its type and a description.
/// </summary>
public static class DimensionSchemas
{
    /// <summary>
    /// <see cref="RecentClickResponse"/> gains one optional string per dimension a click carries
    /// (<see cref="RecentClickResponse.Fields"/>); <see cref="StatsResponse"/> one required
    /// <c>[{"key", "clicks"}]</c> array per dimension with a <see cref="Dimension.JsonName"/>.
    /// </summary>
    public static async Task AddDimensionsAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(context);
        if (context.JsonPropertyInfo is not null)
            return;
        if (context.JsonTypeInfo.Type == typeof(RecentClickResponse))
        {
            schema.Properties ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
            foreach (var (dimension, name) in RecentClickResponse.Fields)
                schema.Properties[name] = new OpenApiSchema { Type = JsonSchemaType.String, Description = ClickFieldDescription(dimension, name) };
        }
        else if (context.JsonTypeInfo.Type == typeof(StatsResponse))
        {
            schema.Properties ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
            schema.Required ??= new HashSet<string>(StringComparer.Ordinal);
            foreach (var dimension in Dimensions.All)
            {
                if (dimension.JsonName is not { } name)
                    continue;
                var list = await context.GetOrCreateSchemaAsync(typeof(IReadOnlyList<KeyCount>), cancellationToken: ct);
                list.Description = BreakdownDescription(dimension);
                schema.Properties[name] = list;
                schema.Required.Add(name);
            }
        }
    }

    /// <summary>
    /// The query parameters an endpoint reads itself (declared with <c>AcceptQueryParameters</c>: the stats filters,
    /// <c>shortDomain</c>, <c>domain</c>, <c>timeZone</c>) become optional string parameters of its operation, so
    /// that a client generated from the document can filter (unknown parameters are refused, so it has no other way).
    /// </summary>
    public static Task AddFilterParametersAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        var declared = context.Description.ActionDescriptor.EndpointMetadata.OfType<Api.KnownQueryParameters.AcceptedQueryParameters>().SelectMany(a => a.Names);
        foreach (var name in declared.Distinct(StringComparer.Ordinal))
        {
            operation.Parameters ??= [];
            if (operation.Parameters.Any(p => p.Name == name))
                continue;
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = name,
                In = ParameterLocation.Query,
                Required = false,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                Description = ParameterDescription(name),
            });
        }
        return Task.CompletedTask;
    }

    private static string? ParameterDescription(string name) =>
        name switch
        {
            StatsSources.ShortDomainParameter => "Counts only the links of this short domain (a host; the default domain's host for it). Repeat for several.",
            StatsSources.DomainParameter => "The short domain of the slugs in the link filter (the default domain without it).",
            StatsSources.TimeZoneParameter => "An IANA time zone (e.g. Europe/Berlin) whose days and hours the answer counts in; UTC without it.",
            _ => Events.EventColumns.Dimensions.FirstOrDefault(c => Events.EventColumns.ParameterOf(c.Dimension) == name).Dimension is { } dimension
                ? $"Only events whose \"{dimension.Title}\" is this value (as the {name} field of /api/events has it). Repeat for any of several; \"!value\" excludes one."
                  + (dimension.KnownValues is { } known ? $" One of {string.Join(", ", known)}." : "")
                : null,
        };

    private static string ClickFieldDescription(Dimension dimension, string name) =>
        dimension == Dimensions.ReferrerDomain
            ? $"{dimension.Title}: the referrer's host without \"www.\", \"(direct)\" for a click without a referrer."
            : $"This click's value among \"{dimension.Title}\", as the {name} column and filter of /api/events have it; left out when the click has none.";

    private static string BreakdownDescription(Dimension dimension) =>
        $"{dimension.Title}: clicks per value" + (dimension.OnlyBots ? ", of bot requests alone." : dimension.CountsBots ? ", bot requests included." : ".");
}
