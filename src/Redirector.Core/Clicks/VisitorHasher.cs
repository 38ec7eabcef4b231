using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Redirector.Catalog;

namespace Redirector.Clicks;

/// <summary>
/// Computes the visitor hash: HMAC-SHA256 of (client address, user agent) keyed by a random salt of the day.
/// Salts live in the catalogue so every node hashes a visitor alike, and are deleted after the day so old
/// hashes can no longer be tied to an address. No address is ever stored.
/// </summary>
public sealed partial class VisitorHasher(IDbContextFactory<CatalogDb> dbFactory, ILogger<VisitorHasher> logger)
{
    private readonly ConcurrentDictionary<string, PreparedHmac> _salts = new(StringComparer.Ordinal);

    /// <summary>Makes sure the salt of <paramref name="day"/> is loaded; called by the pipeline for every click.</summary>
    public ValueTask PrepareAsync(string day, CancellationToken ct) =>
        _salts.ContainsKey(day) ? ValueTask.CompletedTask : new ValueTask(LoadAsync(day, ct));

    private async Task LoadAsync(string day, CancellationToken ct)
    {
        byte[] salt;
        try
        {
            salt = await LoadOrCreateAsync(day, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Counting must not stop because the catalogue is away; this node's hashes differ from others' for the day.
            LogSaltFallback(logger, ex, day);
            salt = RandomNumberGenerator.GetBytes(32);
        }
        _salts[day] = PreparedHmac.Create(salt);
        foreach (var old in _salts.Keys.Where(d => string.CompareOrdinal(d, day) < 0).OrderDescending().Skip(1))
            _salts.TryRemove(old, out _);
    }

    public ulong? Hash(string day, IPAddress? address, string? userAgent)
    {
        if (address is null || !_salts.TryGetValue(day, out var key))
            return null;
        Span<byte> input = stackalloc byte[16 + 1 + 512 * 3];
        address.TryWriteBytes(input, out var written);
        input[written++] = 0;
        var ua = userAgent.AsSpan(0, Math.Min(userAgent?.Length ?? 0, 512));
        written += Encoding.UTF8.GetBytes(ua, input[written..]);
        Span<byte> mac = stackalloc byte[PreparedHmac.Size];
        key.Compute(input[..written], mac);
        return BinaryPrimitives.ReadUInt64BigEndian(mac);
    }

    private async Task<byte[]> LoadOrCreateAsync(string day, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var existing = await db.VisitorSalts.AsNoTracking().FirstOrDefaultAsync(s => s.Day == day, ct);
        if (existing is not null)
            return existing.Salt;
        db.VisitorSalts.Add(new VisitorSalt { Day = day, Salt = RandomNumberGenerator.GetBytes(32) });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another node created the day's salt first; use theirs.
        }
        // Yesterday's salt stays for clicks that straddle midnight; older ones go.
        var keepFrom = DateTime.ParseExact(day, "yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture)
            .AddDays(-1).ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
#pragma warning disable CA1309 // Translated to SQL's own comparison of yyyyMMdd strings; the ordinal overload does not translate.
        await db.VisitorSalts.Where(s => string.Compare(s.Day, keepFrom) < 0).ExecuteDeleteAsync(ct);
#pragma warning restore CA1309
        await using var reread = await dbFactory.CreateDbContextAsync(ct);
        return (await reread.VisitorSalts.AsNoTracking().FirstAsync(s => s.Day == day, ct)).Salt;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the visitor salt of {Day} from the catalogue; using a local one")]
    private static partial void LogSaltFallback(ILogger logger, Exception exception, string day);
}
