using System.ComponentModel.DataAnnotations;

namespace Redirector.ApiKeys;

/// <summary>Settings of API keys (section "Api").</summary>
public sealed class ApiKeyOptions
{
    /// <summary>Becomes the first API key when none exists yet (environment Api__InitialKey).</summary>
    [MinLength(16)] public string? InitialKey { get; set; }

    /// <summary>How often the keys' last-used times are written to the catalogue; a call never waits for that write.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LastUsedFlushInterval { get; set; } = TimeSpan.FromSeconds(10);
}
