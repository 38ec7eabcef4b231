using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Redirector.Catalog;

/// <summary>
/// Lets one of this node's writes at a time wait for the SQLite catalogue's lock; the others queue here
/// asynchronously, each for at most <see cref="CatalogOptions.BusyTimeout"/>, then fail with
/// <see cref="CatalogBusyException"/>.
/// </summary>
/// <remarks>
/// Microsoft.Data.Sqlite waits for a locked database by sleeping on its thread (SQLite has no asynchronous I/O),
/// so 64 writers behind another process's <c>BEGIN EXCLUSIVE</c> held 64 thread-pool threads and redirects of
/// cached links, which touch no database, waited 30 s for a thread (CatalogLockTests). SQLite takes one writer at
/// a time anyway, so queueing them here costs no throughput. Reads are not gated: in WAL mode they never wait for a
/// writer. A write is a transaction (from its start to its end) or an INSERT, UPDATE or DELETE outside one.
/// </remarks>
internal sealed class SqliteWriteGate(TimeSpan wait) : IDbCommandInterceptor, IDbTransactionInterceptor, IDbConnectionInterceptor, IDisposable
{
    private static readonly object Held = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConditionalWeakTable<DbContext, object> _holders = [];

    public InterceptionResult<DbTransaction> TransactionStarting(DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result)
    {
        Enter(eventData.Context);
        return result;
    }

    public async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
    {
        await EnterAsync(eventData.Context, cancellationToken);
        return result;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Leave(eventData.Context);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default) =>
        Done(() => Leave(eventData.Context));

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Leave(eventData.Context);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default) =>
        Done(() => Leave(eventData.Context));

    // A transaction that failed to start holds nothing; one whose commit failed is rolled back when disposed,
    // which closes the connection (below).
    public void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData)
    {
        if (eventData.Action == "Start")
            Leave(eventData.Context);
    }

    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default) =>
        Done(() => TransactionFailed(transaction, eventData));

    public InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result) =>
        EnterFor(command, eventData, result);

    public ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default) =>
        EnterForAsync(command, eventData, result, cancellationToken);

    // An INSERT ... RETURNING keeps the lock until its reader is done.
    public InterceptionResult DataReaderClosing(DbCommand command, DataReaderClosingEventData eventData, InterceptionResult result)
    {
        LeaveAfter(command, eventData.Context);
        return result;
    }

    public ValueTask<InterceptionResult> DataReaderClosingAsync(DbCommand command, DataReaderClosingEventData eventData, InterceptionResult result)
    {
        LeaveAfter(command, eventData.Context);
        return ValueTask.FromResult(result);
    }

    public InterceptionResult DataReaderDisposing(DbCommand command, DataReaderDisposingEventData eventData, InterceptionResult result)
    {
        LeaveAfter(command, eventData.Context);
        return result;
    }

    public InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result) =>
        EnterFor(command, eventData, result);

    public ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default) =>
        EnterForAsync(command, eventData, result, cancellationToken);

    public int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        LeaveAfter(command, eventData.Context);
        return result;
    }

    public ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        LeaveAfter(command, eventData.Context);
        return ValueTask.FromResult(result);
    }

    public void CommandFailed(DbCommand command, CommandErrorEventData eventData) => LeaveAfter(command, eventData.Context);

    public Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default) =>
        Done(() => LeaveAfter(command, eventData.Context));

    public void ConnectionClosed(DbConnection connection, ConnectionEndEventData eventData) => Leave(eventData.Context);

    public Task ConnectionClosedAsync(DbConnection connection, ConnectionEndEventData eventData) => Done(() => Leave(eventData.Context));

    private static bool IsWrite(DbCommand command)
    {
        if (command.Transaction is not null)
            return false;
        var sql = command.CommandText.AsSpan().TrimStart();
        return sql.StartsWith("INSERT", StringComparison.OrdinalIgnoreCase)
            || sql.StartsWith("UPDATE", StringComparison.OrdinalIgnoreCase)
            || sql.StartsWith("DELETE", StringComparison.OrdinalIgnoreCase)
            || sql.StartsWith("REPLACE", StringComparison.OrdinalIgnoreCase);
    }

    private T EnterFor<T>(DbCommand command, CommandEventData eventData, T result)
    {
        if (IsWrite(command))
            Enter(eventData.Context);
        return result;
    }

    private async ValueTask<T> EnterForAsync<T>(DbCommand command, CommandEventData eventData, T result, CancellationToken ct)
    {
        if (IsWrite(command))
            await EnterAsync(eventData.Context, ct);
        return result;
    }

    private void Enter(DbContext? context)
    {
        if (context is null || _holders.TryGetValue(context, out _))
            return;
        if (!_gate.Wait(wait))
            throw Busy();
        _holders.AddOrUpdate(context, Held);
    }

    private async Task EnterAsync(DbContext? context, CancellationToken ct)
    {
        if (context is null || _holders.TryGetValue(context, out _))
            return;
        if (!await _gate.WaitAsync(wait, ct))
            throw Busy();
        _holders.AddOrUpdate(context, Held);
    }

    private void LeaveAfter(DbCommand command, DbContext? context)
    {
        if (command.Transaction is null)
            Leave(context);
    }

    private void Leave(DbContext? context)
    {
        if (context is not null && _holders.Remove(context))
            _gate.Release();
    }

    private static Task Done(Action leave)
    {
        leave();
        return Task.CompletedTask;
    }

    public void Dispose() => _gate.Dispose();

    private CatalogBusyException Busy() => new(
        $"Another write held the catalogue for longer than Catalog:BusyTimeout ({wait.TotalSeconds:0.#} s).");
}
