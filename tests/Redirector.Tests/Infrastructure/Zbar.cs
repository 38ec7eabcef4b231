using System.Diagnostics;

namespace Redirector.Tests.Infrastructure;

/// <summary>Reads QR codes from images with zbarimg (zbar-tools, installed by scripts/deps.sh): what a phone's scanner would read.</summary>
public static class Zbar
{
    /// <summary>The text of the one QR code in <paramref name="image"/> (PNG bytes); fails the test when none is found.</summary>
    public static async Task<string> DecodeAsync(byte[] image)
    {
        var path = Path.Combine(Path.GetTempPath(), $"qr-{Guid.NewGuid():N}.png");
        await File.WriteAllBytesAsync(path, image);
        try
        {
            var info = new ProcessStartInfo("zbarimg") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "--raw", "-q", "-Sdisable", "-Sqrcode.enable", path })
                info.ArgumentList.Add(argument);
            using var process = Process.Start(info)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"zbarimg found no QR code (exit {process.ExitCode}): {error}");
            return output.TrimEnd('\n');
        }
        finally
        {
            File.Delete(path);
        }
    }
}
