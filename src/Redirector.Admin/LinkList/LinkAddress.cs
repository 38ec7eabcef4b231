using Redirector.Links;

namespace Redirector.Admin.LinkList;

/// <summary>
/// How the admin area names a link, which is (domain, slug): its pages take <c>?domain=HOST</c> for a link on another
/// domain than the default one, and exports take the key <c>HOST/SLUG</c> (a slug holds no '/'), the bare slug for the
/// default domain.
/// </summary>
public static class LinkAddress
{
    /// <summary>The link's detail page, e.g. <c>/admin/links/promo?domain=go.example.com</c>; <paramref name="suffix"/> goes after the slug ("/edit").</summary>
    public static string Page(Link link, string suffix = "") =>
        $"/admin/links/{Uri.EscapeDataString(link.Slug)}{suffix}{Query(link.Domain)}";

    /// <summary><c>?domain=HOST</c> for another domain than the default one, else empty.</summary>
    public static string Query(string domain, char separator = '?') =>
        domain.Length == 0 ? "" : separator + "domain=" + Uri.EscapeDataString(domain);

    /// <summary>The key that names the link in exports (<c>scope=link</c>).</summary>
    public static string ExportKey(Link link) => link.Domain.Length == 0 ? link.Slug : link.Domain + "/" + link.Slug;

    /// <summary>The (domain key, slug) an export key names.</summary>
    public static (string Domain, string Slug) ParseExportKey(string key) =>
        key.LastIndexOf('/') is var slash and >= 0 ? (key[..slash], key[(slash + 1)..]) : ("", key);
}
