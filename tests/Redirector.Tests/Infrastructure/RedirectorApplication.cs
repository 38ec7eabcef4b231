using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Redirector.Clicks;
using Redirector.Links;

namespace Redirector.Tests.Infrastructure;

/// <summary>
/// The whole service for one test: its own SQLite file and data directory, its own redis-server, real HTTP.
/// Nothing is shared between tests.
/// </summary>
public sealed class RedirectorApplication : WebApplicationFactory<Program>
{
    public const string ApiKey = "test-api-key-0123456789abcdef";

    private readonly Dictionary<string, string?> _settings;
    private Uri? _kestrelAddress;

    public RedirectorApplication(RedisServer? redis = null, IDictionary<string, string?>? settings = null, string? dataDirectory = null)
    {
        Redis = redis ?? new RedisServer();
        OwnsRedis = redis is null;
        OwnsDataDirectory = dataDirectory is null;
        DataDirectory = dataDirectory ?? Directory.CreateTempSubdirectory("redirector-test-").FullName;
        _settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Catalog"] = $"Data Source={Path.Combine(DataDirectory, "catalog.db")}",
            ["ConnectionStrings:Redis"] = Redis.ConnectionString,
            ["Analytics:DataDirectory"] = DataDirectory,
            ["Api:InitialKey"] = ApiKey,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Warning",
            // Tests wait for the warmed cache and the slug filter; the delay that spares a real node's first seconds
            // has its own test (LinkCacheTests).
            ["Catalog:Cache:WarmDelay"] = "00:00:00",
            // On cores kept busy by the other tests, a consumer at idle priority would wait for them up to a minute
            // before it catches up; tests wait for the event store and webhooks. SpoolConsumerTests covers the policy.
            ["Analytics:IdlePriorityLag"] = "00:00:00",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            _settings[key] = value;
    }

    public RedisServer Redis { get; }

    public string DataDirectory { get; }

    private bool OwnsRedis { get; }

    private bool OwnsDataDirectory { get; }

    /// <summary>Extra services for one test, e.g. an <c>IStartupFilter</c> serving a page on the service's own origin.</summary>
    public Action<IServiceCollection>? ConfigureTestServices { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
            builder.UseSetting(key, value);
        builder.UseEnvironment("Testing");
        if (ConfigureTestServices is { } configure)
            builder.ConfigureServices(configure);
    }

    /// <summary>Serves on a real loopback port (for browsers and socket-level tests) and returns its address.</summary>
    public Uri StartKestrel()
    {
        var port = RedisServer.FreePort();
        var address = new Uri($"http://127.0.0.1:{port}");
        UseKestrel(port);
        ClientOptions.BaseAddress = address;
        _kestrelAddress = address;
        StartServer();
        return address;
    }

    /// <summary>A client that does not follow redirects, so tests see the 302 itself.</summary>
    public HttpClient CreateVisitorClient() => CreateNonRedirectingClient();

    public HttpClient CreateApiClient(string? key = ApiKey)
    {
        var client = CreateNonRedirectingClient();
        if (key is not null)
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    // On a real port the factory's client sits on a socket handler that follows redirects whatever the options
    // say, so tests build their own; in memory, the factory's client is the way in.
    private HttpClient CreateNonRedirectingClient() => _kestrelAddress is { } address
        ? new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = address }
        : CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    /// <summary>
    /// Creates a link (<paramref name="request"/>'s properties) that expires two seconds later, and waits until it has:
    /// the API refuses an expiry in the past, so an expired link is one that was alive when it was saved.
    /// </summary>
    public async Task<LinkResponse> CreateExpiredLinkAsync(object request)
    {
        var body = JsonSerializer.SerializeToNode(request, JsonSerializerOptions.Web)!.AsObject();
        var expiry = DateTimeOffset.UtcNow.AddSeconds(2);
        body["expiresAt"] = expiry;
        var link = await CreateLinkAsync(body);
        if (expiry - DateTimeOffset.UtcNow is { Ticks: > 0 } left)
            await Task.Delay(left + TimeSpan.FromMilliseconds(20));
        return link;
    }

    public async Task<LinkResponse> CreateLinkAsync(object request)
    {
        using var client = CreateApiClient();
        using var response = await client.PostAsJsonAsync("/api/links", request);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"Creating a link failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<LinkResponse>())!;
    }

    /// <summary>Waits until the service's Redis connection is up (it connects in the background).</summary>
    public async Task RedisReadyAsync()
    {
        var redis = Services.GetRequiredService<Redirector.Clicks.RedisConnection>();
        await redis.WhenCreated;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!redis.IsConnected && DateTime.UtcNow < deadline)
            await Task.Delay(50);
    }

    /// <summary>Waits until every click answered so far is in Redis or the spool.</summary>
    public Task FlushClicksAsync() => Services.GetRequiredService<ClickQueue>().FlushAsync();

    /// <summary>Waits until the spool is empty, i.e. every click reached Redis.</summary>
    public async Task WaitForSpoolDrainedAsync(TimeSpan? timeout = null)
    {
        var pipeline = Services.GetRequiredService<ClickPipeline>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            await FlushClicksAsync();
            if (pipeline.SpooledBatches == 0)
                return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{pipeline.SpooledBatches} batches still in the spool");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until every click answered so far is in the event store as well as in Redis.</summary>
    public async Task WaitForEventsAsync(TimeSpan? timeout = null)
    {
        await WaitForSpoolDrainedAsync(timeout);
        var events = Services.GetRequiredService<Redirector.Events.EventStoreConsumer>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (events.PendingBatches > 0)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{events.PendingBatches} batches not yet in the event store ({events.LastError})");
            await Task.Delay(20);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (OwnsRedis)
            Redis.Dispose();
        if (!OwnsDataDirectory)
            return;
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
