using System.ComponentModel.DataAnnotations;

namespace Redirector.Bots;

/// <summary>Settings of bot detection beyond the User-Agent (section "Bots"; see docs/bots.md).</summary>
public sealed class BotOptions
{
    /// <summary>
    /// Count a browser agent from a hosting or cloud network (Bots/hosting-networks.txt) as bot kind "scanner".
    /// Turn off when real people reach the service through such a network (e.g. a company VPN hosted on AWS).
    /// </summary>
    public bool HostingNetworksAreScanners { get; set; } = true;

    /// <summary>
    /// The burst rule: a visitor opening more than this many different links within <see cref="BurstWindow"/> is a
    /// scanner from then on, for the rest of the UTC day. 0 turns the rule off.
    /// </summary>
    [Range(0, 1000)] public int BurstLinks { get; set; } = 3;

    /// <summary>How close together the links of a burst are opened.</summary>
    public TimeSpan BurstWindow { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Visitors the burst rule remembers at once (about 150 bytes each); see <see cref="BurstDetector"/>.</summary>
    [Range(100, 10_000_000)] public int BurstMemory { get; set; } = 100_000;
}
