using System.ComponentModel.DataAnnotations;

namespace Redirector.Webhooks;

/// <summary>Settings of webhook delivery (section "Webhooks").</summary>
public sealed class WebhookOptions
{
    /// <summary>
    /// Lets endpoints on loopback, private (RFC 1918, unique local, CGNAT) and link-local addresses receive events.
    /// Off by default, so an API key cannot make the service call into its own network (SSRF); tests turn it on.
    /// </summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>How long one request may take, connecting and the answer's headers included.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Quick retries of one request (a refused connection, a 5xx, a 429) before it counts as one failed attempt.</summary>
    [Range(0, 5)] public int QuickRetries { get; set; } = 2;

    /// <summary>The wait before the first quick retry (doubling, with jitter).</summary>
    public TimeSpan QuickRetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The wait after the first failed attempt of an event; it doubles with each attempt up to <see cref="RetryMax"/>.</summary>
    public TimeSpan RetryInitial { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait between attempts of an event.</summary>
    public TimeSpan RetryMax { get; set; } = TimeSpan.FromHours(2);

    /// <summary>An endpoint whose oldest queued event has failed for this long is disabled (the admin shows why).</summary>
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often endpoints are re-read from the catalogue and link events taken from its outbox.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a request the spool consumer sends itself (a healthy endpoint's clicks, straight from the spool) may
    /// take before it counts as failed and its events are queued for the endpoint's worker instead. Short, because the
    /// consumer waits for it; the worker's requests get <see cref="Timeout"/>.
    /// </summary>
    public TimeSpan DirectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>After a request sent from the spool fails, how long the endpoint's clicks are queued rather than sent from the spool.</summary>
    public TimeSpan QueueAfterFailure { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long delivered events stay in the queue, listed as an endpoint's recent deliveries.</summary>
    public TimeSpan KeepDelivered { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The largest batch size an endpoint may ask for.</summary>
    [Range(1, 1000)] public int MaxBatchSize { get; set; } = 500;
}
