using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Redirector.Admin.Access;
using Redirector.Links;

namespace Redirector.Admin.LinkList;

/// <summary>
/// The links list's bulk actions: one form post of the selected links' keys (<see cref="LinkAddress.ExportKey"/>) and
/// an action. Editors only, checked here on the server whatever the page rendered; exporting the selection is a GET
/// of <c>/admin/export/links.csv?key=...</c>, open to viewers as every export of links is.
/// </summary>
public static class BulkEndpoints
{
    /// <summary>At most this many links per post: a page of the list holds <see cref="LinkTable.PageSize"/>.</summary>
    public const int MaxLinks = 500;

    public static IEndpointRouteBuilder MapBulkActions(this IEndpointRouteBuilder app)
    {
        app.MapPost("/admin/links/bulk", ApplyAsync).RequireAuthorization(AdminServices.EditorPolicy).ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// Form fields: <c>key</c> (repeated), <c>action</c> ("tag", "disable", "enable" or "delete") and for "tag" the
    /// <c>tag</c> to add. Answers a redirect back to <c>returnUrl</c> (a links-list path) with <c>?bulk=ACTION&amp;count=N</c>,
    /// or 400 for a missing antiforgery token, an unknown action, no links or an invalid tag.
    /// </summary>
    public static async Task<Results<RedirectHttpResult, BadRequest<string>>> ApplyAsync(
        HttpContext context, IAntiforgery antiforgery, LinkCatalog catalog, CancellationToken ct)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
            return TypedResults.BadRequest("The form expired; reload the page and try again.");
        var form = await context.Request.ReadFormAsync(ct);
        var keys = form["key"].Where(k => !string.IsNullOrEmpty(k)).Select(k => k!).Distinct().ToList();
        if (keys.Count is 0 or > MaxLinks)
            return TypedResults.BadRequest($"Select between 1 and {MaxLinks} links.");
        var action = form["action"].ToString();
        List<string>? tag = null;
        if (action == "tag")
        {
            var errors = new Dictionary<string, string[]>();
            tag = LinkRules.NormalizeTags([form["addTag"].ToString()], errors);
            if (errors.Count > 0 || tag.Count == 0)
                return TypedResults.BadRequest(errors.Values.SelectMany(e => e).FirstOrDefault() ?? "Give the tag to add.");
        }
        else if (action is not ("disable" or "enable" or "delete"))
        {
            return TypedResults.BadRequest("Unknown action.");
        }

        var count = 0;
        foreach (var (domain, slug) in keys.Select(LinkAddress.ParseExportKey))
        {
            var done = action switch
            {
                "delete" => await catalog.DeleteAsync(domain, slug, ct),
                "tag" => await AddTagAsync(catalog, domain, slug, tag![0], ct),
                _ => (await catalog.UpdateAsync(domain, slug, new UpdateLinkRequest { Enabled = action == "enable" }, null, seenHost: null, KnownNames.Common, ct)).Kind == LinkOutcomeKind.Saved,
            };
            count += done ? 1 : 0;
        }
        var back = AccountEndpoints.LocalAdminPath(form["returnUrl"]);
        if (!back.StartsWith("/admin/links", StringComparison.Ordinal))
            back = "/admin/links";
        return TypedResults.Redirect($"{back}{(back.Contains('?', StringComparison.Ordinal) ? '&' : '?')}bulk={action}&count={count}");
    }

    private static async Task<bool> AddTagAsync(LinkCatalog catalog, string domain, string slug, string tag, CancellationToken ct)
    {
        if (await catalog.FindAsync(domain, slug, ct) is not { } link)
            return false;
        if (link.Tags.Contains(tag))
            return true;
        // The version guards against a concurrent edit of the tags between the read and the write.
        var outcome = await catalog.UpdateAsync(domain, slug, new UpdateLinkRequest { Tags = [.. link.Tags, tag] }, link.Version, seenHost: null, KnownNames.Common, ct);
        return outcome.Kind == LinkOutcomeKind.Saved;
    }
}
