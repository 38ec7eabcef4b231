using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Redirector.Clicks;
using Redirector.Catalog;
using Redirector.Links;

namespace Redirector.Health;

/// <summary>/healthz: the process serves. /readyz: the catalogue answers (else 503) and the state of analytics.</summary>
public static class HealthEndpoints
{
    public static IHostApplicationBuilder AddHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck<CatalogHealthCheck>("catalog", tags: ["ready"])
            .AddCheck<AnalyticsHealthCheck>("analytics", tags: ["ready"]);
        return builder;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).ShortCircuit();
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            // Redirects keep working without Redis, so a node with degraded analytics still takes traffic.
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
            ResponseWriter = WriteReport,
        }).ShortCircuit();
        return app;
    }

    private static Task WriteReport(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        var body = new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString().ToLowerInvariant(), description = e.Value.Description, data = e.Value.Data }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, JsonSerializerOptions.Web));
    }
}

/// <summary>
/// Whether the catalogue answers, with the link cache's state: links held (not the catalogue's size) and its capacity,
/// unknown slugs remembered, whether the filter of existing slugs is built, evictions and the catalogue queries misses
/// made since start (a counter: its rate is the catalogue load that redirects cause).
/// </summary>
internal sealed class CatalogHealthCheck(IDbContextFactory<CatalogDb> dbFactory, LinkCache cache, LinkCacheLookup lookup) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["cachedLinks"] = cache.Count,
            ["cacheCapacity"] = cache.Capacity,
            ["unknownSlugs"] = cache.UnknownCount,
            ["filterReady"] = cache.FilterReady,
            ["evictedLinks"] = cache.Evictions,
            ["catalogueLookups"] = lookup.Queries,
        };
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            return await db.Database.CanConnectAsync(cancellationToken)
                ? HealthCheckResult.Healthy("The catalogue answers.", data)
                : HealthCheckResult.Unhealthy("The catalogue does not answer.", data: data);
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("The catalogue does not answer.", ex, data);
        }
    }
}

internal sealed class AnalyticsHealthCheck(RedisConnection redis, ClickPipeline pipeline, ClickQueue queue, IEnumerable<SpoolConsumer> consumers) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["redisConnected"] = redis.IsConnected,
            ["queuedClicks"] = queue.Count,
            ["spooledBatches"] = pipeline.SpooledBatches,
            ["spooledBytes"] = pipeline.SpooledBytes,
            ["droppedClicks"] = pipeline.DroppedClicks,
            ["appliedClicks"] = pipeline.AppliedClicks,
            // Every other reader of the spool: its lag in batches and, while it cannot apply one, its last error.
            ["consumers"] = consumers.ToDictionary(c => c.Name, c => new { pendingBatches = c.PendingBatches, failing = c.Failing, lastError = c.LastError }),
        };
        var failing = consumers.Where(c => c.Failing).Select(c => c.Name).ToList();
        var trouble = !redis.IsConnected ? "Redis is not reachable: clicks are spooled and replayed when it returns."
            : pipeline.RedisFailing ? "Redis does not answer in time (Analytics:ApplyTimeout): clicks are spooled and replayed when it does."
            : pipeline.CountingBehind ? "Replaying spooled clicks."
            : pipeline.DroppedClicks > 0 ? "Some clicks were dropped because the queue or the spool was full."
            : failing.Count > 0 ? $"Spool consumer {string.Join(", ", failing)} cannot apply batches: they wait in the spool."
            : null;
        return Task.FromResult(trouble is null ? HealthCheckResult.Healthy("Counting.", data) : HealthCheckResult.Degraded(trouble, data: data));
    }
}
