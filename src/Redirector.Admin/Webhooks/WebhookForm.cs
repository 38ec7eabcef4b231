using Redirector.Webhooks;

namespace Redirector.Admin.Webhooks;

/// <summary>What the webhook form holds; turned into the API's requests, so <see cref="WebhookCatalog"/> applies the same rules.</summary>
public sealed class WebhookForm
{
    private static readonly char[] Separators = [',', '\n', '\r'];

    public string? Url { get; set; }
    public bool Clicked { get; set; }
    public bool Created { get; set; }
    public bool Updated { get; set; }
    public bool Deleted { get; set; }

    /// <summary>Filters as people type them: values separated by commas or lines.</summary>
    public string? Tags { get; set; }

    public string? Domains { get; set; }
    public string? Links { get; set; }
    public int BatchSize { get; set; } = 1;

    public static WebhookForm New() => new() { Clicked = true, Created = true, Updated = true, Deleted = true };

    public static WebhookForm From(WebhookEndpoint endpoint) => new()
    {
        Url = endpoint.Url,
        Clicked = endpoint.Events.Contains(WebhookEventTypes.LinkClicked),
        Created = endpoint.Events.Contains(WebhookEventTypes.LinkCreated),
        Updated = endpoint.Events.Contains(WebhookEventTypes.LinkUpdated),
        Deleted = endpoint.Events.Contains(WebhookEventTypes.LinkDeleted),
        Tags = string.Join(", ", endpoint.FilterTags),
        Domains = string.Join(", ", endpoint.FilterDomains),
        Links = string.Join(", ", endpoint.FilterLinks),
        BatchSize = endpoint.BatchSize,
    };

    public CreateWebhookRequest ToCreateRequest() => new(Url, Events(), Filter(), BatchSize);

    public UpdateWebhookRequest ToUpdateRequest() => new(Url ?? "", Events(), Filter(), BatchSize);

    private List<string> Events() =>
    [
        .. new[] { (Clicked, WebhookEventTypes.LinkClicked), (Created, WebhookEventTypes.LinkCreated), (Updated, WebhookEventTypes.LinkUpdated), (Deleted, WebhookEventTypes.LinkDeleted) }
            .Where(e => e.Item1).Select(e => e.Item2),
    ];

    private WebhookLinkFilter Filter() => new(List(Tags), List(Domains), List(Links));

    private static List<string> List(string? text) => [.. (text ?? "").Split(Separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
