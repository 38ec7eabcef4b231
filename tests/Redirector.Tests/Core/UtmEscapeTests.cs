using System.Net.Http.Json;
using System.Text.Json;
using Redirector.Clicks;
using Redirector.Stats;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Core;

/// <summary>
/// UTM values of a clicked URL with broken percent-escapes are counted as the visitor wrote them: an escape that spells
/// no UTF-8 character, or a control character, stays as its text; never U+FFFD, never an error (README, "What is counted").
/// </summary>
public sealed class UtmEscapeTests
{
    [Fact]
    public async Task Broken_escapes_are_counted_as_written_and_good_ones_decoded()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example/", slug = "esc" });
        using var visitor = app.CreateVisitorClient();

        using (var response = await CountingTests.ClickAsync(visitor,
                   "/esc?utm_source=%E0%A4%A&utm_medium=%ZZ&utm_campaign=caf%C3%A9%ZZ&utm_term=a+b%2Bc%00&utm_content=%C3%28%F0%9F%8E%89", Agents.ChromeWindows, null))
            // The destination gets the query as it came (a lone '%' escaped), never decoded and encoded again.
            Assert.Contains("utm_medium=%25ZZ", response.Headers.Location!.OriginalString);
        await app.FlushClicksAsync();
        await app.WaitForEventsAsync();

        var expected = new Dictionary<Dimension, string>
        {
            [Dimensions.UtmSource] = "%E0%A4%A",
            [Dimensions.UtmMedium] = "%ZZ",
            [Dimensions.UtmCampaign] = "café%ZZ",
            [Dimensions.UtmTerm] = "a b+c%00",
            [Dimensions.UtmContent] = "%C3(🎉",
        };
        var counted = await CountingTests.GetStatsAsync(app, "esc");
        using var api = app.CreateApiClient();
        var row = JsonDocument.Parse(Assert.Single((await api.GetStringAsync("/api/events?format=ndjson&link=esc")).Split('\n', StringSplitOptions.RemoveEmptyEntries))).RootElement;
        foreach (var (dimension, value) in expected)
        {
            var key = Assert.Single(counted[dimension]);
            Assert.Equal((value, 1L), (key.Key, key.Clicks));
            Assert.Equal(value, row.GetProperty(char.ToLowerInvariant(dimension.Name[0]) + dimension.Name[1..]).GetString());
        }
        // The event store's filtered path finds the value as it was counted.
        var filtered = await api.GetFromJsonAsync<StatsResponse>("/api/links/esc/stats?utmSource=" + Uri.EscapeDataString("%E0%A4%A"));
        Assert.Equal(1, filtered!.Clicks);
    }
}
