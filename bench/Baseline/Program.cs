// What a redirect costs with nothing else to do: the yardstick bench/run.sh measures Redirector against.
// Same host builder, Kestrel defaults and logging configuration as Redirector; no middleware.
var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();

const string Location = "https://example.com/landing";
app.MapGet("/{slug}", static context =>
{
    context.Response.StatusCode = StatusCodes.Status302Found;
    context.Response.Headers.Location = Location;
    return Task.CompletedTask;
});

app.Run();
