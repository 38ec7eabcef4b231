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

    private static string ClickFieldDescription(Dimension dimension, string name) =>
        dimension == Dimensions.ReferrerDomain
            ? $"{dimension.Title}: the referrer's host without \"www.\", \"(direct)\" for a click without a referrer."
            : $"This click's value among \"{dimension.Title}\", as the {name} column and filter of /api/events have it; left out when the click has none.";

    private static string BreakdownDescription(Dimension dimension) =>
        $"{dimension.Title}: clicks per value" + (dimension.OnlyBots ? ", of bot requests alone." : dimension.CountsBots ? ", bot requests included." : ".");
}
