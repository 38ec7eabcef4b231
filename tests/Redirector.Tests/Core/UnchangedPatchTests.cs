using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Redirector.Catalog;
using Redirector.Domains;
using Redirector.Tests.Infrastructure;
using Redirector.Tests.Reliability;
using Redirector.Tests.Webhooks;
using Redirector.Webhooks;

namespace Redirector.Tests.Core;

/// <summary>
/// A PATCH whose values equal the stored ones (a GET sent back whole, a field sent again) changes nothing: 200 with
/// the link as it was, the same version, ETag and updatedAt, no change-log entry for the nodes to reload and no
/// <c>link.updated</c> webhook event. A domain PATCH likewise keeps its updatedAt and writes no change-log entry, and
/// so do a webhook endpoint's and a site's.
/// </summary>
public sealed class UnchangedPatchTests
{
    private static readonly object FullLink = new
    {
        url = "https://shop.example.com/sale?a=1",
        slug = "full",
        title = "Spring sale",
        tags = new[] { "sale", "q4" },
        utm = new { source = "newsletter", medium = "email", campaign = "spring" },
        redirectType = 307,
        expiresAt = "2036-12-01T12:30:00Z",
        validFrom = "2026-01-01T08:00:00Z",
        maxClicks = 500,
        password = "s3cret-pass",
        preview = new { title = "Card", description = "A card", image = "https://cdn.example.com/c.png" },
        rules = new object[] { new { when = new { os = "iOS", country = new[] { "DE", "AT" } }, url = "https://apps.example.com/" } },
        variants = new[] { new { url = "https://shop.example.com/a", weight = 30 }, new { url = "https://shop.example.com/b", weight = 70 } },
        expiredUrl = "https://shop.example.com/over",
    };

    [Fact]
    public async Task A_link_sent_back_as_read_or_a_field_sent_again_keeps_its_version_and_writes_no_change()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(FullLink);
        using var api = app.CreateApiClient();
        using var read = await api.GetAsync("/api/links/full");
        var etag = read.Headers.ETag!.Tag;
        var link = (await read.Content.ReadFromJsonAsync<JsonObject>())!;
        var changesBefore = await ChangesAsync(app, "full");

