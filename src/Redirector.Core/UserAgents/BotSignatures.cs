using System.Buffers;
using Redirector.Bots;

namespace Redirector.UserAgents;

/// <summary>
/// The embedded bots.txt list: tokens whose presence anywhere in an agent marks a bot, in sections that give each
/// token its <see cref="BotKind"/>.
/// </summary>
internal static class BotSignatures
{
    private const string EmbeddedList = "Redirector.UserAgents.bots.txt";

    private static readonly Lazy<Signatures> Loaded = new(Load);

    /// <summary>
    /// The kind of bot whose token occurs in <paramref name="userAgent"/>, or null. A person's agent costs one
    /// vectorised scan over every token; only a bot's is scanned again, kind by kind in the file's order.
    /// </summary>
    public static BotKind? KindOf(string userAgent)
    {
        var signatures = Loaded.Value;
        var agent = userAgent.AsSpan();
        if (!agent.ContainsAny(signatures.All))
            return null;
        foreach (var (kind, tokens) in signatures.ByKind)
        {
            if (agent.ContainsAny(tokens))
                return kind;
        }
        return null;
    }

    /// <summary>
    /// Reads the list: "[kind]" lines open a section, "#" lines are comments. Throws <see cref="FormatException"/>
    /// for an unknown kind or a token before the first section.
    /// </summary>
    internal static IReadOnlyList<(string Token, BotKind Kind)> ParseList(TextReader list)
    {
        var tokens = new List<(string, BotKind)>();
        BotKind? kind = null;
        while (list.ReadLine() is { } line)
        {
            var token = line.Trim();
            if (token.Length == 0 || token.StartsWith('#'))
                continue;
            if (token is ['[', .. var name, ']'])
            {
                kind = BotKinds.TryParse(name, out var parsed) ? parsed : throw new FormatException($"bots.txt: unknown bot kind [{name}].");
                continue;
            }
            tokens.Add((token, kind ?? throw new FormatException($"bots.txt: the token '{token}' comes before any [kind] section.")));
        }

        return tokens;
    }

    private static Signatures Load()
    {
        using var stream = typeof(BotSignatures).Assembly.GetManifestResourceStream(EmbeddedList)
            ?? throw new InvalidOperationException($"The embedded resource {EmbeddedList} is missing.");
        using var reader = new StreamReader(stream);
        var tokens = ParseList(reader);
        return new Signatures(
            Create(tokens.Select(t => t.Token)),
            [.. tokens.Select(t => t.Kind).Distinct().Select(kind => (kind, Create(tokens.Where(t => t.Kind == kind).Select(t => t.Token))))]);
    }

    private static SearchValues<string> Create(IEnumerable<string> tokens) => SearchValues.Create([.. tokens], StringComparison.OrdinalIgnoreCase);

    /// <param name="All">Every token, for the one scan a person's agent costs.</param>
    /// <param name="ByKind">The tokens of each kind, in the order the kinds first appear in the file.</param>
    private sealed record Signatures(SearchValues<string> All, (BotKind Kind, SearchValues<string> Tokens)[] ByKind);
}
