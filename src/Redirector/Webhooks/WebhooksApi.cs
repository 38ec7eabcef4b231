using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Redirector.Api;

namespace Redirector.Webhooks;

/// <summary>An endpoint as the API shows it; the secret is never in it (see <see cref="WebhookSecretResponse"/>).</summary>
/// <param name="DisabledReason">Why the service disabled it after failing too long; null when enabled or disabled by a person.</param>
public sealed record WebhookResponse(
    long Id, string Url, IReadOnlyList<string> Events, WebhookLinkFilter LinkFilter, int BatchSize, bool Enabled, string? DisabledReason,
    DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>The answer to a create or a rotation: the endpoint and its signing secret, shown this once.</summary>
public sealed record WebhookSecretResponse(WebhookResponse Webhook, string Secret);

/// <summary>
/// An endpoint's latest deliveries on the node that answers (each node delivers its own clicks): queued events and
/// requests sent from the spool; <see cref="Pending"/> counts events not delivered yet.
/// </summary>
public sealed record WebhookDeliveriesResponse(long Pending, IReadOnlyList<WebhookDelivery> Items);

/// <summary>/api/webhooks: endpoints that receive link.clicked, link.created, link.updated and link.deleted events (docs/webhooks.md).</summary>
public static class WebhooksApi
{
    public static RouteGroupBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        // Endpoints carry signing secrets and send click data out: an administrator's key only.
        var group = app.MapApiGroup("/api/webhooks", "Webhooks").RequireAuthorization(ApiServices.ApiAdministratorPolicy);

        group.MapPost("/", CreateWebhook);
        group.MapGet("/", ListWebhooks);
        group.MapGet("/{id:long}", GetWebhook);
        group.MapPatch("/{id:long}", UpdateWebhook);
        group.MapDelete("/{id:long}", DeleteWebhook);
        group.MapPost("/{id:long}/secret", RotateSecret);
        group.MapGet("/{id:long}/deliveries", ListDeliveries);
        return group;
    }

    public static async Task<Results<Created<WebhookSecretResponse>, ValidationProblem>> CreateWebhook(
        CreateWebhookRequest request, WebhookCatalog catalog, CancellationToken ct)
    {
        var outcome = await catalog.CreateAsync(request, ct);
        return outcome.Kind == WebhookOutcomeKind.Saved
            ? TypedResults.Created($"/api/webhooks/{outcome.Endpoint!.Id}", new WebhookSecretResponse(ToResponse(outcome.Endpoint), outcome.Secret!))
            : TypedResults.ValidationProblem(outcome.Errors!, title: "The webhook is not valid.");
    }

    public static async Task<Ok<List<WebhookResponse>>> ListWebhooks(WebhookCatalog catalog, CancellationToken ct) =>
        TypedResults.Ok((await catalog.ListAsync(ct)).Select(ToResponse).ToList());

    public static async Task<Results<Ok<WebhookResponse>, NotFound<ProblemDetails>>> GetWebhook(long id, WebhookCatalog catalog, CancellationToken ct) =>
        await catalog.FindAsync(id, ct) is { } endpoint ? TypedResults.Ok(ToResponse(endpoint)) : TypedResults.NotFound(Unknown(id));

    /// <summary>Changes the properties given; <c>{"enabled": false}</c> disables the endpoint, <c>true</c> enables it again.</summary>
    public static async Task<Results<Ok<WebhookResponse>, NotFound<ProblemDetails>, ValidationProblem>> UpdateWebhook(
        long id, UpdateWebhookRequest request, WebhookCatalog catalog, CancellationToken ct)
    {
        var outcome = await catalog.UpdateAsync(id, request, ct);
        return outcome.Kind switch
        {
            WebhookOutcomeKind.Saved => TypedResults.Ok(ToResponse(outcome.Endpoint!)),
            WebhookOutcomeKind.NotFound => TypedResults.NotFound(Unknown(id)),
            _ => TypedResults.ValidationProblem(outcome.Errors!, title: "The change is not valid."),
        };
    }

    public static async Task<Results<NoContent, NotFound<ProblemDetails>>> DeleteWebhook(long id, WebhookCatalog catalog, CancellationToken ct) =>
        await catalog.DeleteAsync(id, ct) ? TypedResults.NoContent() : TypedResults.NotFound(Unknown(id));

    /// <summary>Makes a new signing secret, answered once; requests are signed with it from the next poll (about a second) on.</summary>
    public static async Task<Results<Ok<WebhookSecretResponse>, NotFound<ProblemDetails>>> RotateSecret(long id, WebhookCatalog catalog, CancellationToken ct)
    {
        var outcome = await catalog.RotateSecretAsync(id, ct);
        return outcome.Kind == WebhookOutcomeKind.Saved
            ? TypedResults.Ok(new WebhookSecretResponse(ToResponse(outcome.Endpoint!), outcome.Secret!))
            : TypedResults.NotFound(Unknown(id));
    }

    /// <summary>The endpoint's latest deliveries (newest first, 1 to 200; default 50) with the events each carried, their attempts, status and last error.</summary>
    public static async Task<Results<Ok<WebhookDeliveriesResponse>, NotFound<ProblemDetails>, ValidationProblem>> ListDeliveries(
        long id, WebhookCatalog catalog, WebhookQueue queue, CancellationToken ct, int limit = 50)
    {
        if (QueryRanges.Outside("limit", limit, 1, 200) is { } outside)
            return outside;
        if (await catalog.FindAsync(id, ct) is null)
            return TypedResults.NotFound(Unknown(id));
        return TypedResults.Ok(new WebhookDeliveriesResponse(queue.Pending(id), queue.Recent(id, limit)));
    }

    public static WebhookResponse ToResponse(WebhookEndpoint e) => new(
        e.Id, e.Url, e.Events, new WebhookLinkFilter(e.FilterTags, e.FilterDomains, e.FilterLinks), e.BatchSize, e.Enabled, e.DisabledReason,
        e.CreatedAt, e.UpdatedAt);

    private static ProblemDetails Unknown(long id) => new()
    {
        Status = StatusCodes.Status404NotFound,
        Title = "No webhook has this id.",
        Detail = $"{id} is not a webhook endpoint.",
    };
}