        foreach (var body in new[] { link.ToJsonString(), """{"title":"Spring sale","password":"s3cret-pass","tags":["sale","q4"],"maxClicks":500}""" })
        {
            using var patch = await StrictInputTests.SendAsync(api, "PATCH", "/api/links/full", body);
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
            Assert.Equal(etag, patch.Headers.ETag!.Tag);
            var answered = (await patch.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal(link.ToJsonString(), answered.ToJsonString());
        }
        var after = await api.GetFromJsonAsync<JsonElement>("/api/links/full");
        Assert.Equal(link["version"]!.GetValue<int>(), after.GetProperty("version").GetInt32());
        Assert.Equal(link["updatedAt"]!.GetValue<DateTime>(), after.GetProperty("updatedAt").GetDateTime());
        Assert.Equal(changesBefore, await ChangesAsync(app, "full"));

        // A real change still counts, once; If-Match with the unchanged ETag still holds for it.
        using var request = new HttpRequestMessage(HttpMethod.Patch, "/api/links/full") { Content = JsonContent.Create(new { title = "Summer sale" }) };
        request.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue(etag));
        using (var changed = await api.SendAsync(request))
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var summer = await api.GetFromJsonAsync<JsonElement>("/api/links/full");
        Assert.Equal(link["version"]!.GetValue<int>() + 1, summer.GetProperty("version").GetInt32());
        Assert.Equal(changesBefore + 1, await ChangesAsync(app, "full"));
    }

    [Fact]
    public async Task An_unchanged_patch_fires_no_link_updated_event()
    {
        await using var receiver = new WebhookReceiver();
        await using var app = new RedirectorApplication(settings: WebhookDeliveryTests.FastSettings());
        app.StartKestrel();
        using var api = app.CreateApiClient();
        await WebhookReceiver.CreateEndpointAsync(api, receiver);
        await WebhookDeliveryTests.SubscribedAsync(app);
        await app.CreateLinkAsync(FullLink);

        var link = (await api.GetFromJsonAsync<JsonObject>("/api/links/full"))!;
        using (var same = await StrictInputTests.SendAsync(api, "PATCH", "/api/links/full", link.ToJsonString()))
            Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        using (var changed = await api.PatchAsJsonAsync("/api/links/full", new { title = "Summer sale" }))
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        using (var delete = await api.DeleteAsync("/api/links/full"))
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        // The outbox is sent in order: an event of the unchanged PATCH would arrive before the delete's.
        await receiver.WaitForAsync(r => r.Events.Any(e => e.Type == WebhookEventTypes.LinkDeleted), TimeSpan.FromSeconds(30), "the delete");
        await Task.Delay(300);

        var events = receiver.Events.DistinctBy(e => e.Id).ToList();
        Assert.Equal([WebhookEventTypes.LinkCreated, WebhookEventTypes.LinkUpdated, WebhookEventTypes.LinkDeleted], events.Select(e => e.Type));
        Assert.Equal("Summer sale", events[1].Data.GetProperty("link").GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_domain_patched_with_its_own_values_keeps_its_updated_time_and_writes_no_change()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        using (var created = await api.PostAsJsonAsync("/api/domains", new { host = "brand.test", rootUrl = "https://brand.example/", notFoundUrl = "https://brand.example/404" }))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var domain = (await api.GetFromJsonAsync<JsonObject>("/api/domains/brand.test"))!;
        var changesBefore = await ChangesAsync(app, DomainCatalog.ChangeKey);

        foreach (var body in new[] { domain.ToJsonString(), """{"rootUrl":"https://brand.example/"}""" })
        {
            using var patch = await StrictInputTests.SendAsync(api, "PATCH", "/api/domains/brand.test", body);
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
            Assert.Equal(domain.ToJsonString(), (await patch.Content.ReadFromJsonAsync<JsonObject>())!.ToJsonString());
        }
        Assert.Equal(changesBefore, await ChangesAsync(app, DomainCatalog.ChangeKey));

        using (var changed = await api.PatchAsJsonAsync("/api/domains/brand.test", new { rootUrl = "https://brand.example/home" }))
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(changesBefore + 1, await ChangesAsync(app, DomainCatalog.ChangeKey));
    }

    [Fact]
    public async Task A_webhook_endpoint_or_a_site_patched_with_its_own_values_keeps_its_updated_time()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        using var hook = await api.PostAsJsonAsync("/api/webhooks", new
        {
            url = "https://hooks.example.com/in",
            events = new[] { "link.clicked", "link.created" },
            linkFilter = new { tags = new[] { "spring" }, domains = new[] { "shop.example.com" } },
            batchSize = 5,
        });
        Assert.Equal(HttpStatusCode.Created, hook.StatusCode);
        var id = (await hook.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("webhook").GetProperty("id").GetInt64();
        using var site = await api.PostAsJsonAsync("/api/sites", new { name = "Blog", hosts = new[] { "blog.example.com" } });
        Assert.Equal(HttpStatusCode.Created, site.StatusCode);
        var key = (await site.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString();

        foreach (var path in new[] { $"/api/webhooks/{id}", $"/api/sites/{key}" })
        {
            var read = (await api.GetFromJsonAsync<JsonObject>(path))!;
            // A later clock reading than the create's, so a new updatedAt would differ.
            await Task.Delay(20);
            using var patch = await StrictInputTests.SendAsync(api, "PATCH", path, read.ToJsonString());
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
            var after = (await api.GetFromJsonAsync<JsonObject>(path))!;
            Assert.Equal(read["updatedAt"]!.GetValue<DateTime>(), after["updatedAt"]!.GetValue<DateTime>());
        }
    }

    private static async Task<int> ChangesAsync(RedirectorApplication app, string slug)
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<CatalogDb>>().CreateDbContextAsync();
        return await db.Changes.CountAsync(c => c.Slug == slug);
    }
}
