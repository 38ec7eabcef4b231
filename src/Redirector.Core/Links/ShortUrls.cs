using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Redirector.Links;

/// <summary>Settings of the public side of the service (section "Redirector").</summary>
public sealed class RedirectorOptions : IValidatableObject
{
    /// <summary>The public base of short URLs, e.g. https://go.example.com. When empty, the request's own is used.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>The default domain's host: BaseUrl's host in lowercase ASCII (punycode), or null when BaseUrl is not set.</summary>
    public string? DefaultHost =>
        !string.IsNullOrEmpty(BaseUrl) && Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) ? uri.IdnHost.ToLowerInvariant() : null;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(BaseUrl) &&
            (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
            yield return new ValidationResult("Redirector:BaseUrl must be an absolute http(s) URL, e.g. https://go.example.com.", [nameof(BaseUrl)]);
    }
}

/// <summary>
/// Builds the public short URL of a slug on its domain (shared by the API, the admin area, exports and QR codes). The
/// default domain's links start with <c>Redirector:BaseUrl</c>; another domain's take BaseUrl's scheme, port and path
/// with the domain's host. Without a BaseUrl, the address the request came to stands in for it.
/// </summary>
public sealed class ShortUrls(IOptions<RedirectorOptions> options)
{
    // appsettings.json ships "BaseUrl": "", which means "not set", not "relative URLs". Uri writes the host in
    // lowercase, as every short URL on another domain has it; the path keeps its case.
    private readonly string? _base = !string.IsNullOrEmpty(options.Value.BaseUrl) && Uri.TryCreate(options.Value.BaseUrl, UriKind.Absolute, out var uri)
        ? uri.GetLeftPart(UriPartial.Path).TrimEnd('/')
        : null;

    /// <param name="domain">The link's domain key: empty for the default domain, else the registered host.</param>
    public string For(HttpRequest request, string slug, string domain = "") =>
        For($"{request.Scheme}://{request.Host}{request.PathBase}", slug, domain);

    /// <summary>The host a link's domain key stands for: the key itself, or for the default domain BaseUrl's host (else the request's).</summary>
    public string HostOf(HttpRequest request, string domain) => HostOf($"{request.Scheme}://{request.Host}{request.PathBase}", domain);

    /// <inheritdoc cref="HostOf(HttpRequest, string)"/>
    public string HostOf(string requestBase, string domain) =>
        domain.Length > 0 ? domain
        : Uri.TryCreate(_base ?? requestBase, UriKind.Absolute, out var uri) ? uri.IdnHost.ToLowerInvariant()
        : "";

    /// <summary>
    /// The host of a link's domain key without a request (webhook payloads): the key itself, or for the default
    /// domain BaseUrl's host; null for the default domain when BaseUrl is not set.
    /// </summary>
    public string? ConfiguredHostOf(string domain) => domain.Length > 0 ? domain : options.Value.DefaultHost;

    /// <summary>A short URL without a request (webhook payloads): null when BaseUrl is not set, which alone gives the scheme and port.</summary>
    public string? ConfiguredFor(string slug, string domain) => _base is null ? null : For(_base, slug, domain);

    /// <summary>For callers without a request (interactive components): <paramref name="requestBase"/> is the address the admin is seen at.</summary>
    public string For(string requestBase, string slug, string domain = "")
    {
        var root = _base ?? requestBase.TrimEnd('/');
        if (domain.Length > 0 && Uri.TryCreate(root, UriKind.Absolute, out var uri))
            root = $"{uri.Scheme}://{domain}{(uri.IsDefaultPort ? "" : ":" + uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))}{uri.AbsolutePath.TrimEnd('/')}";
        return root + "/" + slug;
    }
}
