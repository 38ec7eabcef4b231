using Redirector.Sites;

namespace Redirector.Admin.Sites;

/// <summary>What the site forms hold; turned into the requests the API takes, so <see cref="SiteCatalog"/> applies the same rules.</summary>
public sealed class SiteForm
{
    private static readonly char[] HostSeparators = [',', '\n', '\r'];

    public string? Name { get; set; }

    /// <summary>Host names one per line or separated by commas, as people paste them.</summary>
    public string? Hosts { get; set; }

    public bool AllowSubdomains { get; set; }

    public static SiteForm From(Site site) => new()
    {
        Name = site.Name,
        Hosts = string.Join('\n', site.Hosts),
        AllowSubdomains = site.AllowSubdomains,
    };

    public CreateSiteRequest ToCreateRequest() => new(Name, HostList(), AllowSubdomains);

    public UpdateSiteRequest ToUpdateRequest() => new(Name ?? "", HostList(), AllowSubdomains);

    private List<string> HostList() =>
        [.. (Hosts ?? "").Split(HostSeparators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
