using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Redirector.Admin.LinkList;
using Redirector.Links;
using Redirector.Security;
using Redirector.Times;

namespace Redirector.Admin.Import;

/// <summary>
/// The one column set of the links CSV. The export writes every column; the import reads the writable ones (only
/// <c>url</c> is required) and skips the read-only ones (short URL, counts, times the service sets) by name, so an
/// export imports back into another instance with every field of every link.
/// </summary>
public static class LinkCsv
{
    /// <summary>What one exported line shows of a link: the link, its short URL and its clicks (null when Redis is away).</summary>
    public sealed record Row(Link Link, string ShortUrl, long? Clicks30Days, long? ClicksTotal);

    /// <summary>
    /// A column: its header name, its cell for a link, and for writable columns how a non-empty cell sets the create
    /// request (null when the cell is not valid, which <see cref="Expected"/> then describes), and how the request read
    /// from a row sets the column's field in the change of a link that exists (<see cref="ExistingLinks.Update"/>),
    /// given that link as stored: an empty cell clears the field, as the empty cell of an export is a field the link
    /// lacks. <c>slug</c> and <c>domain</c> name the link and change nothing.
    /// </summary>
    public sealed record Column(string Name, Func<Row, string?> Cell, Func<CreateLinkRequest, string, CreateLinkRequest?>? Read = null, string? Expected = null,
        Action<UpdateLinkRequest, CreateLinkRequest, Link>? Change = null);

