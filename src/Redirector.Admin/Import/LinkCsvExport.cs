using Microsoft.AspNetCore.Http;
using Redirector.Admin.LinkList;
using Redirector.Admin.Stats;
using Redirector.Admin.Access;
using Redirector.Links;
using Redirector.Security;

namespace Redirector.Admin.Import;

/// <summary>
/// The links CSV export (<see cref="LinkCsv"/>'s columns, written by <see cref="Exports.Csv"/>): the one writer behind
/// the admin's <c>/admin/export/links.csv</c> and the API's <c>GET /api/links/export.csv</c>, so that both give the same
/// file and both import back through <see cref="CsvLinkImport"/>.
/// </summary>
public sealed class LinkCsvExport(LinkCatalog catalog, AdminStats counts, ShortUrls shortUrls)
{
    /// <summary>
    /// The links <paramref name="filter"/> matches (its search, tags and domain; its sort and page are not used), oldest
    /// first; with <paramref name="keys"/> (<see cref="LinkAddress.ExportKey"/>) only those of them. Short URLs are on the
    /// request's host when <c>Redirector:BaseUrl</c> is not set; the clicks columns are empty while Redis is away. The
    /// password hashes are only for a request by an editor or administrator, user or API key (<see cref="LinkCsv.ExportedColumns"/>).
    /// </summary>
    public async Task<byte[]> WriteAsync(LinkQuery filter, IReadOnlySet<string>? keys, HttpRequest request, CancellationToken ct)
    {
        filter = filter with { Sort = "oldest", PageSize = LinkCatalog.MaxPageSize };
        var links = new List<Link>();
        for (var page = 1; ; page++)
        {
            var batch = await catalog.ListAsync(filter with { Page = page }, ct);
            links.AddRange(keys is null ? batch.Items : batch.Items.Where(l => keys.Contains(LinkAddress.ExportKey(l))));
            if ((long)page * batch.PageSize >= batch.Total || batch.Items.Count == 0)
                break;
        }
        IReadOnlyDictionary<long, (long Recent, long Total)>? clicks = null;
        await StatsReads.TryAsync(async () => clicks = await counts.ReadLinkClicksAsync(links.Select(l => l.Id).ToList()));
        var columns = LinkCsv.ExportedColumns(withPasswordHashes: Roles.CanEdit(AdminUser.RoleOf(request.HttpContext.User)));
        var csv = new Exports.Csv([.. columns.Select(column => column.Name)]);
        foreach (var link in links)
        {
            var count = clicks?.GetValueOrDefault(link.Id);
            var row = new LinkCsv.Row(link, shortUrls.For(request, link.Slug, link.Domain), count?.Recent, count?.Total);
            csv.Add([.. columns.Select(column => column.Cell(row))]);
        }
        return csv.ToUtf8();
    }
}
