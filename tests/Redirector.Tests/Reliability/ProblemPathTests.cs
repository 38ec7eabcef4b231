using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Reliability;

/// <summary>
/// Every API error is written by the problem-details service, so each carries its <c>traceId</c> (the one a log
/// line of the request names), whether a handler answered it (404, 409, a validation 400) or the middleware did;
/// and a body that is not JSON says where it breaks.
/// </summary>
public sealed class ProblemPathTests
{
    [Fact]
    public async Task Conflicts_not_found_and_validation_problems_carry_a_trace_id()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example/", slug = "taken" });
        await app.CreateLinkAsync(new { url = "https://shop.example/", slug = "other" });
        using var api = app.CreateApiClient();
        (await api.PostAsJsonAsync("/api/domains", new { host = "brand.test" })).EnsureSuccessStatusCode();

        var slugTaken = await ProblemAsync(await api.PostAsJsonAsync("/api/links", new { url = "https://shop.example/", slug = "taken" }), HttpStatusCode.Conflict);
        Assert.Equal(["slug"], slugTaken.GetProperty("errors").EnumerateObject().Select(e => e.Name));
        await ProblemAsync(await api.PatchAsJsonAsync("/api/links/other", new { slug = "taken" }), HttpStatusCode.Conflict);
        var domainTaken = await ProblemAsync(await api.PostAsJsonAsync("/api/domains", new { host = "brand.test" }), HttpStatusCode.Conflict);
        Assert.Contains("brand.test", domainTaken.GetProperty("detail").GetString());
        await ProblemAsync(await api.GetAsync("/api/links/missing"), HttpStatusCode.NotFound);
        await ProblemAsync(await api.GetAsync("/api/links/missing/clicks"), HttpStatusCode.NotFound);
        var invalid = await ProblemAsync(await api.PostAsJsonAsync("/api/links", new { url = "ftp://shop.example/" }), HttpStatusCode.BadRequest);
        Assert.True(invalid.GetProperty("errors").TryGetProperty("url", out _), invalid.ToString());
        var unknown = await ProblemAsync(await api.PostAsJsonAsync("/api/links", new { url = "https://shop.example/", slugg = "x" }), HttpStatusCode.BadRequest);
        Assert.True(unknown.GetProperty("errors").TryGetProperty("slugg", out _), unknown.ToString());
    }

    [Theory]
    // Cut short after 42 bytes: it breaks at the 43rd, where the body ended.
    [InlineData("{\"url\":\"https://shop.example/\",\"slug\":\"cut", "line 1, column 43")]
    [InlineData("{\n  \"url\": \"https://shop.example/\",\n  \"slug\": ", "line 3, column 11")]
    [InlineData("{\"url\":\"https://shop.example/\" \"slug\":\"x\"}", "line 1, column 32")]
    // Columns count characters, as an editor does: the "é" is two bytes, and the break is at the 17th character.
    [InlineData("{\"title\":\"Café\" \"slug\":\"x\"}", "line 1, column 17")]
    public async Task A_body_that_is_not_json_says_where_it_breaks(string body, string position)
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();

        var problem = await ProblemAsync(await StrictInputTests.SendAsync(api, "POST", "/api/links", body), HttpStatusCode.BadRequest);
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.True(detail.Contains(position, StringComparison.Ordinal), detail);
        Assert.StartsWith("The body is not valid JSON", detail);
        // Said in the service's words: no exception text, type names or stack frames.
        Assert.DoesNotContain("   at ", problem.ToString());
        Assert.DoesNotContain("System.", problem.ToString());
        Assert.DoesNotContain("BytePositionInLine", problem.ToString());
    }

    [Theory]
    [InlineData("POST", "/api/links", "null")]
    [InlineData("POST", "/api/links", "[]")]
    [InlineData("POST", "/api/links", "\"https://shop.example/\"")]
    [InlineData("POST", "/api/webhooks", "null")]
    [InlineData("PATCH", "/api/links/there", "null")]
    public async Task A_body_that_is_json_but_not_an_object_says_an_object_is_needed(string method, string path, string body)
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example/", slug = "there" });
        using var api = app.CreateApiClient();

        var problem = await ProblemAsync(await StrictInputTests.SendAsync(api, method, path, body), HttpStatusCode.BadRequest);
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("JSON object", detail, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"{(int)response.StatusCode} {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonDocument.Parse(text).RootElement.Clone();
            Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()), text);
            Assert.True(problem.TryGetProperty("traceId", out var traceId) && traceId.GetString()!.Length > 0, $"no traceId: {text}");
            return problem;
        }
    }
}
