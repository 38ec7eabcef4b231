using System.Buffers;

namespace Redirector.UserAgents;

/// <summary>The embedded bots.txt list: tokens whose presence anywhere in an agent marks a bot.</summary>
internal static class BotSignatures
{
    private const string EmbeddedList = "Redirector.UserAgents.bots.txt";

    private static readonly Lazy<SearchValues<string>> Tokens = new(() => Load(previewsOnly: false));
    private static readonly Lazy<SearchValues<string>> PreviewTokens = new(() => Load(previewsOnly: true));

    public static bool Matches(string userAgent) => userAgent.AsSpan().ContainsAny(Tokens.Value);

    /// <summary>
    /// Whether the agent is a link-preview fetcher (chat and social apps, fediverse servers): the tokens of the
    /// list's sections whose heading names previews. Such an agent is also a bot (<see cref="Matches"/>).
    /// </summary>
    public static bool MatchesPreview(string? userAgent) => userAgent is not null && userAgent.AsSpan().ContainsAny(PreviewTokens.Value);

    /// <param name="previewsOnly">Only the sections whose heading (the first comment line after a blank line) mentions previews.</param>
    internal static IReadOnlyList<string> ParseList(TextReader list, bool previewsOnly = false)
    {
        var tokens = new List<string>();
        var inPreviews = false;
        var atHeading = true;
        while (list.ReadLine() is { } line)
        {
            var token = line.Trim();
            if (token.Length == 0)
            {
                atHeading = true;
                continue;
            }
            if (token.StartsWith('#'))
            {
                if (atHeading)
                    inPreviews = token.Contains("preview", StringComparison.OrdinalIgnoreCase);
                atHeading = false;
                continue;
            }
            atHeading = false;
            if (!previewsOnly || inPreviews)
                tokens.Add(token);
        }

        return tokens;
    }

    private static SearchValues<string> Load(bool previewsOnly)
    {
        using var stream = typeof(BotSignatures).Assembly.GetManifestResourceStream(EmbeddedList)
            ?? throw new InvalidOperationException($"The embedded resource {EmbeddedList} is missing.");
        using var reader = new StreamReader(stream);
        return SearchValues.Create([.. ParseList(reader, previewsOnly)], StringComparison.OrdinalIgnoreCase);
    }
}
