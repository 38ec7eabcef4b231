namespace Redirector.Analytics;

/// <summary>One call of the apply script: the keys it touches and its arguments (see click-apply.lua).</summary>
public sealed record ScriptCall(string[] Keys, string[] Args);

/// <summary>A pre-aggregated batch of clicks, ready for Redis or the spool. <see cref="Sequence"/> makes it idempotent.</summary>
public sealed record ClickBatch(string Node, long Sequence, int Clicks, IReadOnlyList<ScriptCall> Calls);
