using System.Text.Json;
using Redirector.Clicks;

namespace Redirector.Stats;

/// <summary>Which raw-log entries a list of one link's recent clicks shows.</summary>
public static class RecentClicks
{
    /// <summary>
    /// The clicks of one link; bot requests (entries with <c>"bot": true</c>) only when <paramref name="withBots"/>,
    /// since bots are reported once, as bots, and a list of clicks shows people.
    /// </summary>
    public static Func<JsonElement, bool> OfLink(long linkId, bool withBots) => click =>
        click.TryGetProperty("link", out var id) && id.TryGetInt64(out var link) && link == linkId &&
        (withBots || !IsBot(click));

    public static bool IsBot(JsonElement click) =>
        click.TryGetProperty(RawClickFields.Bot, out var bot) && bot.ValueKind == JsonValueKind.True;
}
