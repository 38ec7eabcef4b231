using Microsoft.AspNetCore.Http;

namespace Redirector.Tests.Core;

/// <summary>Real user agents used across the tests.</summary>
public static class Agents
{
    public const string ChromeWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    public const string SafariIphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
    public const string Slackbot = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)";
    public const string Facebook = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)";

    /// <summary>A GET from <paramref name="userAgent"/>, for handing clicks to the tracker without a server.</summary>
    public static DefaultHttpContext Get(string userAgent)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Request.Headers.UserAgent = userAgent;
        return context;
    }
}
