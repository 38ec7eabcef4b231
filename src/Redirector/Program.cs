using Redirector.Admin;
using Redirector.Api;
using Redirector.Catalog;
using Redirector.Clicks;
using Redirector.Domains;
using Redirector.Events;
using Redirector.Health;
using Redirector.Hosting;
using Redirector.Links;
using Redirector.Qr;
using Redirector.Redirects;
using Redirector.Security;
using Redirector.Stats;
using Redirector.Tracking;
using Redirector.Webhooks;

SettingsFailures.ReportWithoutStackTrace();

// Settings are read once, at start (nothing rereads them). With reloading on, the host watches its content root and
// every folder under it, and where data/ lies there (the Docker image's /app/data) each spool write wakes the watcher
// thread: 2% of the node's CPU under load (bench/README.md, "Settings read once").
var builder = WebApplication.CreateBuilder([.. args, "--hostBuilder:reloadConfigOnChange=false"]);

builder.AddLenientRequestParsing();
builder.AddTrustedProxies();
builder.AddCatalog();
builder.AddClickTracking();
builder.AddEventStore();
builder.AddStats();
builder.AddApi();
builder.AddOutboundTracking();
builder.AddWebhooks();
builder.AddRedirects();
builder.AddHealth();
builder.AddPersistedDataProtection();
builder.AddAdmin();

var app = builder.Build();
app.ValidateSettings();

// These come before routing: short-circuited endpoints (the redirect) skip later middleware.
app.UseNoSniff();
app.UseUnreadableRequestChecks();
app.UseTrustedProxies();
app.UseHeldLinkRedirects();
app.UseRouting();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseApiSecurityHeaders();
app.UseApiBodyBuffering();
app.UseAdminSecurityHeaders();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();

app.MapOpenApi();
app.MapHealth();
app.MapLinksApi();
app.MapDomainsApi();
app.MapQrApi();
app.MapStatsApi();
app.MapEventsApi();
app.MapOutbound();
app.MapWebhooksApi();
app.MapApiFallback();
app.MapAdmin();
app.MapRedirects();

if (!await app.StartOrReportAddressInUseAsync())
    return SettingsFailures.ExitCode;
await app.WaitForShutdownAsync();
await app.DisposeAsync();
return 0;

public partial class Program;
