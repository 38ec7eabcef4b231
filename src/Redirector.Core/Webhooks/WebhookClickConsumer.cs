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
    WebhookSubscriptions subscriptions, WebhookQueue queue, IDbContextFactory<CatalogDb> catalog)
    : SpoolConsumer(ConsumerName, spool, options, time, logger)
{
    public const string ConsumerName = "webhooks";

    private static readonly string[] DimensionNames = [.. Dimensions.All.Select(d => JsonNamingPolicy.CamelCase.ConvertName(d.Name))];

    // Links by id for a few seconds: a batch names few links, and one query per batch would follow the click rate.
    private readonly Dictionary<long, (LinkSnapshot? Link, DateTime Until)> _links = [];

    protected override async Task ApplyAsync(ClickBatch batch, CancellationToken ct)
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
            for (var i = 0; i < group.Count; i++, index++)
            {
                if (wanting.Count == 0)
                    continue;
                var visitor = !shape.IsBot && i < group.Visitors.Count ? group.Visitors[i] : (ulong?)null;
                var payload = ClickPayload(group.Times[i], shape, link, visitor);
                var eventId = string.Create(CultureInfo.InvariantCulture, $"clk_{batch.Node}_{batch.Sequence}_{index}");
                foreach (var endpoint in wanting)
                    events.Add(new QueuedEvent(endpoint.Id, eventId, WebhookEventTypes.LinkClicked, payload));
            }
        }
        queue.Enqueue(events);
    }

    /// <summary>
    /// {"type":"link.clicked","timestamp":…,"data":{"time","link":{slug,url,tags}|null,"domain","destination","bot",
    /// "visitor","dimensions":{every row of <see cref="Dimensions"/> the click carries, camelCase}}}. No address: the
    /// visitor is the keyed hash that counts unique visitors.
    /// </summary>
    internal static string ClickPayload(DateTime time, ClickShape shape, LinkSnapshot? link, ulong? visitor)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", WebhookEventTypes.LinkClicked);
            json.WriteString("timestamp", time);
            json.WriteStartObject("data");
            json.WriteString("time", time);
            if (link is null)
            {
                json.WriteNull("link");
            }
            else
            {
                json.WriteStartObject("link");
                json.WriteString("slug", link.Slug);
                json.WriteString("url", link.Url);
                json.WriteStartArray("tags");
                foreach (var tag in link.Tags)
                    json.WriteStringValue(tag);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteString("domain", shape[Dimensions.DestinationDomain]);
            json.WriteString("destination", link?.Url ?? shape[Dimensions.TargetUrl]);
            json.WriteBoolean("bot", shape.IsBot);
            if (visitor is { } hash)
                json.WriteString("visitor", hash.ToString("x16", CultureInfo.InvariantCulture));
            else
                json.WriteNull("visitor");
            json.WriteStartObject("dimensions");
            foreach (var dimension in Dimensions.OfClicks)
            {
                if (shape[dimension] is { } value)
                    json.WriteString(DimensionNames[dimension.Index], value);
            }
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
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
                _links[id] = (found.TryGetValue(id, out var link) ? LinkSnapshot.Of(link) : null, now.AddSeconds(2));
        }
        return ids.ToDictionary(id => id, id => _links[id].Link);
    }
}
