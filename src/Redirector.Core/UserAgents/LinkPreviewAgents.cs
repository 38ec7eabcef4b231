namespace Redirector.UserAgents;

/// <summary>
/// Link-preview fetchers (Slack, Facebook, X, LinkedIn, Discord, Telegram, WhatsApp, iMessage, fediverse servers...):
/// the sections of bots.txt whose heading names previews. They are bots too, and counted as such.
/// </summary>
public static class LinkPreviewAgents
{
    public static bool Matches(string? userAgent) => BotSignatures.MatchesPreview(userAgent);
}
