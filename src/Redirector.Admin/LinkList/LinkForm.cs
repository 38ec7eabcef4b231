using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Redirector.Links;
using Redirector.Text;
using Redirector.Times;

namespace Redirector.Admin.LinkList;

/// <summary>What the create/edit form holds; turned into the same requests the API takes, so the same rules apply.</summary>
public sealed class LinkForm
{
    public string? Url { get; set; }
    public string? Slug { get; set; }

    /// <summary>The short domain's host (a new link's picker); empty for the default domain.</summary>
    public string? Domain { get; set; }
    public string? Title { get; set; }
    public string? Tags { get; set; }
    public string? UtmSource { get; set; }
    public string? UtmMedium { get; set; }
    public string? UtmCampaign { get; set; }
    public string? UtmTerm { get; set; }
    public string? UtmContent { get; set; }
    public int RedirectType { get; set; } = 302;
    public bool Enabled { get; set; } = true;

    /// <summary>Entered and shown in UTC, which the form says next to the field.</summary>
    public DateTime? ExpiresAt { get; set; }

    /// <summary>Entered and shown in UTC, like <see cref="ExpiresAt"/>.</summary>
    public DateTime? ValidFrom { get; set; }

    public long? MaxClicks { get; set; }
    public string? ExpiredUrl { get; set; }

    /// <summary>A new visitor password; empty keeps the current one (the form never shows it: only its hash is stored).</summary>
    public string? Password { get; set; }

    public bool RemovePassword { get; set; }

    /// <summary>Whether the link being edited has a password now (shown, never sent back).</summary>
    public bool HasPassword { get; set; }

    /// <summary>The targeting rules as the API's JSON (<c>[{"when": {...}, "url": "..."}]</c>); empty for none.</summary>
    public string? Rules { get; set; }

    /// <summary>The A/B split, one variant a line: its weight, a space, its URL; empty for none.</summary>
    public string? Variants { get; set; }

    public string? PreviewTitle { get; set; }
    public string? PreviewDescription { get; set; }
    public string? PreviewImage { get; set; }

    /// <summary>
    /// The link's <see cref="Link.Version"/> when the edit form was opened, sent back in a hidden field: a save from
    /// another version is refused, as the API refuses a stale If-Match or body <c>"version"</c> (412), so that a change
    /// made meanwhile (by the API, another tab or another person) is not overwritten by the values this form still
    /// shows. Null (a new link, or a post without it) checks nothing.
    /// </summary>
    public int? Version { get; set; }

    /// <summary>"copy" when the editor chose "Create and copy": the link's page then copies its short URL.</summary>
    public string? Then { get; set; }

    /// <summary>
    /// A destination typed without a scheme, such as <c>shop.example/sale</c>, with <c>https://</c> in front: text whose
    /// part before the first '/' holds a dot and neither ':' nor white space (a host, maybe with a path). Anything else
    /// is returned as typed, for the URL rules to accept or explain.
    /// </summary>
    public static string? WithScheme(string? url)
    {
        if (url?.Trim() is not { Length: > 0 } typed || typed.Contains("://", StringComparison.Ordinal))
            return url;
        var host = typed.Split('/', '?', '#')[0];
        return host.Contains('.', StringComparison.Ordinal) && !host.Contains(':', StringComparison.Ordinal) && !host.Any(char.IsWhiteSpace) && !host.StartsWith('.')
            ? "https://" + typed
            : url;
    }

