using System.Security.Cryptography;

namespace Redirector.Tracking;

/// <summary>The tracker script (t.js, embedded in the assembly) and its ETag, read once.</summary>
public sealed class TrackerScript
{
    public TrackerScript()
    {
        using var stream = typeof(TrackerScript).Assembly.GetManifestResourceStream("Redirector.Tracking.t.js")
            ?? throw new InvalidOperationException("The tracker script is not embedded in the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        Content = copy.ToArray();
        ETag = "\"" + Convert.ToHexStringLower(SHA256.HashData(Content), 0, 8) + "\"";
    }

    public byte[] Content { get; }

    public string ETag { get; }
}
