namespace Redirector.Clicks;

/// <summary>
/// The clicks of one shape in a batch: how many, the time of each (UTC), and the visitor hash of each person
/// among them (bots have none).
/// </summary>
public sealed class ClickGroup(ClickShape shape)
{
    public ClickShape Shape { get; } = shape;

    public int Count => Times.Count;

    public List<DateTime> Times { get; } = [];

    /// <summary>With repeats: a visitor who clicked twice is here twice.</summary>
    public List<ulong> Visitors { get; } = [];

    public void Add(DateTime time, ulong? visitor)
    {
        Times.Add(time);
        if (visitor is { } hash)
            Visitors.Add(hash);
    }
}

/// <summary>Views of one page on one day in a batch.</summary>
public sealed record PageViewCount(string Day, string Page, int Views);

/// <summary>
/// What the spool holds and every consumer reads: one node's clicks and page views of a few milliseconds, grouped by
/// shape. <see cref="Node"/> and <see cref="Sequence"/> identify it, so that a consumer takes it exactly once.
/// </summary>
public sealed class ClickBatch(string node, long sequence, IReadOnlyList<ClickGroup> groups, IReadOnlyList<PageViewCount> pageViews)
{
    public string Node { get; } = node;

    /// <summary>Increasing across restarts of the node (see ClickPipeline.NextSequence).</summary>
    public long Sequence { get; } = sequence;

    public IReadOnlyList<ClickGroup> Groups { get; } = groups;
    public IReadOnlyList<PageViewCount> PageViews { get; } = pageViews;

    /// <summary>Clicks of people and bots.</summary>
    public int Clicks { get; } = groups.Sum(g => g.Count);

    /// <summary>Clicks and page views: the rows an event store keeps of the batch.</summary>
    public int Events => Clicks + PageViews.Sum(v => v.Views);
}
