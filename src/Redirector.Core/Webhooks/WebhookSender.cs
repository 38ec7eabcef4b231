using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

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
/// <param name="Status">The HTTP status, null when no answer came.</param>
public sealed record WebhookAttempt(int? Status, string? Error);

/// <summary>
/// Sends events to an endpoint, signed the Standard Webhooks way: one event per request as its
/// {"type","timestamp","data"} object with the event id in webhook-id, or, for an endpoint with a batch size above 1,
/// a JSON array of such objects each carrying its "id", under a webhook-id made from the ids it holds. Any 2xx
/// delivers; redirects are not followed. At most <see cref="MaxErrorBodyBytes"/> of an answer are read.
/// </summary>
public sealed class WebhookSender(IHttpClientFactory clients, TimeProvider time)
{
    public const string ClientName = "webhooks";
    public const int MaxErrorBodyBytes = 512;

    public async Task<WebhookAttempt> SendAsync(WebhookSubscription endpoint, IReadOnlyList<WebhookDelivery> events, CancellationToken ct)
    {
        string id;
        string body;
        if (endpoint.BatchSize <= 1 && events.Count == 1)
        {
            id = events[0].EventId;
            body = events[0].Payload;
        }
        else
        {
            // Stable across retries of the same events, so a receiver can dedupe whole batches too.
            id = "batch_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join(' ', events.Select(e => e.EventId)))))[..32];
            body = "[" + string.Join(',', events.Select(e => $"{{\"id\":\"{e.EventId}\",{e.Payload[1..]}")) + "]";
        }
        var bytes = Encoding.UTF8.GetBytes(body);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(WebhookSignature.IdHeader, id);
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(endpoint.Key, id, timestamp, bytes));
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
                return new WebhookAttempt(status, null);
            return new WebhookAttempt(status, $"HTTP {status} {await StartOfAsync(response, ct)}".TrimEnd());
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            return new WebhookAttempt(null, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

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
