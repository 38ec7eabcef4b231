using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using Redirector.Geo;

namespace Redirector.Bots;

/// <summary>
/// Tells whether an address belongs to a hosting or cloud network (hosting-networks.txt): the address ranges of
/// those networks only, taken from the ip-location-db asn data (CC BY 4.0, see NOTICE) when first used and kept as
/// two sorted arrays, so a lookup is a binary search without allocation. Runs in the click pipeline, never on the
/// redirect path; it keeps nothing about the addresses it is asked for.
/// </summary>
public sealed class HostingNetworks
{
    private const string EmbeddedList = "Redirector.Bots.hosting-networks.txt";

    /// <summary>Where the build copies the asn data's numeric CSV files (see Redirector.Core.csproj).</summary>
    public static string DefaultDataDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "Bots");

    private static readonly Lazy<HostingNetworks> EmbeddedDefault = new(() => Load(DefaultDataDirectory), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly uint[] _v4Starts;
    private readonly uint[] _v4Ends;
    private readonly long[] _v4Networks;
    private readonly UInt128[] _v6Starts;
    private readonly UInt128[] _v6Ends;
    private readonly long[] _v6Networks;
    private readonly IReadOnlyDictionary<long, string> _names;

    private HostingNetworks(Ranges<uint> v4, Ranges<UInt128> v6, IReadOnlyDictionary<long, string> names)
    {
        (_v4Starts, _v4Ends, _v4Networks) = v4.ToArrays();
        (_v6Starts, _v6Ends, _v6Networks) = v6.ToArrays();
        _names = names;
    }

    /// <summary>The built-in list over the built-in data, loaded once per process (about a second on a busy 2-core machine) and shared.</summary>
    public static HostingNetworks Default => EmbeddedDefault.Value;

    /// <summary>Address ranges held, IPv4 and IPv6 together.</summary>
    public int RangeCount => _v4Starts.Length + _v6Starts.Length;

    /// <summary>
    /// The hosting network of <paramref name="address"/> as (AS number, operator name from the list), or null for
    /// null, private, loopback and reserved addresses and for every network not listed. IPv4-mapped IPv6 addresses
    /// are looked up as IPv4.
    /// </summary>
    public (long Asn, string Name)? Find(IPAddress? address)
    {
        if (address is null)
            return null;
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (!GeoLookup.IsPublic(address))
            return null;
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var length))
            return null;
        var asn = length == 4
            ? Search(_v4Starts, _v4Ends, _v4Networks, BinaryPrimitives.ReadUInt32BigEndian(bytes))
            : Search(_v6Starts, _v6Ends, _v6Networks, BinaryPrimitives.ReadUInt128BigEndian(bytes));
        return asn is { } found ? (found, _names[found]) : null;
    }

    private static long? Search<T>(T[] starts, T[] ends, long[] networks, T value) where T : IComparable<T>
    {
        // The last range starting at or before the value: the data's ranges do not overlap.
        var index = Array.BinarySearch(starts, value);
        if (index < 0)
            index = ~index - 1;
        return index >= 0 && ends[index].CompareTo(value) >= 0 ? networks[index] : null;
    }

    /// <summary>
    /// Reads the built-in list and the ranges of its networks from <paramref name="dataDirectory"/>'s
    /// asn-ipv4-num.csv and asn-ipv6-num.csv ("start,end,asn,organisation", inclusive numeric ranges). Throws
    /// <see cref="FileNotFoundException"/> when a file is missing and <see cref="InvalidDataException"/> when a
    /// line of a listed network cannot be read.
    /// </summary>
    public static HostingNetworks Load(string dataDirectory)
    {
        using var stream = typeof(HostingNetworks).Assembly.GetManifestResourceStream(EmbeddedList)
            ?? throw new InvalidOperationException($"The embedded resource {EmbeddedList} is missing.");
        using var reader = new StreamReader(stream);
        var names = ParseList(reader);
        return new HostingNetworks(
            ReadRanges<uint>(Path.Combine(dataDirectory, "asn-ipv4-num.csv"), names, uint.TryParse),
            ReadRanges<UInt128>(Path.Combine(dataDirectory, "asn-ipv6-num.csv"), names, UInt128.TryParse),
            names);
    }

    /// <summary>"ASN name" lines, "#" comments; throws <see cref="FormatException"/> for a line without an AS number.</summary>
    internal static Dictionary<long, string> ParseList(TextReader list)
    {
        var names = new Dictionary<long, string>();
        while (list.ReadLine() is { } line)
        {
            var entry = line.Trim();
            if (entry.Length == 0 || entry.StartsWith('#'))
                continue;
            var space = entry.IndexOf(' ');
            var number = space < 0 ? entry : entry[..space];
            if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var asn))
                throw new FormatException($"hosting-networks.txt: '{entry}' does not start with an AS number.");
            names[asn] = space < 0 ? $"AS{asn}" : entry[(space + 1)..].Trim();
        }
        return names;
    }

    private delegate bool NumberParser<T>(ReadOnlySpan<char> text, NumberStyles style, IFormatProvider? provider, out T value);

    private static Ranges<T> ReadRanges<T>(string path, Dictionary<long, string> names, NumberParser<T> parse) where T : IComparable<T>
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"The network data file '{Path.GetFullPath(path)}' is missing; rebuild Redirector.Core.", path);
        var ranges = new Ranges<T>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            // Only the first three fields are read; the organisation name after them may be quoted and hold commas.
            var text = line.AsSpan();
            var first = text.IndexOf(',');
            var second = first < 0 ? -1 : text[(first + 1)..].IndexOf(',') + first + 1;
            var third = second <= first ? -1 : text[(second + 1)..].IndexOf(',') + second + 1;
            if (third <= second
                || !long.TryParse(text[(second + 1)..third], NumberStyles.None, CultureInfo.InvariantCulture, out var asn))
                throw new InvalidDataException($"{path}:{lineNumber}: expected 'start,end,asn,organisation'.");
            if (!names.ContainsKey(asn))
                continue;
            if (!parse(text[..first], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
                || !parse(text[(first + 1)..second], NumberStyles.None, CultureInfo.InvariantCulture, out var end))
                throw new InvalidDataException($"{path}:{lineNumber}: the range is not two numbers.");
            ranges.Add(start, end, asn);
        }
        return ranges;
    }

    private sealed class Ranges<T> where T : IComparable<T>
    {
        private readonly List<(T Start, T End, long Asn)> _ranges = [];

        public void Add(T start, T end, long asn) => _ranges.Add((start, end, asn));

        public (T[] Starts, T[] Ends, long[] Networks) ToArrays()
        {
            _ranges.Sort((a, b) => a.Start.CompareTo(b.Start));
            return ([.. _ranges.Select(r => r.Start)], [.. _ranges.Select(r => r.End)], [.. _ranges.Select(r => r.Asn)]);
        }
    }
}
