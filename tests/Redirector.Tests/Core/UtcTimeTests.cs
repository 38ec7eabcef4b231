using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Redirector.Tests.Infrastructure;
using Redirector.Tests.Outbound;

namespace Redirector.Tests.Core;

/// <summary>
/// Times through the API on a server far from UTC (far-from-utc.runsettings sets TZ=Pacific/Kiritimati, UTC+14):
/// every time written carries Z, a time without an offset is UTC, and a value read and sent back does not move.
/// </summary>
public sealed class UtcTimeTests
{
    [Fact]
    public void The_tests_run_in_a_zone_far_from_utc()
    {
        Assert.True(Math.Abs(TimeZoneInfo.Local.GetUtcOffset(DateTime.UtcNow).TotalHours) >= 10,
            $"TZ is {Environment.GetEnvironmentVariable("TZ") ?? "(unset)"}; run the tests through far-from-utc.runsettings");
    }

    [Fact]
    public async Task A_time_without_an_offset_is_utc_and_every_time_written_carries_z()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        using (var created = await api.PostAsJsonAsync("/api/links", new { url = "https://example.com/", slug = "noon", expiresAt = "2036-12-01T12:00:00" }))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "offset", expiresAt = "2036-12-01T14:00:00+02:00" });
        await app.CreateSiteAsync("Blog", false, "blog.example");

        foreach (var slug in new[] { "noon", "offset" })
        {
            var link = await api.GetFromJsonAsync<JsonElement>($"/api/links/{slug}");
            Assert.Equal("2036-12-01T12:00:00Z", link.GetProperty("expiresAt").GetString());
            Assert.EndsWith("Z", link.GetProperty("createdAt").GetString());
            Assert.EndsWith("Z", link.GetProperty("updatedAt").GetString());
        }
        var listed = await api.GetFromJsonAsync<JsonElement>("/api/links");
        Assert.All(listed.GetProperty("items").EnumerateArray(), l => Assert.EndsWith("Z", l.GetProperty("createdAt").GetString()));
        var sites = await api.GetFromJsonAsync<JsonElement>("/api/sites");
        Assert.All(sites.EnumerateArray(), s =>
        {
            Assert.EndsWith("Z", s.GetProperty("createdAt").GetString());
            Assert.EndsWith("Z", s.GetProperty("updatedAt").GetString());
        });
    }

    [Fact]
    public async Task A_time_read_and_sent_back_unchanged_does_not_move()
    {
        await using var app = new RedirectorApplication();
        // An hour ahead in UTC: read in UTC+14 it would already be past, and the link would stop redirecting.
        var expiry = DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "soon", expiresAt = expiry });
        using var api = app.CreateApiClient();
        using var visitor = app.CreateVisitorClient();

        var read = (await api.GetFromJsonAsync<JsonElement>("/api/links/soon")).GetProperty("expiresAt").GetString();
        Assert.Equal(expiry + "Z", read);
        using (var patched = await api.PatchAsJsonAsync("/api/links/soon", new { expiresAt = read }))
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal(read, (await api.GetFromJsonAsync<JsonElement>("/api/links/soon")).GetProperty("expiresAt").GetString());
        using var followed = await visitor.GetAsync("/soon");
        Assert.Equal(HttpStatusCode.Found, followed.StatusCode);
    }

    [Fact]
    public async Task A_time_that_is_not_iso_8601_is_refused_with_400()
    {
        await using var app = new RedirectorApplication();
        using var api = app.CreateApiClient();
        using var response = await api.PostAsJsonAsync("/api/links", new { url = "https://example.com/", expiresAt = "12/01/2036" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
