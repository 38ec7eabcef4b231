using Redirector.Bots;

namespace Redirector.UserAgents;

/// <summary>
/// Link-preview fetchers (Slack, Facebook, X, LinkedIn, Discord, Telegram, WhatsApp, iMessage, fediverse servers...):
/// the <c>[preview]</c> section of bots.txt. They are bots too, counted under the bot kind <see cref="BotKind.Preview"/>.
/// </summary>
public static class LinkPreviewAgents
{
    /// <summary>Whether <paramref name="userAgent"/> (null when the request had none) is a link-preview fetcher.</summary>
    public static bool Matches(string? userAgent) => userAgent is not null && BotSignatures.KindOf(userAgent) == BotKind.Preview;
}
