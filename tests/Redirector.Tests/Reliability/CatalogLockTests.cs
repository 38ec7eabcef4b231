using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Redirector.ApiKeys;
using Redirector.Tests.Admin;
using Redirector.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Redirector.Tests.Reliability;

/// <summary>Another process holds the SQLite catalogue's write lock: writes fail fast with 503, reads and redirects go on.</summary>
public sealed class CatalogLockTests(ITestOutputHelper output)
{
    private static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_locked_catalogue_answers_writes_503_and_leaves_reads_and_redirects_alone()
    {
        await using var app = AdminHttp.NewApp(new() { ["Catalog:BusyTimeout"] = "00:00:02", ["Api:LastUsedFlushInterval"] = "00:00:01" });
        var address = app.StartKestrel();
        await app.CreateLinkAsync(new { url = "https://example.com/hot", slug = "hot" });
        // A key never used before: its first call has a last-used time to record.
        var reader = await app.Services.GetRequiredService<ApiKeyService>().CreateAsync("reader", Redirector.Security.Roles.Viewer, CancellationToken.None);
        using var admin = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = address };
        await AdminHttp.SignInAsync(admin);
        var sitesPage = await admin.GetStringAsync("/admin/sites");
        using var visitor = app.CreateVisitorClient();
        using var api = app.CreateApiClient();

        var unlocked = await RedirectLatenciesAsync(visitor, TimeSpan.FromSeconds(3));

        await using var locker = new SqliteConnection($"Data Source={Path.Combine(app.DataDirectory, "catalog.db")};Pooling=False");
        await locker.OpenAsync();
        await using (var begin = new SqliteCommand("BEGIN EXCLUSIVE", locker))
            await begin.ExecuteNonQueryAsync();

        using var sampling = new CancellationTokenSource();
        var pool = SampleThreadPoolAsync(sampling.Token);
        // Writers arriving together, as from an import script or a busy team: more than the thread pool holds idle.
        var writers = Enumerable.Range(0, 64).Select(i => Timed.SendAsync(() => api.PostAsJsonAsync("/api/links", new { url = $"https://example.com/{i}" }))).ToList();
        writers.Add(Timed.SendAsync(() => api.PatchAsJsonAsync("/api/links/hot", new { title = "Locked" })));
        writers.Add(Timed.SendAsync(() => api.PostAsJsonAsync("/api/sites", new { name = "Blog", hosts = new[] { "blog.example.com" } })));
        var locked = await RedirectLatenciesAsync(visitor, TimeSpan.FromSeconds(5));
        using var read = new HttpClient(new SocketsHttpHandler()) { BaseAddress = address };
        read.DefaultRequestHeaders.Add("X-Api-Key", reader.Secret);
        var (readResponse, readTook) = await Timed.SendAsync(() => read.GetAsync("/api/links/hot"));
        var (adminWrite, adminTook) = await Timed.SendAsync(() => admin.PostAsync("/admin/sites", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "new-site",
            ["__RequestVerificationToken"] = AdminHttp.TokenOf(sitesPage),
            ["Form.Name"] = "Docs",
            ["Form.Hosts"] = "docs.example.com",
        })));
        var answered = await Task.WhenAll(writers);
        await sampling.CancelAsync();
        var (maxThreads, maxPending) = await pool;

        await using (var rollback = new SqliteCommand("ROLLBACK", locker))
            await rollback.ExecuteNonQueryAsync();

        output.WriteLine($"redirect p99 without the lock {Percentile(unlocked, 0.99):F1} ms ({unlocked.Count} requests), " +
                         $"with it and {writers.Count} blocked writers {Percentile(locked, 0.99):F1} ms ({locked.Count} requests)");
        output.WriteLine($"thread pool during the lock: at most {maxThreads} threads, {maxPending} queued work items");
        output.WriteLine($"writes answered {string.Join(", ", answered.Select(a => $"{(int)a.Response.StatusCode} in {a.Took.TotalMilliseconds:F0} ms"))}");
        output.WriteLine($"read {(int)readResponse.StatusCode} in {readTook.TotalMilliseconds:F0} ms; admin write {(int)adminWrite.StatusCode} in {adminTook.TotalMilliseconds:F0} ms");

        Assert.Equal(HttpStatusCode.OK, readResponse.StatusCode);
        Assert.True(readTook < TimeSpan.FromSeconds(1), $"the read took {readTook.TotalMilliseconds} ms");
        foreach (var (response, took) in answered.Append((adminWrite, adminTook)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            // A writer may first queue behind another for the busy timeout, then wait the busy timeout itself.
            Assert.True(took < 2 * BusyTimeout + TimeSpan.FromSeconds(2), $"a write answered after {took.TotalMilliseconds} ms");
        }
        Assert.True(Percentile(locked, 0.99) < 200, $"redirect p99 during the lock was {Percentile(locked, 0.99)} ms");

        // The lock gone, writes work again, and the read's last-used time, held back meanwhile, is written.
        using var after = await api.PostAsJsonAsync("/api/links", new { url = "https://example.com/after", slug = "after" });
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
        var keys = app.Services.GetRequiredService<ApiKeyService>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await keys.ListAsync(CancellationToken.None)).Single(k => k.Id == reader.Id).LastUsedAt is null && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.NotNull((await keys.ListAsync(CancellationToken.None)).Single(k => k.Id == reader.Id).LastUsedAt);
    }

    private static async Task<List<double>> RedirectLatenciesAsync(HttpClient visitor, TimeSpan duration)
    {
        var latencies = new List<double>();
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await visitor.GetAsync("/hot");
                var took = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                Assert.Equal(HttpStatusCode.Found, response.StatusCode);
                lock (latencies)
                    latencies.Add(took);
            }
        }));
        return latencies;
    }


    private static async Task<(int Threads, long Pending)> SampleThreadPoolAsync(CancellationToken ct)
    {
        var (threads, pending) = (0, 0L);
        try
        {
            while (true)
            {
                threads = Math.Max(threads, ThreadPool.ThreadCount);
                pending = Math.Max(pending, ThreadPool.PendingWorkItemCount);
                await Task.Delay(50, ct);
            }
        }
        catch (OperationCanceledException)
        {
            return (threads, pending);
        }
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }
}
