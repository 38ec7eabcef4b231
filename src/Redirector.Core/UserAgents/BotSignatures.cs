using System.Buffers;

namespace Redirector.UserAgents;

/// <summary>The embedded bots.txt list: tokens whose presence anywhere in an agent marks a bot.</summary>
internal static class BotSignatures
{
    private const string EmbeddedList = "Redirector.UserAgents.bots.txt";

    private static readonly Lazy<SearchValues<string>> Tokens = new(Load);

    public static bool Matches(string userAgent) => userAgent.AsSpan().ContainsAny(Tokens.Value);

    internal static IReadOnlyList<string> ParseList(TextReader list)
    {
        var tokens = new List<string>();
        while (list.ReadLine() is { } line)
        {
            var token = line.Trim();
            if (token.Length > 0 && !token.StartsWith('#'))
                tokens.Add(token);
        }

        return tokens;
    }

    private static SearchValues<string> Load()
    {
        using var stream = typeof(BotSignatures).Assembly.GetManifestResourceStream(EmbeddedList)
            ?? throw new InvalidOperationException($"The embedded resource {EmbeddedList} is missing.");
        using var reader = new StreamReader(stream);
        return SearchValues.Create([.. ParseList(reader)], StringComparison.OrdinalIgnoreCase);
    }
}
