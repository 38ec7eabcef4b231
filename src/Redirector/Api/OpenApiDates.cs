using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Redirector.Api;

/// <summary>
/// Dates and times are JSON strings (ISO 8601), but the OpenAPI generator of ASP.NET Core 10 writes their schemas with
/// a <c>format</c> (<c>date-time</c>, <c>date</c>) and no <c>type</c>, which client generators read as "any value".
/// This schema transformer gives them <c>"type": "string"</c>, and <c>null</c> beside it for the nullable ones.
/// </summary>
public static class OpenApiDates
{
    public static Task TypeAsStringsAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(context);
        if (schema.Type is null && schema.Format is "date-time" or "date")
        {
            var type = context.JsonPropertyInfo?.PropertyType ?? context.JsonTypeInfo.Type;
            schema.Type = Nullable.GetUnderlyingType(type) is null ? JsonSchemaType.String : JsonSchemaType.String | JsonSchemaType.Null;
        }
        return Task.CompletedTask;
    }
}
