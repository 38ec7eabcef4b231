using Microsoft.AspNetCore.Http.HttpResults;
using Redirector.Api;
using Redirector.Clicks;
using Redirector.Links;
using Redirector.Sites;

namespace Redirector.Tracking;

public sealed record RewriteRequest(string? Site, string? SourcePage, string? Html);

public sealed record RewriteResponse(string Html);

/// <summary>/api/rewrite: the server-side form of the tracker script, for newsletters and CMS pipelines.</summary>
public static class RewriteApi
{
    public const int MaxHtmlLength = 5_000_000;

    public static RouteGroupBuilder MapRewriteApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapApiGroup("/api/rewrite", "Sites");
        group.MapPost("/", Rewrite);
        return group;
    }

    public static Results<Ok<RewriteResponse>, ValidationProblem> Rewrite(
        RewriteRequest request, SiteCache sites, OutboundRewriter rewriter, ShortUrls urls, HttpContext context)
    {
        var errors = new Dictionary<string, string[]>();
        if (!sites.TryGet(request.Site, out var site))
            errors["site"] = ["No site has this key."];
        var sourcePage = ClickEnricher.WebUrl(request.SourcePage, keepQuery: true);
        if (!string.IsNullOrEmpty(request.SourcePage) && sourcePage is null)
            errors["sourcePage"] = ["The source page must be an absolute http(s) URL."];
        if (request.Html is null)
            errors["html"] = ["The HTML is required."];
        else if (request.Html.Length > MaxHtmlLength)
            errors["html"] = [$"The HTML is longer than {MaxHtmlLength} characters."];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors, title: "The rewrite request is not valid.");
        return TypedResults.Ok(new RewriteResponse(rewriter.Rewrite(request.Html!, site, sourcePage, urls.For(context.Request, "out"))));
    }
}
