using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace Redirector.Webhooks;

/// <summary>
/// Connects webhook requests only to addresses that <see cref="WebhookRules.IsPublic"/> allows (unless
/// <see cref="WebhookOptions.AllowPrivateAddresses"/>): the host is resolved once, here, and the socket connects to
/// the address that was checked, so a name that resolves to a public address for a check and to a private one for the
/// connection (DNS rebinding) gets nowhere.
/// </summary>
public sealed class WebhookConnector(IOptions<WebhookOptions> options)
{
    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/>.</summary>
    /// <exception cref="HttpRequestException">No allowed address, or none answered.</exception>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host.Trim('[', ']');
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        var allowed = options.Value.AllowPrivateAddresses ? addresses : [.. addresses.Where(WebhookRules.IsPublic)];
        if (allowed.Length == 0)
            throw new HttpRequestException($"{host} resolves to no public address; loopback, private and link-local addresses are refused (Webhooks:AllowPrivateAddresses).");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>What one request of events came to: delivered when <see cref="Error"/> is null.</summary>
/// <param name="RequestId">Its webhook-id (<see cref="WebhookSender.RequestId"/>).</param>
/// <param name="Status">The HTTP status, null when no answer came.</param>
public sealed record WebhookAttempt(string RequestId, int? Status, string? Error);

/// <summary>
/// Sends events to an endpoint, signed the Standard Webhooks way: one event per request as its
/// {"type","timestamp","data"} object with the event id in webhook-id, or, for an endpoint with a batch size above 1,
/// a JSON array of such objects each carrying its "id", under a webhook-id made from the ids it holds. Any 2xx
/// delivers; redirects are not followed. At most <see cref="MaxErrorBodyBytes"/> of an answer are read.
/// </summary>
public sealed partial class WebhookSender(IHttpClientFactory clients, TimeProvider time, ILogger<WebhookSender> logger)
{
    public const string ClientName = "webhooks";
    public const int MaxErrorBodyBytes = 512;

    /// <summary>The spool consumer's client: one try of <see cref="WebhookOptions.DirectTimeout"/>.</summary>
    public const string DirectClientName = "webhooks-direct";

    /// <summary>
    /// The request's webhook-id: the event's own id for one event sent alone; for a batch, "batch_" and 32 hex digits
    /// of the SHA-256 of its event ids, stable across retries of the same events so a receiver can dedupe whole batches.
    /// </summary>
    public static string RequestId(WebhookSubscription endpoint, IReadOnlyList<QueuedEvent> events) =>
        endpoint.BatchSize <= 1 && events.Count == 1
            ? events[0].EventId
            : "batch_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join(' ', events.Select(e => e.EventId)))))[..32];

    /// <summary>Sends the events in one request, through the worker's client or, when <paramref name="direct"/>, the spool consumer's.</summary>
    public async Task<WebhookAttempt> SendAsync(WebhookSubscription endpoint, IReadOnlyList<QueuedEvent> events, bool direct, CancellationToken ct)
    {
        var id = RequestId(endpoint, events);
        var bytes = endpoint.BatchSize <= 1 && events.Count == 1 ? Encoding.UTF8.GetBytes(events[0].Payload) : BatchBody(events);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(WebhookSignature.IdHeader, id);
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(endpoint.Key, id, timestamp, bytes));
        try
        {
            using var response = await clients.CreateClient(direct ? DirectClientName : ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
                return new WebhookAttempt(id, status, null);
            return new WebhookAttempt(id, status, $"HTTP {status} {await StartOfAsync(response, ct)}".TrimEnd());
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            // Refused, reset, timed out: the receiver's side, told in one line by the dispatcher. Anything else is ours.
            if (ex is not (HttpRequestException or TimeoutRejectedException or OperationCanceledException or IOException))
                LogUnexpected(logger, endpoint.Id, ex);
            return new WebhookAttempt(id, null, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook request to endpoint {Endpoint} failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, long endpoint, Exception exception);

    /// <summary>[{"id":"…",<the payload's members>},…]: each payload's object with its event id as the first member.</summary>
    private static byte[] BatchBody(IReadOnlyList<QueuedEvent> events)
    {
        var body = new ArrayBufferWriter<byte>(events.Sum(e => e.Payload.Length + e.EventId.Length + 10) + 2);
        Write(body, "[");
        for (var i = 0; i < events.Count; i++)
        {
            Write(body, i == 0 ? "{\"id\":\"" : ",{\"id\":\"");
            // Event ids are made here (clk_<node>_<sequence>_<index>, or the outbox's), never with characters JSON escapes.
            Write(body, events[i].EventId);
            Write(body, "\",");
            Write(body, events[i].Payload.AsSpan(1));
        }
        Write(body, "]");
        return body.WrittenSpan.ToArray();
    }

    private static void Write(ArrayBufferWriter<byte> body, ReadOnlySpan<char> text) =>
        body.Advance(Encoding.UTF8.GetBytes(text, body.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length))));

    private static async Task<string> StartOfAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var buffer = new byte[MaxErrorBodyBytes];
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var read = 0;
        while (read < buffer.Length && await stream.ReadAsync(buffer.AsMemory(read), ct) is > 0 and var n)
            read += n;
        return Encoding.UTF8.GetString(buffer, 0, read);
    }
}
