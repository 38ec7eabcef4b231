using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Redirector.Links;

/// <summary>Settings of the public side of the service (section "Redirector").</summary>
public sealed class RedirectorOptions : IValidatableObject
{
    /// <summary>The public base of short URLs, e.g. https://go.example.com. When empty, the request's own is used.</summary>
    public string? BaseUrl { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(BaseUrl) &&
            (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
            yield return new ValidationResult("Redirector:BaseUrl must be an absolute http(s) URL, e.g. https://go.example.com.", [nameof(BaseUrl)]);
    }
}

/// <summary>Builds the public short URL of a slug (shared by the API and the admin area).</summary>
public sealed class ShortUrls(IOptions<RedirectorOptions> options)
{
    // appsettings.json ships "BaseUrl": "", which means "not set", not "relative URLs".
    private readonly string? _base = string.IsNullOrEmpty(options.Value.BaseUrl) ? null : options.Value.BaseUrl.TrimEnd('/');

    public string For(HttpRequest request, string slug) =>
        For($"{request.Scheme}://{request.Host}{request.PathBase}", slug);

    /// <summary>For callers without a request (interactive components): <paramref name="requestBase"/> is the address the admin is seen at.</summary>
    public string For(string requestBase, string slug) => (_base ?? requestBase.TrimEnd('/')) + "/" + slug;
}
