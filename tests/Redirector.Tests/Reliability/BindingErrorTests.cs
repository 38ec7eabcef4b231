using System.Net;
using System.Text;
using System.Text.Json;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Reliability;

/// <summary>A body or parameter that does not bind answers 400 problem details naming the field, never a bare 400.</summary>
public sealed class BindingErrorTests
{
    [Theory]
    [InlineData("POST", "/api/links", """{"url":"https://shop.example/","expiresAt":"12/01/2026"}""", "expiresAt")]
    [InlineData("POST", "/api/links", """{"url":"https://shop.example/","redirectType":"abc"}""", "redirectType")]
    [InlineData("PATCH", "/api/links/known", """{"expiresAt":"tomorrow"}""", "expiresAt")]
    [InlineData("GET", "/api/stats/summary?from=garbage", null, "from")]
    [InlineData("GET", "/api/links/known/clicks?limit=abc", null, "limit")]
    [InlineData("GET", "/api/links?page=abc", null, "page")]
    public async Task A_value_that_does_not_bind_is_named(string method, string path, string? body, string field)
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example/", slug = "known" });
        using var api = app.CreateApiClient();

        using var response = await SendAsync(api, method, path, body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains(field, problem.RootElement.GetProperty("detail").GetString());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), problem.RootElement.ToString());
    }

    [Theory]
    [InlineData("/api/stats/summary?from=yesterday", "from", "yyyy-MM-dd")]
    [InlineData("/api/links/known/clicks?limit=ten", "limit", "a whole number")]
    public async Task A_query_value_that_does_not_bind_is_told_its_format(string path, string field, string expected)
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example/", slug = "known" });
        using var api = app.CreateApiClient();

        using var response = await api.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var detail = problem.RootElement.GetProperty("detail").GetString()!;
        Assert.Contains($"'{field}'", detail);
        Assert.Contains(expected, detail);
    }

    [Theory]
    [InlineData("""{"url":"https://shop.example/","tags":"spring"}""", "tags", "a list of strings")]
    [InlineData("""{"url":"https://shop.example/","expiresAt":"12/01/2026"}""", "expiresAt", "a time in ISO 8601")]
    [InlineData("""{"url":"https://shop.example/","redirectType":"abc"}""", "redirectType", "one of the numbers 301, 302, 307, 308, without quotes")]
    [InlineData("""{"url":"https://shop.example/","redirectType":99999999999}""", "redirectType", "one of the numbers 301, 302, 307, 308")]
    [InlineData("""{"url":"https://shop.example/","redirectType":301.5}""", "redirectType", "one of the numbers 301, 302, 307, 308")]
    [InlineData("""{"url":"https://shop.example/","maxClicks":"ten"}""", "maxClicks", "a whole number of at least 1, without quotes, or null")]
    [InlineData("""{"url":"https://shop.example/","variants":[{"url":"https://a.example/","weight":1},{"url":"https://b.example/","weight":3000000000}]}""", "variants[1].weight", "a whole number from 1 to 1,000,000")]
    [InlineData("""{"url":"https://shop.example/","slug":42}""", "slug", "a string")]
    [InlineData("""{"url":"https://shop.example/","redirectType":"301"}""", "redirectType", "one of the numbers 301, 302, 307, 308")]
    [InlineData("""{"url":"https://shop.example/","maxClicks":99999999999999999999}""", "maxClicks", "a whole number of at least 1")]
    [InlineData("""{"url":"https://shop.example/","utm":{"source":7}}""", "utm.source", "a string")]
    [InlineData("""{"url":"https://shop.example/","variants":[{"url":"https://a.example/","weight":"half"}]}""", "variants[0].weight", "a whole number from 1 to 1,000,000")]
    public async Task A_value_of_the_wrong_type_is_told_what_its_field_takes(string body, string field, string expected)
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();

        using var response = await SendAsync(api, "POST", "/api/links", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var detail = problem.RootElement.GetProperty("detail").GetString()!;
        Assert.Contains($"'{field}'", detail);
        Assert.Contains(expected, detail);
        Assert.DoesNotContain("System.", detail);
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), problem.RootElement.ToString());
    }

    [Fact]
    public async Task A_body_over_the_servers_limit_is_told_the_limit_and_loses_nothing()
    {
        await using var app = new RedirectorApplication(settings: new Dictionary<string, string?> { ["Kestrel:Limits:MaxRequestBodySize"] = "4096" });
        app.StartKestrel();
        using var api = app.CreateApiClient();

        var title = new string('t', 5000);
        using (var response = await SendAsync(api, "POST", "/api/links", $$"""{"url":"https://shop.example/","slug":"big","title":"{{title}}"}"""))
        {
            Assert.True(HttpStatusCode.RequestEntityTooLarge == response.StatusCode, await response.Content.ReadAsStringAsync());
            var body = await response.Content.ReadAsStringAsync();
            using var problem = JsonDocument.Parse(body);
            Assert.True(problem.RootElement.TryGetProperty("detail", out var detailElement), body);
            var detail = detailElement.GetString()!;
            Assert.Contains("4,096 bytes", detail);
            Assert.Contains("Kestrel:Limits:MaxRequestBodySize", detail);
        }
        using (var missing = await api.GetAsync("/api/links/big"))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using (var response = await SendAsync(api, "POST", "/api/links", """{"url":"https://shop.example/","slug":"big","title":"short"}"""))
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("""{"url":""")]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    public async Task A_body_that_is_not_a_link_says_so(string body)
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();

        using var response = await SendAsync(api, "POST", "/api/links", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("detail").GetString()));
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string path, string? body)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        return client.SendAsync(request);
    }
}
