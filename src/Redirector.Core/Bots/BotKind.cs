namespace Redirector.Bots;

/// <summary>
/// What kind of machine made a request that is not a person's click (docs/bots.md). Bots are redirected like
/// people and counted apart, per kind, in the "botKinds" breakdown.
/// </summary>
public enum BotKind
{
    /// <summary>A chat, social or mail app fetching a link's preview card when the link is pasted or received.</summary>
    Preview,

    /// <summary>A search engine, AI, SEO or feed crawler, including ua-parser's "Spider" device family.</summary>
    Crawler,

    /// <summary>
    /// A security scanner: one that names itself, a browser agent from a hosting or cloud network
    /// (Bots/hosting-networks.txt), or a visitor opening many links at once (the burst rule).
    /// </summary>
    Scanner,

    /// <summary>An HTTP library or command-line client (curl, python-requests, Go-http-client...).</summary>
    Library,

    /// <summary>A browser driven by a program (HeadlessChrome, PhantomJS, Cypress...).</summary>
    Headless,

    /// <summary>Any other machine: uptime monitors, and requests without a User-Agent.</summary>
    Other,
}

public static class BotKinds
{
    /// <summary>The stable lowercase key stored with clicks, used in reports and as a section name in bots.txt.</summary>
    public static string ToKey(this BotKind kind) => kind switch
    {
        BotKind.Preview => "preview",
        BotKind.Crawler => "crawler",
        BotKind.Scanner => "scanner",
        BotKind.Library => "library",
        BotKind.Headless => "headless",
        BotKind.Other => "other",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown bot kind."),
    };

    /// <summary>The kind whose <see cref="ToKey"/> is <paramref name="key"/>; false for any other text.</summary>
    public static bool TryParse(ReadOnlySpan<char> key, out BotKind kind)
    {
        foreach (var candidate in Enum.GetValues<BotKind>())
        {
            if (key.SequenceEqual(candidate.ToKey()))
            {
                kind = candidate;
                return true;
            }
        }
        kind = default;
        return false;
    }
}
