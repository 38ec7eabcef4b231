using Microsoft.Data.Sqlite;
using Npgsql;

namespace Redirector.Catalog;

/// <summary>
/// The catalogue could not take a write within <see cref="CatalogOptions.BusyTimeout"/> because another
/// connection (another process, a backup, a long migration) holds its lock. The host answers 503 with
/// Retry-After: nothing was written, and the same request can be sent again.
/// </summary>
public sealed class CatalogBusyException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>
    /// True when <paramref name="exception"/> or one of its inner exceptions means "the catalogue is locked":
    /// this exception, SQLite's SQLITE_BUSY (5) or SQLITE_LOCKED (6) after the busy timeout, or PostgreSQL's
    /// lock_not_available (55P03) after <c>lock_timeout</c>. EF Core wraps them in DbUpdateException.
    /// </summary>
    public static bool IsBusy(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is CatalogBusyException
                || e is SqliteException { SqliteErrorCode: 5 or 6 }
                || e is PostgresException { SqlState: PostgresErrorCodes.LockNotAvailable })
                return true;
        }
        return false;
    }
}
