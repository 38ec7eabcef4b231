using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Redirector.Tests.Infrastructure;
using Redirector.Webhooks;

namespace Redirector.Tests.Webhooks;

/// <summary>/api/webhooks through the real pipeline: the secret shown once, edits, rotation, deletion and clear errors.</summary>
public sealed class WebhooksApiTests(SharedApplication shared) : IClassFixture<SharedApplication>
{
    [Fact]
    public async Task An_endpoint_is_created_with_its_secret_once_then_listed_edited_rotated_and_deleted()
    {
        await using var app = new RedirectorApplication(settings: WebhookDeliveryTests.FastSettings());
        using var api = app.CreateApiClient();

        using var created = await api.PostAsJsonAsync("/api/webhooks", new
        {
            url = "http://127.0.0.1:9/hook",
            events = new[] { "link.clicked" },
            linkFilter = new { tags = new[] { " spring ", "spring" }, domains = new[] { "Shop.Example.com" } },
            batchSize = 20,
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var secret = body.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Equal(32, WebhookSignature.KeyOf(secret).Length);
        var id = body.GetProperty("webhook").GetProperty("id").GetInt64();
        Assert.Equal($"/api/webhooks/{id}", created.Headers.Location!.OriginalString);
        Assert.Equal(["spring"], body.GetProperty("webhook").GetProperty("linkFilter").GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(["shop.example.com"], body.GetProperty("webhook").GetProperty("linkFilter").GetProperty("domains").EnumerateArray().Select(t => t.GetString()));

        var listed = await api.GetStringAsync("/api/webhooks");
        Assert.Contains("127.0.0.1:9/hook", listed, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);
        Assert.DoesNotContain("whsec_", await api.GetStringAsync($"/api/webhooks/{id}"), StringComparison.Ordinal);

        using (var disable = await api.PatchAsJsonAsync($"/api/webhooks/{id}", new { enabled = false, events = new[] { "link.created", "link.deleted" } }))
        {
            var changed = await disable.Content.ReadFromJsonAsync<JsonElement>();
            Assert.False(changed.GetProperty("enabled").GetBoolean());
            Assert.Equal(["link.created", "link.deleted"], changed.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(20, changed.GetProperty("batchSize").GetInt32());
        }

        using var rotated = await api.PostAsync($"/api/webhooks/{id}/secret", null);
        var newSecret = (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString();
        Assert.StartsWith("whsec_", newSecret, StringComparison.Ordinal);
        Assert.NotEqual(secret, newSecret);

        using (var delete = await api.DeleteAsync($"/api/webhooks/{id}"))
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using var gone = await api.GetAsync($"/api/webhooks/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("No webhook has this id.", (await gone.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("""{"url":"ftp://example.com/hook","events":["link.clicked"]}""", "url")]
    [InlineData("""{"url":"not a url","events":["link.clicked"]}""", "url")]
    [InlineData("""{"url":"https://user:pw@example.com/hook","events":["link.clicked"]}""", "url")]
    [InlineData("""{"url":"https://example.com/hook","events":[]}""", "events")]
    [InlineData("""{"url":"https://example.com/hook","events":["link.exploded"]}""", "events")]
    [InlineData("""{"url":"https://example.com/hook","events":["link.clicked"],"batchSize":0}""", "batchSize")]
    [InlineData("""{"url":"http://10.1.2.3/hook","events":["link.clicked"]}""", "url")]
    [InlineData("""{"url":"http://[::1]:8080/hook","events":["link.clicked"]}""", "url")]
    [InlineData("""{"url":"http://169.254.169.254/latest/meta-data","events":["link.clicked"]}""", "url")]
    public async Task Bad_input_gets_a_problem_naming_the_field(string json, string field)
    {
        using var api = shared.App.CreateApiClient();
        using var response = await api.PostAsync("/api/webhooks", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), await response.Content.ReadAsStringAsync());
        Assert.Equal("[]", await api.GetStringAsync("/api/webhooks"));
    }

    [Fact]
    public async Task A_domain_filter_takes_host_names_only_and_names_the_host_of_a_url_given_instead()
    {
        await using var app = new RedirectorApplication(settings: WebhookDeliveryTests.FastSettings());
        using var api = app.CreateApiClient();

        using (var refused = await api.PostAsJsonAsync("/api/webhooks", new
        {
            url = "http://127.0.0.1:9/hook",
            events = new[] { "link.clicked" },
            linkFilter = new { domains = new[] { "https://x.example/", "not a host" } },
        }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var errors = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("linkFilter.domains");
            Assert.Equal(2, errors.GetArrayLength());
            Assert.Equal("'https://x.example/' is a URL, not a host: give its host, x.example.", errors[0].GetString());
            Assert.Contains("not a valid DNS name", errors[1].GetString(), StringComparison.Ordinal);
        }
        Assert.Equal("[]", await api.GetStringAsync("/api/webhooks"));

        // A host as people write it is kept as destinations are compared: lowercase, punycode, no trailing dot.
        using var created = await api.PostAsJsonAsync("/api/webhooks", new
        {
            url = "http://127.0.0.1:9/hook",
            events = new[] { "link.clicked" },
            linkFilter = new { domains = new[] { "Shop.Example.com.", "bücher.example" } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var domains = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("webhook").GetProperty("linkFilter").GetProperty("domains");
        Assert.Equal(["shop.example.com", "xn--bcher-kva.example"], domains.EnumerateArray().Select(d => d.GetString()));
    }

    [Fact]
    public async Task A_host_name_that_resolves_to_loopback_is_refused_at_connection()
    {
        await using var receiver = new WebhookReceiver();
        await using var app = new RedirectorApplication(settings: new Dictionary<string, string?>
        {
            ["Webhooks:PollInterval"] = "00:00:00.100",
            ["Webhooks:QuickRetries"] = "0",
        });
        using var api = app.CreateApiClient();
        // "localhost" passes the URL check (a name), but resolves to loopback, which the connection refuses.
        var url = receiver.Url.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        using var created = await api.PostAsJsonAsync("/api/webhooks", new { url, events = new[] { "link.created" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("webhook").GetProperty("id").GetInt64();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/", slug = "ssrf" });

        var deadline = DateTime.UtcNow.AddSeconds(15);
        JsonElement item;
        do
        {
            await Task.Delay(200);
            var deliveries = await api.GetFromJsonAsync<JsonElement>($"/api/webhooks/{id}/deliveries");
            item = deliveries.GetProperty("items").EnumerateArray().FirstOrDefault();
        }
        while ((item.ValueKind == JsonValueKind.Undefined || item.GetProperty("attempts").GetInt32() == 0) && DateTime.UtcNow < deadline);
        Assert.Contains("no public address", item.GetProperty("lastError").GetString());
        Assert.Equal(0, receiver.Requests);
    }
}
