using Microsoft.Extensions.DependencyInjection;
using Redirector.Clicks;
using Redirector.Stats;
using Redirector.Links;
using Redirector.Tests.Core;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Outbound;

/// <summary>Page views go through the click pipeline but are counted per page, never as clicks.</summary>
public sealed class PageViewCountingTests
{
    private const string Page = "https://blog.example.org/post/1";

    [Fact]
    public async Task Page_views_are_counted_per_page_apart_from_clicks_and_bots_views_are_dropped()
    {
        await using var app = new RedirectorApplication();
        var tracker = app.Services.GetRequiredService<ClickTracker>();
        for (var i = 0; i < 3; i++)
            tracker.TrackPageView(Agents.Get(Agents.ChromeWindows), Page + "?utm_source=x#top");
        tracker.TrackPageView(Agents.Get(Agents.Slackbot), Page);
        tracker.TrackPageView(Agents.Get(Agents.SafariIphone), "https://blog.example.org/other");
        tracker.Track(Agents.Get(Agents.ChromeWindows), 0, "github.com", UtmTags.Empty, Page, "https://github.com/x", "GitHub");
        await app.FlushClicksAsync();

        var reader = app.Services.GetRequiredService<StatsReader>();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var global = await reader.ReadAsync(StatsSubject.Global, today, today);
        Assert.Equal(1, global.Clicks);
        Assert.Equal(0, global.Bots);
        Assert.Equal([(Page, 3L), ("https://blog.example.org/other", 1L)], global[Dimensions.PageViews].Select(k => (k.Key, k.Clicks)));
        Assert.Equal([(Page, 1L)], global[Dimensions.SourcePage].Select(k => (k.Key, k.Clicks)));

        var page = await reader.ReadAsync(StatsSubject.Page(Page), today, today);
        Assert.Equal(3, page.PageViews);
        Assert.Equal(1, page.Clicks);
        Assert.Equal([("github.com", 1L)], page[Dimensions.DestinationDomain].Select(k => (k.Key, k.Clicks)));
        Assert.Empty(await reader.ReadRecentAsync(10, c => !c.TryGetProperty("target", out _)));
    }
}
