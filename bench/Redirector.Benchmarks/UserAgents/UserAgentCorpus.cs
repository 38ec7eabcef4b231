using Redirector.Tests.UserAgents;

namespace Redirector.Benchmarks.UserAgents;

/// <summary>Every distinct agent in the official uap-core conformance files: a wide, realistic mix.</summary>
internal static class UserAgentCorpus
{
    public static string[] Load()
    {
        if (!UapConformanceData.IsAvailable)
            throw new InvalidOperationException(UapConformanceData.MissingMessage);
        return
        [
            .. UapConformanceData.Files
                .SelectMany(f => UapConformanceData.Load(f.File))
                .Select(c => c.UserAgent)
                .Where(ua => ua.Length > 0)
                .Distinct(StringComparer.Ordinal),
        ];
    }
}
