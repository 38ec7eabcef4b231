using System.Diagnostics;
using System.Net;
using Redirector.Bots;
using Redirector.Geo;

namespace Redirector.Benchmarks.Geo;

/// <summary>
/// The `geo [N] [path.mmdb]` subcommand: country lookups per second and bytes allocated per lookup on N (default
/// 1,000,000) random public addresses, three quarters IPv4 and one quarter IPv6, in the built-in database or the
/// given one; then hosting-network lookups (<see cref="HostingNetworks"/>, the built-in list) on the same addresses.
/// The addresses are made before timing, so the figure is the lookup alone.
/// </summary>
internal static class GeoQuickBenchmark
{
    private const int Passes = 3;

    public static int Run(string[] args)
    {
        var count = args.Length > 0 && int.TryParse(args[0], out var n) && n > 0 ? n : 1_000_000;
        var path = args.Length > 1 ? args[1] : GeoLookup.DefaultDatabasePath;

        var started = Stopwatch.GetTimestamp();
        using var geo = GeoLookup.Open(path);
        var open = Stopwatch.GetElapsedTime(started);
        Console.WriteLine($"database: {geo.DatabaseType}, built {geo.BuildDate:yyyy-MM-dd}, {new FileInfo(path).Length / 1e6:F1} MB, opened in {open.TotalMilliseconds:F1} ms");

        var random = new Random(17);
        var addresses = new IPAddress[count];
        Span<byte> v6 = stackalloc byte[16];
        for (var i = 0; i < count; i++)
        {
            if (i % 4 == 3)
            {
                // Global unicast 2000::/3, where the assigned IPv6 space is.
                random.NextBytes(v6);
                v6[0] = (byte)(0x20 | (v6[0] & 0x0f));
                addresses[i] = new IPAddress(v6);
            }
            else
            {
                addresses[i] = new IPAddress((long)(uint)random.Next(0x0100_0000, int.MaxValue) | ((long)random.Next(2) << 31));
            }
        }

        var placed = 0;
        foreach (var address in addresses)
            placed += geo.CountryOf(address) is null ? 0 : 1;
        Console.WriteLine($"addresses: {count:N0} ({placed * 100.0 / count:F1}% placed in a country; the rest are private, reserved or unlisted)");

        Report("country lookups", addresses, address => geo.CountryOf(address));

        started = Stopwatch.GetTimestamp();
        var networks = HostingNetworks.Default;
        var load = Stopwatch.GetElapsedTime(started);
        var hosted = addresses.Count(address => networks.Find(address) is not null);
        Console.WriteLine(
            $"hosting networks: {networks.RangeCount:N0} ranges, loaded in {load.TotalMilliseconds:F0} ms; " +
            $"{hosted * 100.0 / count:F1}% of the addresses are in one");
        Report("hosting-network lookups", addresses, address => networks.Find(address));
        return 0;
    }

    private static void Report<T>(string what, IPAddress[] addresses, Func<IPAddress, T> lookup)
    {
        var best = TimeSpan.MaxValue;
        long allocated = 0;
        for (var pass = 0; pass < Passes; pass++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var start = Stopwatch.GetTimestamp();
            foreach (var address in addresses)
                lookup(address);
            var elapsed = Stopwatch.GetElapsedTime(start);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            best = elapsed < best ? elapsed : best;
        }
        Console.WriteLine(
            $"{what}: {addresses.Length / best.TotalSeconds:N0}/s, {best.TotalNanoseconds / addresses.Length:F0} ns each (best of {Passes} passes, one thread), " +
            $"{(double)allocated / addresses.Length:F0} bytes allocated per lookup");
    }
}
