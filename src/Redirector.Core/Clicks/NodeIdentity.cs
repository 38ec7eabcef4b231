using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Redirector.Clicks;

/// <summary>
/// This node's id, kept in the data directory so that batches spooled before a restart are still recognised
/// as this node's when they are replayed after it.
/// </summary>
public sealed class NodeIdentity
{
    public NodeIdentity(IOptions<AnalyticsOptions> options)
    {
        Directory.CreateDirectory(options.Value.DataDirectory);
        var path = Path.Combine(options.Value.DataDirectory, "node-id");
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } existing)
        {
            Id = existing;
            return;
        }
        Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        File.WriteAllText(path, Id);
    }

    public string Id { get; }
}
