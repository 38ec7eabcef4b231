using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Redirector.Clicks;

/// <summary>How far below the redirect path's threads a <see cref="LowPriorityScheduler"/>'s thread runs.</summary>
public enum LowPriority
{
    /// <summary>
    /// Linux <c>SCHED_IDLE</c>: the thread gets a core only when no thread of normal priority wants it, so work on it
    /// may trail without bound under a sustained peak (a spool consumer, which falls back to normal priority when it
    /// trails too long).
    /// </summary>
    Idle,

    /// <summary>
    /// Linux <c>SCHED_BATCH</c> at nice 5: the thread never preempts another when it wakes and, when the cores are
    /// contended, gets about a third of a normal thread's share (weight 335 against 1024), but it is never starved.
    /// For work that must keep pace with the redirects, such as collecting clicks, without cutting into their latency.
    /// bench/README.md, "The collector at background priority".
    /// </summary>
    Background,
}

/// <summary>
/// Runs tasks on one thread of its own at a CPU priority below the thread pool's (<see cref="LowPriority"/>; elsewhere
/// than Linux the lowest or a below-normal .NET thread priority), so that work which may wait yields the cores to
/// redirects. An <c>await</c> inside a task started here resumes here too, as the task's scheduler is captured.
/// .NET has no such scheduler and no package offers one; the thread policy is two system calls.
/// </summary>
public sealed partial class LowPriorityScheduler : TaskScheduler, IDisposable
{
    private readonly BlockingCollection<Task> _tasks = new();
    private readonly Thread _thread;
    private readonly LowPriority _priority;

    /// <param name="name">The thread's name, as tools such as <c>top -H</c> show it.</param>
    /// <param name="priority">How low the thread runs.</param>
    public LowPriorityScheduler(string name, LowPriority priority)
    {
        _priority = priority;
        _thread = new Thread(Run) { Name = name, IsBackground = true };
        _thread.Start();
    }

    public override int MaximumConcurrencyLevel => 1;

    public void Dispose() => _tasks.CompleteAdding();

    /// <summary>
    /// Runs <paramref name="work"/> here and completes on the thread pool, never on this thread: the caller's next
    /// steps (which may take a lock that threads of normal priority wait for) must not run at low priority.
    /// </summary>
    public async Task RunAsync(Func<Task> work, CancellationToken ct) =>
        await Start(work, ct).ConfigureAwait(ConfigureAwaitOptions.ForceYielding);

    /// <summary>
    /// Runs <paramref name="work"/> here, every continuation of it included, and completes here too. A task it
    /// blocks on must not need this thread.
    /// </summary>
    public Task Start(Func<Task> work, CancellationToken ct) =>
        Task.Factory.StartNew(work, ct, TaskCreationOptions.DenyChildAttach, this).Unwrap();

    protected override void QueueTask(Task task) => _tasks.Add(task);

    // Only the scheduler's own thread may run a task inline, so that nothing queued here runs at normal priority.
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        Thread.CurrentThread == _thread && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => _tasks.ToArray();

    private void Run()
    {
        if (!TrySetPolicy(_priority))
            Thread.CurrentThread.Priority = _priority == LowPriority.Idle ? ThreadPriority.Lowest : ThreadPriority.BelowNormal;
        foreach (var task in _tasks.GetConsumingEnumerable())
            TryExecuteTask(task);
        _tasks.Dispose();
    }

    private static bool TrySetPolicy(LowPriority priority)
    {
        if (!OperatingSystem.IsLinux())
            return false;
        try
        {
            // Thread 0 is the calling thread (for setpriority too, on Linux); neither call needs a privilege, as both
            // only lower the thread.
            var staticPriority = 0;
            return priority == LowPriority.Idle
                ? NativeMethods.SchedSetScheduler(0, SchedIdle, ref staticPriority) == 0
                : NativeMethods.SchedSetScheduler(0, SchedBatch, ref staticPriority) == 0 &&
                  NativeMethods.SetPriority(PrioProcess, 0, BackgroundNice) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    private const int SchedBatch = 3;
    private const int SchedIdle = 5;
    private const int PrioProcess = 0;
    private const int BackgroundNice = 5;

    private static partial class NativeMethods
    {
        [LibraryImport("libc", EntryPoint = "sched_setscheduler")]
        internal static partial int SchedSetScheduler(int pid, int policy, ref int priority);

        [LibraryImport("libc", EntryPoint = "setpriority")]
        internal static partial int SetPriority(int which, int who, int priority);
    }
}
