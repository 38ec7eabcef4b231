using System.ComponentModel.DataAnnotations;

namespace Redirector.Catalog;

/// <summary>Settings of the catalogue database (section "Catalog").</summary>
public sealed class CatalogOptions
{
    /// <summary>
    /// How long a write waits for the catalogue while another connection holds its lock before the request
    /// answers 503 with Retry-After (SQLite's busy timeout, whole seconds; PostgreSQL's <c>lock_timeout</c>).
    /// A write queued behind another of this node's writes may wait twice this.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(3);
}
