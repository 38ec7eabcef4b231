using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Redirector.ApiKeys;

namespace Redirector.Api;

/// <summary>Authenticates API calls by the X-Api-Key header.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyService apiKeys,
    IProblemDetailsService problems) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    private const int MaxKeyLength = 200;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var secret = Request.Headers[HeaderName].ToString();
        if (secret.Length == 0)
            return AuthenticateResult.NoResult();
        if (secret.Length > MaxKeyLength)
            return AuthenticateResult.Fail("The API key is not valid.");
        if (await apiKeys.AuthenticateAsync(secret, Context.RequestAborted) is not { } key)
            return AuthenticateResult.Fail("The API key is not valid.");
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, $"apikey:{key.Id}"), new Claim(ClaimTypes.Role, key.Role)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "This API key may not do that.",
                Detail = $"The key's role is {Context.User.FindFirstValue(ClaimTypes.Role) ?? "none"}: a viewer key may only read (GET) links and counts, " +
                    "not raw clicks (/api/events, /api/links/{slug}/clicks); an editor key may not manage keys or webhooks.",
            },
        });
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{HeaderName}\"";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "An API key is required.",
                Detail = $"Send a valid, unrevoked key in the {HeaderName} header.",
            },
        });
    }
}
