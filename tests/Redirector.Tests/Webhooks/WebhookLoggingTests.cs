using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Redirector.Tests.Infrastructure;
using Redirector.Webhooks;

namespace Redirector.Tests.Webhooks;

/// <summary>What the log says when a receiver cannot be reached: one line per failed attempt, no stack traces.</summary>
public sealed class WebhookLoggingTests
{
    [Fact]
    public async Task A_refused_connection_logs_one_warning_line_per_attempt_and_no_stack_trace()
    {
        var logs = new CapturingLoggerProvider();
        // A port nobody listens on: every request is refused, which the HTTP client reports as an exception.
        var url = $"http://127.0.0.1:{RedisServer.FreePort()}/hook";
        // The HTTP clients' categories at Information, as the service's own appsettings.json has them (tests default to Warning).
        await using var app = new RedirectorApplication(settings: WebhookDeliveryTests.FastSettings(new()
        {
            ["Webhooks:QuickRetries"] = "1",
            ["Logging:LogLevel:System.Net.Http"] = "Information",
        }))
        {
            ConfigureTestServices = services => services.AddSingleton<ILoggerProvider>(logs),
        };
        using var api = app.CreateApiClient();
        using (var created = await api.PostAsJsonAsync("/api/webhooks", new { url, events = new[] { WebhookEventTypes.LinkClicked } }))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await WebhookDeliveryTests.SubscribedAsync(app);
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "refused" });
        using (var visitor = app.CreateVisitorClient())
            (await Core.CountingTests.ClickAsync(visitor, "/refused", Core.Agents.ChromeWindows, null)).Dispose();
        await app.FlushClicksAsync();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Attempts(logs).Count < 2 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        var attempts = Attempts(logs);
        Assert.True(attempts.Count >= 2, $"{attempts.Count} failed attempts logged");
        Assert.All(attempts, a =>
        {
            Assert.Equal(LogLevel.Warning, a.Level);
            Assert.Null(a.Exception);
            Assert.DoesNotContain('\n', a.Message);
            Assert.Contains("HttpRequestException", a.Message, StringComparison.Ordinal);
        });
        // Nothing else about webhooks at Warning or above carries an exception (the HTTP client's per-try records did).
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Warning && e.Exception is not null);
        // Nor do the webhook HTTP clients log their requests (four lines each at Information, a stack trace per failed try).
        Assert.DoesNotContain(logs.Entries, e => e.Category.StartsWith("System.Net.Http.HttpClient.webhooks", StringComparison.Ordinal));
    }

    private static List<CapturingLoggerProvider.Entry> Attempts(CapturingLoggerProvider logs) =>
        [.. logs.Entries.Where(e => e.Category == typeof(WebhookDispatcher).FullName && e.Message.StartsWith("Webhook delivery to endpoint", StringComparison.Ordinal))];
}
