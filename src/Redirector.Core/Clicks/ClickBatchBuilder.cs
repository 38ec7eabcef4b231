using System.Runtime.InteropServices;

namespace Redirector.Clicks;

/// <summary>
/// Collects enriched clicks and page views into a <see cref="ClickBatch"/>: clicks with equal shapes share one
/// group (500 clicks on one link from one page are one group of 500), views of one page and day one count.
/// <see cref="Build"/> empties the builder for the next batch.
/// </summary>
public sealed class ClickBatchBuilder
{
    private readonly Dictionary<ClickShape, ClickGroup> _groups = [];
    private readonly Dictionary<PageViewed, int> _views = [];

    /// <summary>Clicks and page views added since the last <see cref="Build"/>.</summary>
    public int Count { get; private set; }

    /// <summary>Adds a click; its shape's values are copied when it starts a group, so the caller may reuse them.</summary>
    public void Add(in Click click)
    {
        if (!_groups.TryGetValue(click.Shape, out var group))
        {
            var shape = click.Shape.Copy();
            _groups.Add(shape, group = new ClickGroup(shape));
        }
        group.Add(click.Time, click.VisitorHash);
        Count++;
    }

    public void Add(PageViewed view)
    {
        CollectionsMarshal.GetValueRefOrAddDefault(_views, view, out _)++;
        Count++;
    }

    public ClickBatch Build(string node, long sequence)
    {
        var views = new List<PageViewCount>(_views.Count);
        foreach (var (view, count) in _views)
            views.Add(new PageViewCount(view.Day, view.Page, count));
        var batch = new ClickBatch(node, sequence, [.. _groups.Values], views);
        _groups.Clear();
        _views.Clear();
        Count = 0;
        return batch;
    }
}
