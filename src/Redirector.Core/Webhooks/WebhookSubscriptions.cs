namespace Redirector.Webhooks;

/// <summary>An endpoint as delivery sees it: what it wants and the key that signs its requests.</summary>
public sealed record WebhookSubscription(long Id, string Url, IReadOnlySet<string> Events, IReadOnlyList<string> Tags, IReadOnlyList<string> Domains,
    IReadOnlyList<string> Links, int BatchSize, bool Enabled, byte[] Key)
{
    /// <summary>An endpoint of the catalogue with its signing key (<see cref="WebhookCatalog.KeyOf"/>).</summary>
    public static WebhookSubscription Of(WebhookEndpoint endpoint, byte[] key) =>
        new(endpoint.Id, endpoint.Url, endpoint.Events.ToHashSet(StringComparer.Ordinal), endpoint.FilterTags, endpoint.FilterDomains,
            endpoint.FilterLinks, endpoint.BatchSize, endpoint.Enabled, key);

    /// <summary>
    /// Whether an event of <paramref name="type"/> about <paramref name="link"/> goes to this endpoint: enabled,
    /// subscribed to the type, and the link matching every filter list given. An event without a catalogue link (an
    /// outbound click) goes only to endpoints without a link filter.
    /// </summary>
    public bool Wants(string type, LinkSnapshot? link)
    {
        if (!Enabled || !Events.Contains(type))
            return false;
        if (Tags.Count == 0 && Domains.Count == 0 && Links.Count == 0)
            return true;
        return link is not null
               && (Tags.Count == 0 || link.Tags.Any(Tags.Contains))
               && (Domains.Count == 0 || Domains.Contains(link.DestinationDomain))
               && (Links.Count == 0 || Links.Contains(link.Slug));
    }
}

/// <summary>This node's copy of the catalogue's endpoints, refreshed every <see cref="WebhookOptions.PollInterval"/> by <see cref="WebhookDispatcher"/>.</summary>
public sealed class WebhookSubscriptions
{
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile IReadOnlyList<WebhookSubscription> _all = [];

    /// <summary>Completes once the endpoints were read: before that, events would find no one to go to.</summary>
    public Task Loaded => _loaded.Task;

    public IReadOnlyList<WebhookSubscription> All => _all;

    public WebhookSubscription? Find(long id) => _all.FirstOrDefault(s => s.Id == id);

    internal void Replace(IReadOnlyList<WebhookSubscription> subscriptions)
    {
        _all = subscriptions;
        _loaded.TrySetResult();
    }
}
