using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Redirector.Catalog;
using Redirector.Clicks;

namespace Redirector.Webhooks;

/// <summary>
/// The spool consumer "webhooks": turns each counted click of a batch into a link.clicked event and queues it for
/// every endpoint that wants it (<see cref="WebhookQueue"/>), then lets the spool move on; sending happens in
/// <see cref="WebhookDispatcher"/>'s workers. An event's id is "clk_{node}_{sequence}_{index}", the click's place in
/// its batch, so a batch replayed after a crash makes the same ids and the queue keeps one row each.
/// </summary>
public sealed class WebhookClickConsumer(
    ClickSpool spool, IOptions<AnalyticsOptions> options, TimeProvider time, ILogger<WebhookClickConsumer> logger,
    WebhookSubscriptions subscriptions, WebhookQueue queue, IDbContextFactory<CatalogDb> catalog, Links.ShortUrls urls, Sites.SiteCache sites)
    : SpoolConsumer(ConsumerName, spool, options, time, logger)
{
    public const string ConsumerName = "webhooks";

    private static readonly string[] DimensionNames = [.. Dimensions.All.Select(d => JsonNamingPolicy.CamelCase.ConvertName(d.Name))];
    private static readonly JsonEncodedText TypeName = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText TimestampName = JsonEncodedText.Encode("timestamp");
    private static readonly JsonEncodedText DataName = JsonEncodedText.Encode("data");
    private static readonly JsonEncodedText TimeName = JsonEncodedText.Encode("time");
    private static readonly JsonEncodedText LinkName = JsonEncodedText.Encode("link");
    private static readonly JsonEncodedText DomainName = JsonEncodedText.Encode("domain");
    private static readonly JsonEncodedText DestinationName = JsonEncodedText.Encode("destination");
    private static readonly JsonEncodedText BotName = JsonEncodedText.Encode("bot");
    private static readonly JsonEncodedText VisitorName = JsonEncodedText.Encode("visitor");
    private static readonly JsonEncodedText DimensionsName = JsonEncodedText.Encode("dimensions");

    // The consumer runs on one thread: one buffer serves every payload it writes.
    private readonly ArrayBufferWriter<byte> _payload = new(1024);

    // Links by id for a few seconds: a batch names few links, and one query per batch would follow the click rate.
    private readonly Dictionary<long, (LinkSnapshot? Link, DateTime Until)> _links = [];

    protected override Task ApplyAsync(IReadOnlyList<ClickBatch> batches, CancellationToken ct) => QueueAsync(batches[0], ct);

    /// <summary>Queues the batch's link.clicked events for the endpoints that want them (the consumer's whole apply step; the bench times it).</summary>
    internal async Task QueueAsync(ClickBatch batch, CancellationToken ct)
    {
        await subscriptions.Loaded.WaitAsync(ct);
        var endpoints = subscriptions.All.Where(s => s.Enabled && s.Events.Contains(WebhookEventTypes.LinkClicked)).ToList();
        if (endpoints.Count == 0)
            return;
        var links = await LinksOfAsync(batch, ct);
        var events = new List<QueuedEvent>();
        var index = 0;
        foreach (var group in batch.Groups)
        {
            var shape = group.Shape;
            if (Dimensions.IsRefused(shape))
            {
                // A refused visit is not a click; its index stays taken so the ids of the clicks after it never change.
                index += group.Count;
                continue;
            }
            var link = shape.LinkId is { } id ? links.GetValueOrDefault(id) : null;
            var wanting = endpoints.Where(e => e.Wants(WebhookEventTypes.LinkClicked, link)).ToList();
            if (wanting.Count == 0)
            {
                index += group.Count;
                continue;
            }
            // What every click of the group shares is written once; each click adds its time and visitor.
            var parts = GroupParts.Of(shape, link, sites);
            for (var i = 0; i < group.Count; i++, index++)
            {
                var visitor = !shape.IsBot && i < group.Visitors.Count ? group.Visitors[i] : (ulong?)null;
                var payload = ClickPayload(_payload, group.Times[i], parts, visitor);
                var eventId = string.Create(CultureInfo.InvariantCulture, $"clk_{batch.Node}_{batch.Sequence}_{index}");
                foreach (var endpoint in wanting)
                    events.Add(new QueuedEvent(endpoint.Id, eventId, WebhookEventTypes.LinkClicked, payload));
            }
        }
        queue.Enqueue(events);
    }

    /// <summary>
    /// {"type":"link.clicked","timestamp":…,"data":{"time","link":{slug,domain,shortUrl,url,tags}|null,"domain" (the
    /// link's short domain; null for an outbound click),"destination","bot","visitor","dimensions":{every row of
    /// <see cref="Dimensions"/> the click carries, camelCase}}}. No address: the visitor is the keyed hash that counts
    /// unique visitors.
    /// </summary>
    private static string ClickPayload(ArrayBufferWriter<byte> buffer, DateTime time, GroupParts parts, ulong? visitor)
    {
        buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            json.WriteStartObject();
            json.WriteString(TypeName, WebhookEventTypes.LinkClicked);
            json.WriteString(TimestampName, time);
            json.WriteStartObject(DataName);
            json.WriteString(TimeName, time);
            json.WritePropertyName(LinkName);
            json.WriteRawValue(parts.LinkJson, skipInputValidation: true);
            json.WriteString(DomainName, parts.Domain);
            json.WriteString(DestinationName, parts.Destination);
            json.WriteBoolean(BotName, parts.IsBot);
            if (visitor is { } hash)
            {
                Span<byte> hex = stackalloc byte[16];
                hash.TryFormat(hex, out _, "x16", CultureInfo.InvariantCulture);
                json.WriteString(VisitorName, hex);
            }
            else
            {
                json.WriteNull(VisitorName);
            }
            json.WritePropertyName(DimensionsName);
            json.WriteRawValue(parts.DimensionsJson, skipInputValidation: true);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// The JSON of a click payload that every click of a group shares: its link object, its destination and its
    /// dimensions as every reader shows them (<see cref="Sites.SiteCache.ShownValue"/>): only a page of a registered site is
    /// a source page; a short link clicked from google.com has that page as its referrer alone.
    /// </summary>
    private sealed record GroupParts(byte[] LinkJson, string? Domain, string? Destination, bool IsBot, byte[] DimensionsJson)
    {
        public static GroupParts Of(ClickShape shape, LinkSnapshot? link, Sites.SiteCache sites)
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            using (var json = new Utf8JsonWriter(buffer))
            {
                if (link is null)
                {
                    json.WriteNullValue();
                }
                else
                {
                    json.WriteStartObject();
                    json.WriteString("slug", link.Slug);
                    json.WriteString("domain", link.Domain);
                    json.WriteString("shortUrl", link.ShortUrl);
                    json.WriteString("url", link.Url);
                    json.WriteStartArray("tags");
                    foreach (var tag in link.Tags)
                        json.WriteStringValue(tag);
                    json.WriteEndArray();
                    json.WriteEndObject();
                }
            }
            var linkJson = buffer.WrittenSpan.ToArray();
            buffer.ResetWrittenCount();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                foreach (var dimension in Dimensions.OfClicks)
                {
                    if (sites.ShownValue(dimension, shape[dimension]) is { } value)
                        json.WriteString(DimensionNames[dimension.Index], value);
                }
                json.WriteEndObject();
            }
            return new GroupParts(linkJson, link?.Domain, link?.Url ?? shape[Dimensions.TargetUrl], shape.IsBot, buffer.WrittenSpan.ToArray());
        }
    }

    private async Task<Dictionary<long, LinkSnapshot?>> LinksOfAsync(ClickBatch batch, CancellationToken ct)
    {
        var now = DateTime.UtcNow;
        var ids = batch.Groups.Where(g => g.Shape.LinkId is not null).Select(g => g.Shape.LinkId!.Value).Distinct().ToList();
        var missing = ids.Where(id => !_links.TryGetValue(id, out var known) || known.Until < now).ToList();
        if (missing.Count > 0)
        {
            await using var db = await catalog.CreateDbContextAsync(ct);
            var found = await db.Links.AsNoTracking().Where(l => missing.Contains(l.Id)).ToDictionaryAsync(l => l.Id, ct);
            if (_links.Count > 10_000)
                _links.Clear();
            foreach (var id in missing)
                _links[id] = (found.TryGetValue(id, out var link) ? LinkSnapshot.Of(link, urls) : null, now.AddSeconds(2));
        }
        return ids.ToDictionary(id => id, id => _links[id].Link);
    }
}
