using System.Globalization;

namespace Redirector.Tests.Infrastructure;

/// <summary>A Linux thread's scheduling, read from its <c>/proc/.../stat</c> (proc(5)).</summary>
public static class ThreadScheduling
{
    public const int SchedOther = 0, SchedBatch = 3, SchedIdle = 5;

    /// <summary>The calling thread's policy and nice value.</summary>
    public static (int Policy, int Nice) OfThisThread() => Parse(File.ReadAllText("/proc/thread-self/stat"));

    /// <summary>The policy and nice value of every thread of this process named <paramref name="name"/> (at most 15 characters).</summary>
    public static IReadOnlyList<(int Policy, int Nice)> OfThreadsNamed(string name) =>
        Directory.GetDirectories("/proc/self/task")
            .Select(task => (Name: TryRead(Path.Combine(task, "comm"))?.TrimEnd('\n'), Stat: TryRead(Path.Combine(task, "stat"))))
            .Where(t => t.Name == name && t.Stat is not null)
            .Select(t => Parse(t.Stat!))
            .ToList();

    // A thread may end between listing and reading.
    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static (int Policy, int Nice) Parse(string stat)
    {
        // The thread's name (field 2) is in parentheses and may hold spaces: count from field 3, after it.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (int.Parse(fields[41 - 3], CultureInfo.InvariantCulture), int.Parse(fields[19 - 3], CultureInfo.InvariantCulture));
    }
}
