using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Redirector.Catalog;
using Redirector.Clicks;
using Redirector.Links;

namespace Redirector.Webhooks;

/// <summary>
/// The spool consumer "webhooks": turns each counted click of a batch into a link.clicked event for every endpoint
/// that wants it and delivers them before the spool moves on. A healthy endpoint gets its events straight from here,
/// in requests of its batch size through the "webhooks-direct" client (one try of
/// <see cref="WebhookOptions.DirectTimeout"/>), each answered request recorded as one delivered row; nothing is written
/// per event. An endpoint with events waiting in the <see cref="WebhookQueue"/>, or whose request from here failed in
/// the last <see cref="WebhookOptions.QueueAfterFailure"/> or took longer than <see cref="WebhookOptions.DirectTimeout"/>
/// for one batch, gets its events queued instead (those of a failed request as having failed it), and
/// <see cref="WebhookDispatcher"/>'s worker sends them, so a receiver that is down or slow holds neither the spool
/// nor other endpoints for longer than about twice the direct timeout. An event's id is
/// "clk_{node}_{sequence}_{index}", the click's place in its batch, so a batch replayed after a crash makes the same
/// ids: a receiver may get an event twice, with the same id, and the queue keeps one row each.
/// </summary>
/// <remarks>
/// Healthy endpoints are sent to from here because a SQLite row per event (written, read back, marked delivered,
/// pruned) made a click's webhook cost about three times the CPU of sending it straight away (bench/README.md).
/// </remarks>
public sealed partial class WebhookClickConsumer(
    ClickSpool spool, IOptions<AnalyticsOptions> options, TimeProvider time, ILogger<WebhookClickConsumer> logger,
    WebhookSubscriptions subscriptions, WebhookQueue queue, WebhookSender sender, IOptions<WebhookOptions> webhookOptions,
    IDbContextFactory<CatalogDb> catalog, Links.ShortUrls urls, Sites.SiteCache sites)
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

    // When a request sent from here last failed, by endpoint; the consumer runs on one thread.
    private readonly Dictionary<long, DateTime> _failedAt = [];

    // With no endpoint subscribed to link.clicked there is nothing to send: the spool is passed a second at a time
    // instead of waking this thread (and its idle-priority one) and saving its cursor for every batch, ~100 times a
    // second under load (bench/README.md, "Session 25").
    private static readonly TimeSpan UnsubscribedGatherTime = TimeSpan.FromSeconds(1);

    protected override TimeSpan GatherTime => WantsClicks ? TimeSpan.Zero : UnsubscribedGatherTime;

    protected override int EventsPerApply => WantsClicks ? 0 : int.MaxValue;

    /// <summary>True while an enabled endpoint takes link.clicked, or before the endpoints were read.</summary>
    private bool WantsClicks =>
        !subscriptions.Loaded.IsCompleted || subscriptions.All.Any(s => s.Enabled && s.Events.Contains(WebhookEventTypes.LinkClicked));

    protected override async Task ApplyAsync(IReadOnlyList<ClickBatch> batches, CancellationToken ct)
    {
        // Several batches come only from a second without subscribers; one subscribed meanwhile gets them in order.
        foreach (var batch in batches)
            await DeliverAsync(batch, ct);
    }

    /// <summary>
    /// Sends or queues the batch's link.clicked events for the endpoints that want them (the consumer's whole apply
    /// step; the bench times it). Returns once every event was answered with a 2xx or queued.
    /// </summary>
    internal async Task DeliverAsync(ClickBatch batch, CancellationToken ct)
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
        if (events.Count == 0)
            return;

        var now = Time.GetUtcNow().UtcDateTime;
        var queued = new List<QueuedEvent>();
        var sends = new List<Task<DirectOutcome>>();
        foreach (var group in events.GroupBy(e => e.Endpoint))
        {
            var endpoint = endpoints.First(e => e.Id == group.Key);
            var failedLately = _failedAt.TryGetValue(endpoint.Id, out var failedAt) && now - failedAt < webhookOptions.Value.QueueAfterFailure;
            if (failedLately || queue.HasPending(endpoint.Id))
                queued.AddRange(group);
            else
                sends.Add(SendAsync(endpoint, [.. group], ct));
        }
        queue.Enqueue(queued);
        var sent = new List<SentRequest>();
        foreach (var outcome in await Task.WhenAll(sends))
        {
            sent.AddRange(outcome.Sent);
            if (outcome.Unsent.Count == 0)
                continue;
            _failedAt[outcome.Endpoint] = Time.GetUtcNow().UtcDateTime;
            queue.Enqueue(outcome.Unsent, outcome.Failed);
            if (outcome.Failed is { } failed)
                WebhookDispatcher.LogAttemptFailed(Logger, outcome.Endpoint, outcome.Unsent.Count, 1, failed.Error!, queue.RetryDelay(1).TotalSeconds);
            else
                LogTooSlow(Logger, outcome.Endpoint, outcome.Unsent.Count, webhookOptions.Value.DirectTimeout.TotalSeconds);
        }
        queue.RecordSent(sent);
    }

    /// <summary>
    /// What sending one endpoint's events from the spool came to: the requests answered, then the events left, either
    /// after a failed request (<see cref="Failed"/>: they are queued as having failed it) or because the endpoint took
    /// longer than <see cref="WebhookOptions.DirectTimeout"/> for the batch (queued as not tried yet).
    /// </summary>
    private sealed record DirectOutcome(long Endpoint, List<SentRequest> Sent, List<QueuedEvent> Unsent, WebhookAttempt? Failed);

    /// <summary>
    /// Sends the endpoint's events in order, in requests of its batch size, until one fails or the batch has taken
    /// <see cref="WebhookOptions.DirectTimeout"/>: a receiver that answers each request slowly, but within the timeout,
    /// would otherwise hold the spool for as long as its requests add up to.
    /// </summary>
    private async Task<DirectOutcome> SendAsync(WebhookSubscription endpoint, List<QueuedEvent> events, CancellationToken ct)
    {
        var size = Math.Max(1, endpoint.BatchSize);
        var sent = new List<SentRequest>();
        var began = Time.GetTimestamp();
        for (var start = 0; start < events.Count; start += size)
        {
            if (start > 0 && Time.GetElapsedTime(began) >= webhookOptions.Value.DirectTimeout)
                return new DirectOutcome(endpoint.Id, sent, events.GetRange(start, events.Count - start), null);
            var request = events.GetRange(start, Math.Min(size, events.Count - start));
            var attempt = await sender.SendAsync(endpoint, request, direct: true, ct);
            if (attempt.Error is not null)
                return new DirectOutcome(endpoint.Id, sent, events.GetRange(start, events.Count - start), attempt);
            sent.Add(new SentRequest(endpoint.Id, WebhookEventTypes.LinkClicked, request.Count, attempt));
        }
        return new DirectOutcome(endpoint.Id, sent, [], null);
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
                foreach (var dimension in Dimensions.ClickRows)
                {
                    if (sites.ShownValue(dimension, shape[dimension]) is { } value)
                        json.WriteString(DimensionNames[dimension.Index], value);
                }
                json.WriteEndObject();
            }
            return new GroupParts(linkJson, link?.Domain, DestinationOf(shape, link), shape.IsBot, buffer.WrittenSpan.ToArray());
        }

        /// <summary>
        /// Where the click was sent, before the visitor's own query was merged: the A/B variant it went to (else the
        /// link's destination) with the link's UTM tags, as the redirect's Location has them; an outbound click's target URL.
        /// </summary>
        private static string? DestinationOf(ClickShape shape, LinkSnapshot? link) =>
            link is null ? shape[Dimensions.TargetUrl] : RedirectLocation.Prepare(shape[Dimensions.Variant] ?? link.Url, link.Utm).Location;
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook endpoint {Endpoint} took over {Seconds} s for one batch of clicks; its clicks are queued for a while ({Events} event(s) now)")]
    private static partial void LogTooSlow(ILogger logger, long endpoint, int events, double seconds);
}
