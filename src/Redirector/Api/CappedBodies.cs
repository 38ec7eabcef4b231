namespace Redirector.Api;

/// <summary>Raw request bodies (a file sent as it is) read no further than the endpoint's own cap, below the server's body limit.</summary>
public static class CappedBodies
{
    /// <summary>The body, or null when it is longer than <paramref name="cap"/> bytes (read no further than that).</summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, int cap, CancellationToken ct)
    {
        if (request.ContentLength > cap)
            return null;
        var buffer = new byte[cap + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), ct)) > 0)
            length += read;
        return length > cap ? null : buffer[..length];
    }
}
