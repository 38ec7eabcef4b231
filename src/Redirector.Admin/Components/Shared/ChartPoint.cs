namespace Redirector.Admin.Components.Shared;

public sealed record ChartPoint(string Label, long Value);
