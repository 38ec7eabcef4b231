using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Redirector.Admin.Access;

/// <summary>
/// The admin area's stylesheet and script, embedded in this assembly and served by the service itself. Embedding
/// (rather than static web assets) serves them the same way from a build, a publish or a test host, in any environment.
/// </summary>
public static class AdminAssets
{
    private static readonly FrozenDictionary<string, (byte[] Content, string Type, string Version)> Files =
        new[] { ("admin.css", "text/css; charset=utf-8"), ("admin.js", "text/javascript; charset=utf-8") }
            .ToFrozenDictionary(f => f.Item1, f => Load(f.Item1, f.Item2));

    /// <summary>The file's URL with its content hash, so browsers may cache it for good and still see every change.</summary>
    public static string Url(string name) => $"/admin/assets/{name}?v={Files[name].Version}";

    public static IEndpointRouteBuilder MapAdminAssets(this IEndpointRouteBuilder app)
    {
        // The sign-in page needs them too, and they hold nothing secret.
        app.MapGet("/admin/assets/{name}", Serve).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    public static Results<FileContentHttpResult, NotFound> Serve(string name, HttpResponse response)
    {
        if (!Files.TryGetValue(name, out var file))
            return TypedResults.NotFound();
        response.Headers.CacheControl = "public, max-age=31536000, immutable";
        return TypedResults.File(file.Content, file.Type);
    }

    private static (byte[], string, string) Load(string name, string type)
    {
        using var stream = typeof(AdminAssets).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded admin asset {name} is missing.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var content = buffer.ToArray();
        return (content, type, Convert.ToHexStringLower(SHA256.HashData(content))[..12]);
    }
}
