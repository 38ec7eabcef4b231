namespace Redirector.Webhooks;

/// <summary>The event types an endpoint can subscribe to (the Standard Webhooks "type").</summary>
public static class WebhookEventTypes
{
    /// <summary>One per counted click (people and bots; the bot flag tells them apart).</summary>
    public const string LinkClicked = "link.clicked";

    public const string LinkCreated = "link.created";
    public const string LinkUpdated = "link.updated";
    public const string LinkDeleted = "link.deleted";

    public static readonly IReadOnlyList<string> All = [LinkClicked, LinkCreated, LinkUpdated, LinkDeleted];
}
