using Redirector.Domains;

namespace Redirector.Admin.Domains;

/// <summary>
/// What the short-domain form holds; turned into the requests the API takes, so <see cref="DomainCatalog"/> applies
/// the same rules. The well-known documents are JSON text, validated there.
/// </summary>
public sealed class DomainForm
{
    public string? Host { get; set; }
    public string? RootUrl { get; set; }
    public string? NotFoundUrl { get; set; }
    public string? ExpiredUrl { get; set; }
    public string? AppleAppSiteAssociation { get; set; }
    public string? AssetLinks { get; set; }

    public static DomainForm From(ShortDomain domain) => new()
    {
        Host = domain.Host,
        RootUrl = domain.RootUrl,
        NotFoundUrl = domain.NotFoundUrl,
        ExpiredUrl = domain.ExpiredUrl,
        AppleAppSiteAssociation = domain.AppleAppSiteAssociation,
        AssetLinks = domain.AssetLinks,
    };

    public CreateDomainRequest ToCreateRequest() =>
        new(Host, RootUrl, NotFoundUrl, ExpiredUrl, Document(AppleAppSiteAssociation), Document(AssetLinks));

    /// <summary>Every field is sent: an emptied field clears the setting.</summary>
    public UpdateDomainRequest ToUpdateRequest() => new()
    {
        RootUrl = RootUrl,
        NotFoundUrl = NotFoundUrl,
        ExpiredUrl = ExpiredUrl,
        AppleAppSiteAssociation = Document(AppleAppSiteAssociation),
        AssetLinks = Document(AssetLinks),
    };

    // The catalogue reads a JSON string as the document it holds, so the text goes through as typed and is validated there.
    private static System.Text.Json.JsonElement? Document(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : System.Text.Json.JsonSerializer.SerializeToElement(text);
}
