using Redirector.Admin;
using Redirector.Api;
using Redirector.Catalog;
using Redirector.Clicks;
using Redirector.Health;
using Redirector.Links;
using Redirector.Redirects;
using Redirector.Security;
using Redirector.Stats;

var builder = WebApplication.CreateBuilder(args);

builder.AddCatalog();
builder.AddClickTracking();
builder.AddApi();
builder.AddHealth();
builder.AddPersistedDataProtection();
builder.AddAdmin();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseApiSecurityHeaders();
app.UseAdminSecurityHeaders();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();

app.MapOpenApi();
app.MapHealth();
app.MapLinksApi();
app.MapStatsApi();
app.MapAdmin();
app.MapRedirects();

app.Run();

public partial class Program;
