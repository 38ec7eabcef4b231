using System.Text;
using System.Text.Encodings.Web;

namespace Redirector.Links;

/// <summary>
/// The page link-preview agents get for a link with a <see cref="LinkPreview"/>: Open Graph and Twitter-card tags and
/// the same text as a heading and paragraph, built once when the link is cached. Every value is HTML-encoded; the
/// image passed the destination rules (absolute http(s)). The page names neither the destination nor any other link.
/// </summary>
public static class PreviewCard
{
    public static byte[] Render(LinkPreview preview)
    {
        var html = new StringBuilder("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"robots\" content=\"noindex\">");
        html.Append("<meta property=\"og:type\" content=\"website\">");
        html.Append("<meta name=\"twitter:card\" content=\"").Append(preview.Image is null ? "summary" : "summary_large_image").Append("\">");
        if (preview.Title is { } title)
        {
            html.Append("<title>").Append(Html(title)).Append("</title>");
            Tag(html, "og:title", "twitter:title", title);
        }
        if (preview.Description is { } description)
        {
            Tag(html, "og:description", "twitter:description", description);
            html.Append("<meta name=\"description\" content=\"").Append(Html(description)).Append("\">");
        }
        if (preview.Image is { } image)
            Tag(html, "og:image", "twitter:image", image);
        html.Append("</head><body>");
        if (preview.Title is { } heading)
            html.Append("<h1>").Append(Html(heading)).Append("</h1>");
        if (preview.Description is { } text)
            html.Append("<p>").Append(Html(text)).Append("</p>");
        html.Append("</body></html>");
        return Encoding.UTF8.GetBytes(html.ToString());
    }

    private static void Tag(StringBuilder html, string property, string twitterName, string value)
    {
        var encoded = Html(value);
        html.Append("<meta property=\"").Append(property).Append("\" content=\"").Append(encoded).Append("\">");
        html.Append("<meta name=\"").Append(twitterName).Append("\" content=\"").Append(encoded).Append("\">");
    }

    private static string Html(string value) => HtmlEncoder.Default.Encode(value);
}
