namespace Redirector.Tests.Infrastructure;

/// <summary>
/// One node (its own redis-server, catalogue and data directory) shared by the cases of a theory whose cases only
/// read, or write what no other case reads: starting a node per case cost most of the suite's time. It starts at the
/// first use (with the settings <see cref="Start"/> gives) and stops after the class's last test. xunit runs a
/// class's tests one at a time, so the lazy start needs no lock.
/// </summary>
public class SharedApplication : IAsyncLifetime
{
    private RedirectorApplication? _app;

    /// <summary>The node, started on first use.</summary>
    public RedirectorApplication App => _app ??= Start();

    /// <summary>Starts the node; a derived fixture gives other settings (the admin's, for one).</summary>
    protected virtual RedirectorApplication Start() => new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_app is not null)
            await _app.DisposeAsync();
    }
}
