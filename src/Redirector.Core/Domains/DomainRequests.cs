using System.Text.Json;
using System.Text.Json.Serialization;

namespace Redirector.Domains;

/// <summary>
/// What a client sends to register a short domain (<c>POST /api/domains</c>). The well-known documents are JSON
/// values (an object for apple-app-site-association, an array for assetlinks.json) or strings holding that JSON.
/// </summary>
public sealed record CreateDomainRequest(
    string? Host,
    string? RootUrl = null,
    string? NotFoundUrl = null,
    string? ExpiredUrl = null,
    JsonElement? AppleAppSiteAssociation = null,
    JsonElement? AssetLinks = null);

/// <summary>A partial update of a domain: only the properties present change, <c>null</c> clears one.</summary>
public sealed class UpdateDomainRequest
{
    public string? RootUrl { get => _rootUrl; set { _rootUrl = value; HasRootUrl = true; } }
    public string? NotFoundUrl { get => _notFoundUrl; set { _notFoundUrl = value; HasNotFoundUrl = true; } }
    public string? ExpiredUrl { get => _expiredUrl; set { _expiredUrl = value; HasExpiredUrl = true; } }
    public JsonElement? AppleAppSiteAssociation { get => _aasa; set { _aasa = value; HasAppleAppSiteAssociation = true; } }
    public JsonElement? AssetLinks { get => _assetLinks; set { _assetLinks = value; HasAssetLinks = true; } }

    [JsonIgnore] public bool HasRootUrl { get; private set; }
    [JsonIgnore] public bool HasNotFoundUrl { get; private set; }
    [JsonIgnore] public bool HasExpiredUrl { get; private set; }
    [JsonIgnore] public bool HasAppleAppSiteAssociation { get; private set; }
    [JsonIgnore] public bool HasAssetLinks { get; private set; }

    private string? _rootUrl;
    private string? _notFoundUrl;
    private string? _expiredUrl;
    private JsonElement? _aasa;
    private JsonElement? _assetLinks;
}