    public static readonly IReadOnlyList<Column> Columns =
    [
        new("slug", r => r.Link.Slug, (q, v) => q with { Slug = v }),
        // As the link form does: a destination written without a scheme (shop.example/sale) is an https one.
        new("url", r => r.Link.Destination, (q, v) => q with { Url = LinkForm.WithScheme(v) }, Change: (c, q, _) => c.Url = q.Url),
        new("title", r => r.Link.Title, (q, v) => q with { Title = v }, Change: (c, q, _) => c.Title = q.Title),
        // Tags cannot hold commas (LinkRules), so a comma list reads back unambiguously, whatever else a tag holds.
        new("tags", r => string.Join(", ", r.Link.Tags), (q, v) => q with { Tags = [.. v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)] },
            Change: (c, q, _) => c.Tags = q.Tags ?? []),
        new("utm_source", r => r.Link.Utm.Source, (q, v) => q with { Utm = (q.Utm ?? new UtmTags()) with { Source = v } },
            Change: (c, q, link) => c.Utm = (c.Utm ?? link.Utm) with { Source = q.Utm?.Source }),
        new("utm_medium", r => r.Link.Utm.Medium, (q, v) => q with { Utm = (q.Utm ?? new UtmTags()) with { Medium = v } },
            Change: (c, q, link) => c.Utm = (c.Utm ?? link.Utm) with { Medium = q.Utm?.Medium }),
        new("utm_campaign", r => r.Link.Utm.Campaign, (q, v) => q with { Utm = (q.Utm ?? new UtmTags()) with { Campaign = v } },
            Change: (c, q, link) => c.Utm = (c.Utm ?? link.Utm) with { Campaign = q.Utm?.Campaign }),
        new("utm_term", r => r.Link.Utm.Term, (q, v) => q with { Utm = (q.Utm ?? new UtmTags()) with { Term = v } },
            Change: (c, q, link) => c.Utm = (c.Utm ?? link.Utm) with { Term = q.Utm?.Term }),
        new("utm_content", r => r.Link.Utm.Content, (q, v) => q with { Utm = (q.Utm ?? new UtmTags()) with { Content = v } },
            Change: (c, q, link) => c.Utm = (c.Utm ?? link.Utm) with { Content = q.Utm?.Content }),
        new("redirect_type", r => Number(r.Link.RedirectType),
            (q, v) => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var type) ? q with { RedirectType = type } : null,
            $"{string.Join(", ", LinkRules.RedirectTypes.SkipLast(1))} or {LinkRules.RedirectTypes[^1]}", (c, q, _) => c.RedirectType = q.RedirectType),
        new("enabled", r => r.Link.Enabled ? "true" : "false",
            (q, v) => bool.TryParse(v, out var enabled) ? q with { Enabled = enabled } : null, "true or false", (c, q, _) => c.Enabled = q.Enabled),
        new("expires_at", r => r.Link.ExpiresAt is { } at ? UtcTime.Format(at) : null,
            (q, v) => UtcTime.TryParse(v, out var at) ? q with { ExpiresAt = at } : null,
            "an ISO 8601 time such as 2026-12-01T12:00:00Z (UTC when it has no offset)", (c, q, _) => c.ExpiresAt = q.ExpiresAt),
        new("valid_from", r => r.Link.ValidFrom is { } from ? UtcTime.Format(from) : null,
            (q, v) => UtcTime.TryParse(v, out var at) ? q with { ValidFrom = at } : null,
            "an ISO 8601 time such as 2026-12-01T12:00:00Z (UTC when it has no offset)", (c, q, _) => c.ValidFrom = q.ValidFrom),
        new("max_clicks", r => Number(r.Link.MaxClicks),
            (q, v) => long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var max) ? q with { MaxClicks = max } : null,
            "a whole number of at least 1", (c, q, _) => c.MaxClicks = q.MaxClicks),
        new("expired_url", r => r.Link.ExpiredUrl, (q, v) => q with { ExpiredUrl = v }, Change: (c, q, _) => c.ExpiredUrl = q.ExpiredUrl),
        // The password itself is never kept, so an export carries its salted hash, which imports as it is; a
        // hand-written file may give the password in clear instead (the "password" column, always empty on export, so
        // that its empty cell changes nothing: an empty password_hash cell removes the password).
        new("password", _ => null, (q, v) => q with { Password = v }, Change: (c, q, _) =>
        {
            if (!string.IsNullOrEmpty(q.Password))
                c.Password = q.Password;
        }),
        new(PasswordHash, r => r.Link.PasswordHash, (q, v) => q with { PasswordHash = v }, Change: (c, q, _) => c.PasswordHash = q.PasswordHash),
        // Rules and variants are the API's JSON in one cell each.
        new("rules", r => r.Link.Rules is null ? null : JsonSerializer.Serialize(r.Link.Rules, JsonSerializerOptions.Web),
            (q, v) => TryJson<List<LinkRule>>(v) is { } rules ? q with { Rules = rules } : null, "the API's JSON list of rules", (c, q, _) => c.Rules = q.Rules),
        new("variants", r => r.Link.Variants is null ? null : JsonSerializer.Serialize(r.Link.Variants, JsonSerializerOptions.Web),
            (q, v) => TryJson<List<LinkVariant>>(v) is { } variants ? q with { Variants = variants } : null, "the API's JSON list of variants",
            (c, q, _) => c.Variants = q.Variants),
        new("preview_title", r => r.Link.Preview?.Title, (q, v) => q with { Preview = (q.Preview ?? new LinkPreview()) with { Title = v } },
            Change: (c, q, link) => c.Preview = (c.Preview ?? link.Preview ?? new LinkPreview()) with { Title = q.Preview?.Title }),
        new("preview_description", r => r.Link.Preview?.Description, (q, v) => q with { Preview = (q.Preview ?? new LinkPreview()) with { Description = v } },
            Change: (c, q, link) => c.Preview = (c.Preview ?? link.Preview ?? new LinkPreview()) with { Description = q.Preview?.Description }),
        new("preview_image", r => r.Link.Preview?.Image, (q, v) => q with { Preview = (q.Preview ?? new LinkPreview()) with { Image = v } },
            Change: (c, q, link) => c.Preview = (c.Preview ?? link.Preview ?? new LinkPreview()) with { Image = q.Preview?.Image }),
        new("short_url", r => r.ShortUrl),
        new("clicks_30d", r => Number(r.Clicks30Days)),
        new("clicks_total", r => Number(r.ClicksTotal)),
        new("created_at", r => UtcTime.Format(r.Link.CreatedAt)),
        new("updated_at", r => UtcTime.Format(r.Link.UpdatedAt)),
        // The short domain: empty for the default domain, so that an export imports into an instance whose default host
        // differs. Last, so that the columns before it keep their places for tools that read by position.
        new("domain", r => r.Link.Domain, (q, v) => q with { Domain = v }),
    ];

    public static IReadOnlyList<string> Names { get; } = [.. Columns.Select(c => c.Name)];

    /// <summary>The column of a protected link's salted password hash (PBKDF2), which imports back as the same password.</summary>
    public const string PasswordHash = "password_hash";

    /// <summary>
    /// The columns of an export: every one of <see cref="Columns"/> for those who may import the file back (editors and
    /// administrators, <see cref="Roles.CanEdit"/>), and for a viewer all but <see cref="PasswordHash"/>, since a hash
    /// can be guessed at offline. The column is left out rather than left empty: an import that updates links leaves a
    /// field whose column is absent as it is, while an empty <see cref="PasswordHash"/> cell removes the password, so a
    /// viewer's file imported by an editor keeps every link's password.
    /// </summary>
    public static IReadOnlyList<Column> ExportedColumns(bool withPasswordHashes) =>
        withPasswordHashes ? Columns : [.. Columns.Where(column => column.Name != PasswordHash)];

    /// <summary>
    /// The column of a catalogue error's key, which names the API's JSON property (<c>maxClicks</c>,
    /// <c>utm.source</c>, <c>preview.image</c>, <c>passwordHash</c>): the same words in snake case (<c>max_clicks</c>,
    /// <c>utm_source</c>...). A key that names no column is kept.
    /// </summary>
    public static string ColumnOf(string property)
    {
        var column = SnakeCase(property.Replace('.', '_'));
        return Names.Contains(column) ? column : property;
    }

    /// <summary>
    /// A catalogue error's message in the CSV's terms: the JSON property names it quotes (<c>expiresAt</c>) as the
    /// columns (<c>expires_at</c>), and <c>null</c>, which clears a JSON property, as the empty cell that does in a CSV.
    /// The catalogue's rules are the API's and speak JSON; the file's author sees columns and cells. Rules and variants
    /// are JSON in their cells, and no message about them names a link property or null.
    /// </summary>
    public static string InCsvTerms(string message) => JsonTerms.Replace(message, m => m.Value == "null" ? "an empty cell" : SnakeCase(m.Value));

    /// <summary>Whole words that are JSON names of columns whose name differs (<c>expiresAt</c>, <c>maxClicks</c>...), and <c>null</c>.</summary>
    private static readonly Regex JsonTerms = new(
        $@"\b(?:{string.Join("|", Names.Where(n => n.Contains('_', StringComparison.Ordinal)).Select(CamelCase).Append("null"))})\b", RegexOptions.CultureInvariant);

    private static string SnakeCase(string name) => Regex.Replace(name, "(?<=[a-z0-9])([A-Z])", "_$1").ToLowerInvariant();

    private static string CamelCase(string column) =>
        string.Concat(column.Split('_').Select((word, i) => i == 0 ? word : char.ToUpperInvariant(word[0]) + word[1..]));

    private static T? TryJson<T>(string text) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(text, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Number(long? value) => value?.ToString(CultureInfo.InvariantCulture);
}
