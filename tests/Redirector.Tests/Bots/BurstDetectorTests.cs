using Redirector.Bots;

namespace Redirector.Tests.Bots;

/// <summary>The burst rule on its own, with click times chosen by the test.</summary>
public sealed class BurstDetectorTests
{
    private static readonly DateTime Start = new(2026, 11, 29, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void More_than_the_limit_of_different_links_within_the_window_is_a_burst_from_then_on()
    {
        var bursts = new BurstDetector(new BotOptions { BurstLinks = 3, BurstWindow = TimeSpan.FromSeconds(2) });

        Assert.Equal(
            [false, false, false, true, true, true],
            [.. new[] { 1L, 2, 3, 4, 1, 5 }.Select((link, i) => bursts.IsBurst(7, link, Start.AddMilliseconds(100 * i)))]);
        // Later the same day the visitor is still a scanner; another visitor is not.
        Assert.True(bursts.IsBurst(7, 1, Start.AddHours(3)));
        Assert.False(bursts.IsBurst(8, 1, Start.AddHours(3)));
    }

    [Fact]
    public void The_same_link_again_or_links_further_apart_than_the_window_are_no_burst()
    {
        var bursts = new BurstDetector(new BotOptions { BurstLinks = 3, BurstWindow = TimeSpan.FromSeconds(2) });

        for (var i = 0; i < 20; i++)
            Assert.False(bursts.IsBurst(7, 1, Start.AddMilliseconds(10 * i)));
        for (var link = 2; link < 20; link++)
            Assert.False(bursts.IsBurst(9, link, Start.AddSeconds(1.5 * link)));
    }

    [Fact]
    public void Off_at_zero()
    {
        var bursts = new BurstDetector(new BotOptions { BurstLinks = 0 });

        Assert.All(Enumerable.Range(1, 50), link => Assert.False(bursts.IsBurst(7, link, Start)));
    }

    [Fact]
    public void Memory_stays_within_its_bound_and_keeps_marked_visitors_of_the_day()
    {
        var bursts = new BurstDetector(new BotOptions { BurstLinks = 1, BurstMemory = 100 });
        Assert.False(bursts.IsBurst(1, 1, Start));
        Assert.True(bursts.IsBurst(1, 2, Start));

        for (var visitor = 2UL; visitor < 10_000; visitor++)
        {
            bursts.IsBurst(visitor, 1, Start.AddSeconds(visitor));
            Assert.InRange(bursts.Count, 1, 100);
        }
        Assert.True(bursts.IsBurst(1, 3, Start.AddSeconds(10_000)));
    }
}