    /// <summary>
    /// The API's names, without the conditions a rule leaves out (they read back as absent all the same), and URLs as
    /// typed: the default encoder writes '&amp;' and '+' as \u0026 and \u002B, which holds in JSON but not in a reader's eye.
    /// The textarea's text is HTML-encoded by Razor like any other, so nothing here reaches the page as markup. Times
    /// are the API's: written in UTC with "Z" (not "+00:00"), read without an offset as UTC (not the server's zone).
    /// </summary>
    private static readonly JsonSerializerOptions RuleJson = new(JsonSerializerOptions.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new UtcTime.DateTimeOffsetJsonConverter() },
    };

    /// <summary>
    /// The rules as the form shows them: one rule a line, with only the conditions it sets and a list of one value as
    /// that value (<c>"os": "iOS"</c>, as the placeholder writes it), which <see cref="TryReadTargeting"/> reads back
    /// into the same rules.
    /// </summary>
    public static string RulesText(IReadOnlyList<LinkRule> rules) =>
        "[\n" + string.Join(",\n", rules.Select(rule => "  " + OneLine(JsonSerializer.SerializeToNode(rule, RuleJson)))) + "\n]";

    // Every list inside a rule (a condition's values, a query parameter's) takes one value or a list of them alike.
    private static string OneLine(JsonNode? node) => node switch
    {
        JsonObject properties => "{" + string.Join(", ", properties.Select(p => JsonSerializer.Serialize(p.Key, RuleJson) + ": " + OneLine(p.Value))) + "}",
        JsonArray { Count: 1 } one => OneLine(one[0]),
        JsonArray values => "[" + string.Join(", ", values.Select(OneLine)) + "]",
        null => "null",
        _ => node.ToJsonString(RuleJson),
    };

    public static LinkForm From(Link link) => new()
    {
        Url = link.Destination,
        Slug = link.Slug,
        Domain = link.Domain,
        Title = link.Title,
        Tags = string.Join(", ", link.Tags),
        UtmSource = link.Utm.Source,
        UtmMedium = link.Utm.Medium,
        UtmCampaign = link.Utm.Campaign,
        UtmTerm = link.Utm.Term,
        UtmContent = link.Utm.Content,
        RedirectType = link.RedirectType,
        Enabled = link.Enabled,
        ExpiresAt = link.ExpiresAt,
        ValidFrom = link.ValidFrom,
        MaxClicks = link.MaxClicks,
        ExpiredUrl = link.ExpiredUrl,
        HasPassword = link.PasswordHash is not null,
        PreviewTitle = link.Preview?.Title,
        PreviewDescription = link.Preview?.Description,
        PreviewImage = link.Preview?.Image,
        Rules = link.Rules is null ? null : RulesText(link.Rules),
        Variants = link.Variants is null ? null
            : string.Join("\n", link.Variants.Select(v => string.Create(CultureInfo.InvariantCulture, $"{v.Weight} {v.Url}"))),
        Version = link.Version,
    };

    /// <summary>
    /// Reads the rules' JSON and the variant lines into <paramref name="rules"/> and <paramref name="variants"/>;
    /// what cannot be read is an error keyed like the API's (<c>rules</c>, <c>variants</c>; every bad variant line an
    /// error of its own) and leaves that field null, while the other is still read, so that a save can check it too.
    /// </summary>
    public bool TryReadTargeting(Dictionary<string, string[]> errors, out List<LinkRule>? rules, out List<LinkVariant>? variants)
    {
        rules = null;
        variants = null;
        if (!string.IsNullOrWhiteSpace(Rules))
        {
            try
            {
                rules = JsonSerializer.Deserialize<List<LinkRule>>(Rules, RuleJson);
            }
            catch (JsonException ex)
            {
                errors["rules"] = [RulesError(ex, Rules)];
            }
        }
        if (!string.IsNullOrWhiteSpace(Variants))
        {
            var read = new List<LinkVariant>();
            var unread = new List<string>();
            foreach (var line in Variants.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var space = line.IndexOf(' ', StringComparison.Ordinal);
                if (space < 0 || !int.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var weight))
                    unread.Add($"\"{line}\" is not a weight, a space and a URL (\"50 https://example.com/a\").");
                else
                    read.Add(new LinkVariant { Weight = weight, Url = line[(space + 1)..].Trim() });
            }
            // A split missing a line is not checked as a split: its count and numbering would be off by the lines left out.
            if (unread.Count > 0)
                errors["variants"] = [.. unread];
            else
                variants = read;
        }
        return !errors.ContainsKey("rules") && !errors.ContainsKey("variants");
    }

    /// <summary>
    /// What is wrong with rules that do not read, in words and with a line and column counted from 1 (the reader's
    /// own text counts lines from 0 and names .NET types): JSON that breaks (a missing quote, comma or bracket), or a
    /// value of the wrong kind, told by the targeting's own words when it has them (<see cref="OneOrManyConverter"/>).
    /// </summary>
    private static string RulesError(JsonException ex, string text)
    {
        var at = JsonPosition.Of(ex, text);
        // The reader's own exception inside: the text is not JSON at all.
        if (ex.InnerException is JsonException)
            return $"The rules are not valid JSON: it breaks at {at}. Check for a missing quote, comma or bracket.";
        var where = ex.Path is { Length: > 1 } path ? $"{at} ({path})" : at;
        return ex.Message.Contains("Path:", StringComparison.Ordinal) || ex.Message.StartsWith("The JSON value", StringComparison.Ordinal)
            ? $"The rules hold a value of the wrong kind at {where}: they are a list of rules such as [{{\"when\": {{\"os\": \"iOS\"}}, \"url\": \"https://...\"}}]."
            : $"The rules hold a value of the wrong kind at {where}: {ex.Message}";
    }

    public UtmTags Utm => new() { Source = UtmSource, Medium = UtmMedium, Campaign = UtmCampaign, Term = UtmTerm, Content = UtmContent };

    public static List<string> SplitTags(string? tags) =>
        (tags ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();

    private DateTimeOffset? Expiry => Utc(ExpiresAt);

    private static DateTimeOffset? Utc(DateTime? at) => at is { } value ? new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc)) : null;

    public CreateLinkRequest ToCreateRequest(List<LinkRule>? rules = null, List<LinkVariant>? variants = null) => new()
    {
        Url = WithScheme(Url),
        Slug = string.IsNullOrWhiteSpace(Slug) ? null : Slug.Trim(),
        Domain = string.IsNullOrWhiteSpace(Domain) ? null : Domain,
        Title = Title,
        Tags = SplitTags(Tags),
        Utm = Utm,
        RedirectType = RedirectType,
        Enabled = Enabled,
        ExpiresAt = Expiry,
        ValidFrom = Utc(ValidFrom),
        MaxClicks = MaxClicks,
        ExpiredUrl = ExpiredUrl,
        Password = Password,
        Rules = rules,
        Variants = variants,
        Preview = new LinkPreview { Title = PreviewTitle, Description = PreviewDescription, Image = PreviewImage },
    };

    /// <summary>
    /// Every editable property is sent, so the form replaces the link's values, except an empty password. The slug is
    /// sent too: a new one renames the link as the API's PATCH does, an empty one is refused as the API refuses it.
    /// </summary>
    public UpdateLinkRequest ToUpdateRequest(List<LinkRule>? rules = null, List<LinkVariant>? variants = null)
    {
        var all = ToCreateRequest(rules, variants);
        var update = new UpdateLinkRequest
        {
            Url = all.Url, Slug = all.Slug, Title = all.Title, Tags = all.Tags, Utm = all.Utm, RedirectType = all.RedirectType, Enabled = all.Enabled,
            ExpiresAt = all.ExpiresAt, ValidFrom = all.ValidFrom, MaxClicks = all.MaxClicks, ExpiredUrl = all.ExpiredUrl,
            Rules = all.Rules, Variants = all.Variants, Preview = all.Preview,
        };
        // The password is the one field an empty input leaves as it is: the form cannot show the current one.
        if (RemovePassword)
            update.Password = null;
        else if (!string.IsNullOrEmpty(Password))
            update.Password = Password;
        return update;
    }

    /// <summary>The URL a visitor lands on, UTM tags included, or null while the destination is not valid.</summary>
    public string? Preview() =>
        DestinationUrl.TryNormalize(Url, out var destination, out _) ? RedirectLocation.Prepare(destination, Utm.Normalized()).Location : null;
}
