using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Redirector.Clicks;

/// <summary>
/// Runs tasks on one thread of its own at the operating system's lowest CPU priority (Linux <c>SCHED_IDLE</c>: it
/// gets a core only when no thread of normal priority wants it; elsewhere the lowest thread priority .NET offers), so
/// that work which may trail, such as writing the event store, yields the cores to redirects and counting at peaks
/// and catches up in the gaps between them (<see cref="SpoolConsumer"/> uses one per consumer). An <c>await</c> inside a task started here resumes here too, as the
/// task's scheduler is captured. .NET has no such scheduler and no package offers one; the thread policy is one
/// system call.
/// </summary>
public sealed partial class IdlePriorityScheduler : TaskScheduler, IDisposable
{
    private readonly BlockingCollection<Task> _tasks = new();
    private readonly Thread _thread;

    /// <param name="name">The thread's name, as tools such as <c>top -H</c> show it.</param>
    public IdlePriorityScheduler(string name)
    {
        _thread = new Thread(Run) { Name = name, IsBackground = true };
        _thread.Start();
    }

    public override int MaximumConcurrencyLevel => 1;

    public void Dispose() => _tasks.CompleteAdding();

    /// <summary>
    /// Runs <paramref name="work"/> here and completes on the thread pool, never on this thread: the caller's next
    /// steps (which may take a lock that threads of normal priority wait for) must not run at idle priority.
    /// </summary>
    public async Task RunAsync(Func<Task> work, CancellationToken ct) =>
        await Task.Factory.StartNew(work, ct, TaskCreationOptions.None, this).Unwrap().ConfigureAwait(ConfigureAwaitOptions.ForceYielding);

    protected override void QueueTask(Task task) => _tasks.Add(task);

    // Only the scheduler's own thread may run a task inline, so that nothing queued here runs at normal priority.
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        Thread.CurrentThread == _thread && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => _tasks.ToArray();

    private void Run()
    {
        if (!TrySetIdlePolicy())
            Thread.CurrentThread.Priority = ThreadPriority.Lowest;
        foreach (var task in _tasks.GetConsumingEnumerable())
            TryExecuteTask(task);
        _tasks.Dispose();
    }

    private static bool TrySetIdlePolicy()
    {
        if (!OperatingSystem.IsLinux())
            return false;
        try
        {
            // Thread 0 is the calling thread; SCHED_IDLE takes priority 0 and needs no privilege.
            var priority = 0;
            return NativeMethods.SchedSetScheduler(0, SchedIdle, ref priority) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    private const int SchedIdle = 5;

    private static partial class NativeMethods
    {
        [LibraryImport("libc", EntryPoint = "sched_setscheduler")]
        internal static partial int SchedSetScheduler(int pid, int policy, ref int priority);
    }
}
