using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Redirector.Admin.Stats;

/// <summary>
/// The world map of the countries card, drawn locally from the country outlines of @svg-maps/world (CC BY 4.0, by
/// Victor Cazanave; NOTICE), pinned by npm and embedded. The outlines (1.2 MB of relative path data) are simplified
/// once, to whole units of a map half as large (about 170 KB), and served as one cached SVG whose paths carry the
/// countries' ISO 3166-1 alpha-2 codes in lower case as ids; a page draws the land with one &lt;use&gt; of
/// <c>#land</c> and each counted country with one of <c>#fr</c>, so it sends only those.
/// </summary>
public static partial class WorldMap
{
    /// <summary>The map's coordinate space: the source's 1010 × 666 halved.</summary>
    public const int Width = 505, Height = 333;

    public const string Url = "/admin/assets/world.svg";

    private const double Scale = 0.5;

    private static readonly Lazy<(byte[] Svg, IReadOnlySet<string> Codes)> Map = new(Build);

    /// <summary>The alpha-2 codes (lower case) the map has an outline for.</summary>
    public static IReadOnlySet<string> Codes => Map.Value.Codes;

    public static IEndpointRouteBuilder MapWorldMap(this IEndpointRouteBuilder app)
    {
        // An asset like the stylesheet: nothing secret, cached for good (it changes only with the pinned package).
        app.MapGet(Url, Serve).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static FileContentHttpResult Serve(HttpResponse response)
    {
        response.Headers.CacheControl = "public, max-age=86400";
        return TypedResults.File(Map.Value.Svg, "image/svg+xml");
    }

    private static (byte[], IReadOnlySet<string>) Build()
    {
        using var stream = typeof(WorldMap).Assembly.GetManifestResourceStream("world-map.js")
            ?? throw new InvalidOperationException("The embedded world map (world-map.js) is missing.");
        using var reader = new StreamReader(stream);
        var module = reader.ReadToEnd();
        // The module is "export default {...}": the object is JSON.
        using var json = JsonDocument.Parse(module.AsMemory(module.IndexOf('{', StringComparison.Ordinal)..(module.LastIndexOf('}') + 1)));
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\"><g id=\"land\">");
        var codes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var location in json.RootElement.GetProperty("locations").EnumerateArray())
        {
            var id = location.GetProperty("id").GetString();
            var path = Simplify(location.GetProperty("path").GetString() ?? "");
            if (id is not { Length: 2 } || path.Length == 0)
                continue;
            codes.Add(id);
            svg.Append(CultureInfo.InvariantCulture, $"<path id=\"{id}\" d=\"{path}\"/>");
        }
        svg.Append("</g></svg>");
        return (Encoding.UTF8.GetBytes(svg.ToString()), codes);
    }

    /// <summary>
    /// Relative "m x,y dx,dy … z" subpaths (the only commands the source uses) as absolute whole-unit points at
    /// <see cref="Scale"/>, repeated points dropped and subpaths that shrink below a triangle left out.
    /// </summary>
    internal static string Simplify(string path)
    {
        var result = new StringBuilder();
        var tokens = Token().Matches(path);
        double x = 0, y = 0, startX = 0, startY = 0;
        var points = new List<(int X, int Y)>();
        for (var i = 0; i < tokens.Count;)
        {
            var token = tokens[i].Value;
            if (token == "z")
            {
                (x, y) = (startX, startY);
                Flush();
                i++;
                continue;
            }
            if (token != "m")
            {
                i++;
                continue;
            }
            Flush();
            x += Number(tokens[i + 1].Value);
            y += Number(tokens[i + 2].Value);
            (startX, startY) = (x, y);
            points.Add(Round(x, y));
            for (i += 3; i + 1 < tokens.Count && tokens[i].Value is not ("m" or "z"); i += 2)
            {
                x += Number(tokens[i].Value);
                y += Number(tokens[i + 1].Value);
                if (Round(x, y) is var point && point != points[^1])
                    points.Add(point);
            }
        }
        Flush();
        return result.ToString();

        void Flush()
        {
            if (points.Count >= 3)
                result.Append('M').AppendJoin(' ', points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.X} {p.Y}"))).Append('Z');
            points.Clear();
        }
    }

    private static (int, int) Round(double x, double y) => ((int)Math.Round(x * Scale), (int)Math.Round(y * Scale));

    private static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"[mz]|-?[\d.]+(?:e-?\d+)?")]
    private static partial Regex Token();
}
