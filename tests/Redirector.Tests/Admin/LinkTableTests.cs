using Microsoft.Extensions.DependencyInjection;
using Redirector.Admin.LinkList;
using Redirector.Tests.Infrastructure;

namespace Redirector.Tests.Admin;

/// <summary>The admin links list ranked by clicks: pages are counted from the ranking, including pages past its end.</summary>
public sealed class LinkTableTests
{
    [Theory]
    [InlineData("clicks")]
    [InlineData("clicks30")]
    public async Task A_page_far_past_the_end_of_a_ranking_by_clicks_is_empty_not_the_first_page(string sort)
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://shop.example.com/a", slug = "ranked-a" });
        await app.CreateLinkAsync(new { url = "https://shop.example.com/b", slug = "ranked-b" });
        using (var visitor = app.CreateVisitorClient())
            (await visitor.GetAsync("/ranked-b")).Dispose();
        await app.FlushClicksAsync();
        using var scope = app.Services.CreateScope();
        var table = scope.ServiceProvider.GetRequiredService<LinkTable>();

        var first = await table.ReadAsync(null, null, sort, 1, CancellationToken.None);
        Assert.Equal(["ranked-b", "ranked-a"], first.Rows.Select(r => r.Link.Slug));
        // 100,000,000 pages of 25 is past int: the offset wrapped round to the first page.
        var farPast = await table.ReadAsync(null, null, sort, 100_000_000, CancellationToken.None);
        Assert.Empty(farPast.Rows);
        Assert.Equal(2, farPast.Total);
        Assert.Equal(100_000_000, farPast.Page);
    }
}
