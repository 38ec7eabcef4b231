using System.Net.Http.Json;
using Redirector.Tests.Core;
using Redirector.Tests.Infrastructure;
using Redirector.Tracking;

namespace Redirector.Tests.Outbound;

internal static class OutboundTestHelpers
{
    public static async Task<SiteResponse> CreateSiteAsync(this RedirectorApplication app, string name, bool allowSubdomains, params string[] hosts)
    {
        using var api = app.CreateApiClient();
        using var response = await api.PostAsJsonAsync("/api/sites", new { name, hosts, allowSubdomains });
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"Creating a site failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<SiteResponse>())!;
    }

    public static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string? referrer, string userAgent = Agents.ChromeWindows)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        if (referrer is not null)
            request.Headers.TryAddWithoutValidation("Referer", referrer);
        return await client.SendAsync(request);
    }

    public static string OutPath(string site, string url, string? from = null, string? text = null) =>
        "/out" + OutboundUrls.Query(site, url, from, text);

    public static async Task<T> GetJsonAsync<T>(this RedirectorApplication app, string path)
    {
        using var api = app.CreateApiClient();
        return (await api.GetFromJsonAsync<T>(path))!;
    }
}
