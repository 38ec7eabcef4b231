using System.Net;
using Redirector.Tests.Infrastructure;
using static Redirector.Tests.Core.CountingTests;

namespace Redirector.Tests.Core;

/// <summary>
/// Preview fetchers by family, through real HTTP into a real Redis: each is redirected and counted as a bot, never as a
/// click, while the in-app browsers of the same apps (people) still count as clicks.
/// </summary>
public sealed class PreviewAgentCountingTests
{
    // What the servers send (from their source or their logs): one fetch per server that receives a post.
    public static readonly string[] Fediverse =
    [
        "Pleroma 2.6.1; https://pleroma.example <admin@pleroma.example>",
        "Akkoma 3.13.2; https://akkoma.example <admin@akkoma.example>",
        "Misskey/2024.5.0 (https://misskey.example)",
        "Firefish/1.0.5-rc (https://firefish.example)",
        "Sharkey/2024.3.1 (https://sharkey.example)",
        "Iceshrimp/2023.12.7 (https://iceshrimp.example)",
        "Iceshrimp.NET/2024.1-beta3 (https://iceshrimp.example)",
        "Calckey/14.0.0-rc3 (https://calckey.example)",
        "gotosocial (+https://gts.example) gotosocial/0.15.0",
        "Friendica 'Yellow Archangel' 2024.03-1552; https://friendica.example",
        "(Pixelfed/0.11.13; +https://pixelfed.example)",
        "Lemmy/0.19.3; +https://lemmy.example",
        "PeerTube/6.0.3 (+https://peertube.example)",
        "Hubzilla/9.0; +https://hubzilla.example",
        "http.rb/5.1.1 (Mastodon/4.2.8; +https://mastodon.example/)",
        "Bluesky Cardyb/1.1",
        "Takahe/0.11.0 (https://takahe.example)",
    ];

    public static readonly string[] Messaging =
    [
        "WhatsApp/2", // Signal's preview fetcher
        "WhatsApp/2.23.20.0 A",
        "facebookexternalhit/1.1 Facebot Twitterbot/1.0", // iMessage
        "TelegramBot (like TwitterBot)",
        "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "facebookexternalhit/1.1;line-poker/1.0",
        "kakaotalk-scrap/1.0; +https://devtalk.kakao.com/public/kakaotalk-scrap",
        "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com",
        "Mattermost-Bot/1.1",
        "Mozilla/5.0 (X11; Linux x86_64) Rocket.Chat/6.7.0 (+https://rocket.chat)",
        "Mozilla/5.0 (compatible; Zoombot/1.0; +https://zoom.us)",
        "Mozilla/5.0 (Linux) Nextcloud Server Crawler",
        "Synapse (bot; +https://github.com/matrix-org/synapse)",
        "Mozilla/5.0 (Windows NT 6.1; rv:6.0) Gecko/20110814 Firefox/6.0 Google (+https://developers.google.com/+/web/snippet/)",
    ];

    public static readonly string[] Social =
    [
        "Snap URL Preview Service; bot; snapchat; https://developers.snap.com/robots",
        "Pinterestbot/1.0 (+http://www.pinterest.com/bot.html)",
        "Mozilla/5.0 (compatible; redditbot/1.0; +http://www.reddit.com/feedback)",
        "Tumblr/14.0.835.186",
        "meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)",
        "Twitterbot/1.0",
        "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
        "Iframely/1.3.1 (+https://iframely.com/docs/about)",
        "Mozilla/5.0 (compatible; Embedly/0.2; +http://support.embed.ly/)",
        "Discourse Forum Onebox v3.2.0",
    ];

    // In-app browsers of the same apps: a person reading a post or a chat.
    private static readonly string[] People =
    [
        Agents.SafariIphone,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 KAKAOTALK 10.7.5",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari Line/14.10.0",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/127.0.6533.103 Mobile Safari/537.36 Instagram 345.0.0.48.95 Android",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/127.0.6533.103 Mobile Safari/537.36 Snapchat/13.3.0.44 (like Safari/604.1)",
    ];

    [Fact]
    public Task Fediverse_servers_fetching_previews_are_bots() => CountsApartAsync(Fediverse);

    [Fact]
    public Task Messaging_preview_agents_are_bots() => CountsApartAsync(Messaging);

    [Fact]
    public Task Social_preview_agents_are_bots() => CountsApartAsync(Social);

    [Fact]
    public async Task A_request_without_a_user_agent_is_a_bot()
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://example.com/", slug = "anon" });
        using var visitor = app.CreateVisitorClient();
        foreach (var agent in new string?[] { null, "", "   " })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/anon");
            if (agent is not null)
                request.Headers.TryAddWithoutValidation("User-Agent", agent);
            using var response = await visitor.SendAsync(request);
            Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        }
        await ClickAsync(visitor, "/anon", Agents.ChromeWindows, null);
        await app.FlushClicksAsync();

        var stats = await GetStatsAsync(app, "anon");
        Assert.Equal(1, stats.Clicks);
        Assert.Equal(3, stats.Bots);
    }

    private static async Task CountsApartAsync(string[] previewAgents)
    {
        await using var app = new RedirectorApplication();
        await app.CreateLinkAsync(new { url = "https://example.com/post", slug = "shared" });
        using var visitor = app.CreateVisitorClient();
        const int rounds = 3;
        for (var i = 0; i < rounds; i++)
        {
            foreach (var agent in previewAgents)
                await ClickAsync(visitor, "/shared", agent, null);
            foreach (var agent in People)
                await ClickAsync(visitor, "/shared", agent, null);
        }
        await app.FlushClicksAsync();

        var stats = await GetStatsAsync(app, "shared");
        Assert.Equal(rounds * previewAgents.Length, stats.Bots);
        Assert.Equal(rounds * People.Length, stats.Clicks);
    }
}
