using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static Redirector.Tests.Admin.AdminHttp;

namespace Redirector.Tests.Admin;

/// <summary>/admin/live against a node that is told to stop.</summary>
public sealed class LiveStreamTests
{
    [Fact]
    public async Task A_node_told_to_stop_ends_open_live_streams_instead_of_waiting_out_its_shutdown_timeout()
    {
        await using var app = NewApp();
        using var client = NewClient(app);
        await SignInAsync(client);
        using var response = await client.GetAsync("/admin/live", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[256];
        Assert.True(await body.ReadAsync(buffer) > 0, "the stream opens with a comment line");

        app.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        // Open, the stream would only send a heartbeat every 15 s; Kestrel waits 30 s for it before stopping.
        var ended = DrainAsync(body, buffer);
        Assert.Same(ended, await Task.WhenAny(ended, Task.Delay(TimeSpan.FromSeconds(10))));
    }

    private static async Task DrainAsync(Stream body, byte[] buffer)
    {
        while (await body.ReadAsync(buffer) > 0)
        {
        }
    }
}
