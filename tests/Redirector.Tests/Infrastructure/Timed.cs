using System.Diagnostics;

namespace Redirector.Tests.Infrastructure;

/// <summary>Times one HTTP exchange, body included, for tests that bound how long an answer may take.</summary>
internal static class Timed
{
    /// <summary>Sends, reads the whole body and returns the answer with the time it took; gives up (throws) after a minute.</summary>
    public static async Task<(HttpResponseMessage Response, TimeSpan Took)> SendAsync(Func<Task<HttpResponseMessage>> send)
    {
        var started = Stopwatch.GetTimestamp();
        var response = await send().WaitAsync(TimeSpan.FromMinutes(1));
        await response.Content.LoadIntoBufferAsync();
        return (response, Stopwatch.GetElapsedTime(started));
    }
}
