using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Redirector.Tests.Infrastructure;
using Redirector.Webhooks;

namespace Redirector.Tests.Webhooks;

/// <summary>One event as a receiver got it, with whether its request's signature verified.</summary>
public sealed record ReceivedEvent(string Id, string Type, JsonElement Data, string Raw, bool Verified, DateTime ReceivedAt);

/// <summary>
/// A real webhook receiver: Kestrel on a loopback port that verifies every request's Standard Webhooks signature
/// with the secret it is given, records each event, and can answer 500 for a while or hang, as broken receivers do.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    public WebhookReceiver()
    {
        var port = RedisServer.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        _app = builder.Build();
        _app.MapPost("/hook", HandleAsync);
        _app.StartAsync().GetAwaiter().GetResult();
        Url = $"http://127.0.0.1:{port}/hook";
    }

    public string Url { get; }

    /// <summary>The key of the endpoint's secret; requests before it is set count as unverified.</summary>
    public byte[]? Key { get; set; }

    /// <summary>Answer 500 to every request until then.</summary>
    public DateTime FailUntil { get; set; }

    /// <summary>
    /// Answer 500 for this long from the first request on: a receiver that is down when the first events come,
    /// however long the node took to send them (on a loaded machine, longer than a fixed deadline).
    /// </summary>
    public TimeSpan FailFirst { get; set; }

    /// <summary>Take this long before answering (a slow receiver).</summary>
    public TimeSpan Delay { get; set; }

    public ConcurrentQueue<ReceivedEvent> Events { get; } = new();

    public int Requests => _requests;

    public int FailedRequests => _failed;

    /// <summary>Bodies of batch requests: how many events each held.</summary>
    public ConcurrentQueue<int> BatchSizes { get; } = new();

    private int _requests;
    private int _failed;

    public IReadOnlyCollection<string> DistinctIds => Events.Select(e => e.Id).ToHashSet();

    public async Task WaitForAsync(Func<WebhookReceiver, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done(this))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what}: {DistinctIds.Count} distinct events after {timeout.TotalSeconds} s ({Requests} requests, {FailedRequests} failed)");
            await Task.Delay(50);
        }
    }

    public static async Task<long> CreateEndpointAsync(HttpClient api, WebhookReceiver receiver, object? extra = null)
    {
        var body = JsonSerializer.SerializeToElement(extra ?? new { });
        var request = new Dictionary<string, object?> { ["url"] = receiver.Url, ["events"] = WebhookEventTypes.All };
        foreach (var property in body.EnumerateObject())
            request[property.Name] = property.Value;
        using var response = await api.PostAsJsonAsync("/api/webhooks", request);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        receiver.Key = WebhookSignature.KeyOf(created.GetProperty("secret").GetString()!);
        return created.GetProperty("webhook").GetProperty("id").GetInt64();
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (Interlocked.Increment(ref _requests) == 1 && FailFirst > TimeSpan.Zero)
            FailUntil = DateTime.UtcNow + FailFirst;
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        if (Delay > TimeSpan.Zero)
            await Task.Delay(Delay, context.RequestAborted);
        if (DateTime.UtcNow < FailUntil)
        {
            Interlocked.Increment(ref _failed);
            context.Response.StatusCode = 500;
            await context.Response.WriteAsync("receiver is down");
            return;
        }
        var body = buffer.ToArray();
        var headers = context.Request.Headers;
        var id = headers[WebhookSignature.IdHeader].ToString();
        var verified = Key is { } key && WebhookSignature.Verify(key, id, headers[WebhookSignature.TimestampHeader].ToString(),
            headers[WebhookSignature.SignatureHeader].ToString(), body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
        using var json = JsonDocument.Parse(body);
        var now = DateTime.UtcNow;
        if (json.RootElement.ValueKind == JsonValueKind.Array)
        {
            BatchSizes.Enqueue(json.RootElement.GetArrayLength());
            foreach (var item in json.RootElement.EnumerateArray())
                Events.Enqueue(Read(item.GetProperty("id").GetString()!, item, verified, now));
        }
        else
        {
            Events.Enqueue(Read(id, json.RootElement, verified, now));
        }
        context.Response.StatusCode = 204;
    }

    private static ReceivedEvent Read(string id, JsonElement item, bool verified, DateTime now) =>
        new(id, item.GetProperty("type").GetString()!, item.GetProperty("data").Clone(), item.GetRawText(), verified, now);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
