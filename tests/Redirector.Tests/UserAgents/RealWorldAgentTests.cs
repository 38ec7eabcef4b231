using Redirector.Bots;
using Redirector.UserAgents;

namespace Redirector.Tests.UserAgents;

/// <summary>Agents Redirector sees every day, with what the click statistics must record for each.</summary>
public sealed class RealWorldAgentTests
{
    public static TheoryData<string, string, string, string?, string, DeviceType, bool> Agents => new()
    {
        { "Chrome on Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "Chrome", "131", "Windows", DeviceType.Desktop, false },
        { "Chrome on macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "Chrome", "131", "Mac OS X", DeviceType.Desktop, false },
        { "Chrome on Android phone", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36",
            "Chrome Mobile", "131", "Android", DeviceType.Mobile, false },
        { "Chrome on Android tablet", "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Safari/537.36",
            "Chrome", "131", "Android", DeviceType.Tablet, false },
        { "Chrome on ChromeOS", "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "Chrome", "131", "Chrome OS", DeviceType.Desktop, false },
        { "Safari on iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Mobile Safari", "17", "iOS", DeviceType.Mobile, false },
        { "Safari on iPad", "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Mobile Safari", "17", "iOS", DeviceType.Tablet, false },
        { "Safari on macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
            "Safari", "17", "Mac OS X", DeviceType.Desktop, false },
        { "Firefox on Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Firefox", "133", "Windows", DeviceType.Desktop, false },
        { "Firefox on Linux", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Firefox", "133", "Linux", DeviceType.Desktop, false },
        { "Firefox on Android", "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
            "Firefox Mobile", "133", "Android", DeviceType.Mobile, false },
        { "Edge on Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70",
            "Edge", "131", "Windows", DeviceType.Desktop, false },
        { "Samsung Internet", "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
            "Samsung Internet", "26", "Android", DeviceType.Mobile, false },
        { "Silk on Kindle Fire", "Mozilla/5.0 (Linux; Android 9; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/130.4.1 like Chrome/130.0.6723.102 Safari/537.36",
            "Amazon Silk", "130", "Android", DeviceType.Tablet, false },
        { "Facebook in-app on iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/470.0.0.36.105;FBBV/624263046;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.5;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]",
            "Facebook", "470", "iOS", DeviceType.Mobile, false },
        { "Instagram in-app on Android", "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/127.0.6533.103 Mobile Safari/537.36 Instagram 345.0.0.48.95 Android (34/14; 420dpi; 1080x2205; Google/google; Pixel 8; shiba; shiba; en_US; 634108168)",
            "Instagram", "345", "Android", DeviceType.Mobile, false },
        { "TikTok in-app on iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_35.1.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US",
            "Mobile Safari UI/WKWebView", null, "iOS", DeviceType.Mobile, false },
        { "TikTok in-app on Android", "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/127.0.6533.103 Mobile Safari/537.36 trill_350103 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/trill app_version/35.1.3 ByteLocale/en",
            "Chrome Mobile WebView", "127", "Android", DeviceType.Mobile, false },
        { "PlayStation 5", "Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0 Safari/605.1.15",
            "Safari", "13", "Other", DeviceType.Other, false },
        { "Edge on Xbox", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox One) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19041",
            "Edge", "18", "Windows", DeviceType.Other, false },
        { "Slack link preview", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            "Slackbot-LinkExpanding", "1", "Other", DeviceType.Bot, true },
        { "Facebook link preview", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "FacebookBot", "1", "Other", DeviceType.Bot, true },
        { "Facebot", "Mozilla/5.0 (compatible; Facebot/1.0)",
            "Facebot", "1", "Other", DeviceType.Bot, true },
        { "Twitterbot", "Twitterbot/1.0",
            "Twitterbot", "1", "Other", DeviceType.Bot, true },
        { "LinkedInBot", "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
            "LinkedInBot", "1", "Other", DeviceType.Bot, true },
        { "Discordbot", "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
            "Discordbot", "2", "Other", DeviceType.Bot, true },
        { "TelegramBot", "TelegramBot (like TwitterBot)",
            "TelegramBot", null, "Other", DeviceType.Bot, true },
        { "WhatsApp link preview", "WhatsApp/2.23.20.0 A",
            "WhatsApp", "2", "Other", DeviceType.Bot, true },
        { "Skype and Teams link preview", "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com",
            "Other", null, "Windows", DeviceType.Bot, true },
        { "Googlebot", "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/131.0.6778.108 Safari/537.36",
            "Googlebot", "2", "Other", DeviceType.Bot, true },
        { "bingbot", "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "bingbot", "2", "Other", DeviceType.Bot, true },
        { "YandexBot", "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
            "YandexBot", "3", "Other", DeviceType.Bot, true },
        { "Applebot", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
            "Applebot", "0", "Mac OS X", DeviceType.Bot, true },
        { "Headless Chrome", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
            "HeadlessChrome", "131", "Linux", DeviceType.Bot, true },
        { "curl", "curl/8.5.0",
            "curl", "8", "Other", DeviceType.Bot, true },
        { "wget", "Wget/1.21.4",
            "Wget", "1", "Other", DeviceType.Bot, true },
        { "python-requests", "python-requests/2.32.3",
            "Python Requests", "2", "Other", DeviceType.Bot, true },
        { "Go HTTP client", "Go-http-client/2.0",
            "Go-http-client", "2", "Other", DeviceType.Bot, true },
    };

    [Theory]
    [MemberData(nameof(Agents))]
    public void Agent_is_classified(
        string description, string userAgent, string browser, string? major, string os, DeviceType deviceType, bool isBot)
    {
        var info = UserAgentParser.Default.Parse(userAgent);

        Assert.True(
            (browser, major, os, deviceType, isBot) == (info.Browser.Family, info.Browser.Major, info.Os.Family, info.DeviceType, info.IsBot),
            $"{description}: got {info}");
    }

    [Fact]
    public void Every_bot_list_entry_is_a_token_not_a_pattern()
    {
        using var stream = typeof(UserAgentParser).Assembly.GetManifestResourceStream("Redirector.UserAgents.bots.txt")!;
        using var reader = new StreamReader(stream);
        var tokens = BotSignatures.ParseList(reader);

        Assert.Contains(("Slackbot", BotKind.Preview), tokens);
        Assert.All(tokens, t => Assert.DoesNotMatch(@"[*|\\]", t.Token));
        Assert.Equal(Enum.GetValues<BotKind>().Order(), tokens.Select(t => t.Kind).Distinct().Order());
    }

    [Theory]
    [InlineData("[preview]\nSlackbot\n[crawler]\nbot", "bot", BotKind.Crawler)]
    [InlineData("# kinds\n[library]\ncurl/\n\n[headless]\nHeadless", "curl/", BotKind.Library)]
    public void A_token_takes_the_kind_of_its_section(string list, string token, BotKind kind) =>
        Assert.Contains((token, kind), BotSignatures.ParseList(new StringReader(list)));

    [Theory]
    [InlineData("Slackbot\n")]
    [InlineData("[robots]\nSlackbot\n")]
    public void A_token_outside_a_known_section_is_an_error(string list) =>
        Assert.Throws<FormatException>(() => BotSignatures.ParseList(new StringReader(list)));

    /// <summary>Real agents of each bot kind; the first of each is also sent through HTTP in Bots/BotKindCountingTests.</summary>
    public static TheoryData<string, BotKind> BotAgents => new()
    {
        { "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", BotKind.Preview },
        { "facebookexternalhit/1.1 Facebot Twitterbot/1.0", BotKind.Preview },
        { "http.rb/5.1.1 (Mastodon/4.2.8; +https://mastodon.example/)", BotKind.Preview },
        { "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/131.0.6778.108 Safari/537.36", BotKind.Crawler },
        { "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", BotKind.Crawler },
        // Not in bots.txt: ua-parser's Spider family alone makes it a crawler.
        { "Mozilla/5.0 (compatible; SeznamBot/4.0; +https://o-seznam.cz/napoveda/vyhledavani/en/seznambot-crawler/)", BotKind.Crawler },
        { "Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)", BotKind.Scanner },
        { "Mozilla/5.0 zgrab/0.x", BotKind.Scanner },
        { "curl/8.5.0", BotKind.Library },
        { "python-requests/2.32.3", BotKind.Library },
        { "Go-http-client/2.0", BotKind.Library },
        { "okhttp/4.12.0", BotKind.Library },
        { "axios/1.7.7", BotKind.Library },
        { "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", BotKind.Library },
        { "Java/17.0.2", BotKind.Library },
        { "libwww-perl/6.72", BotKind.Library },
        { "PostmanRuntime/7.42.0", BotKind.Library },
        { "Wget/1.21.4", BotKind.Library },
        { "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", BotKind.Headless },
        { "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1", BotKind.Headless },
        { "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Cypress/13.15.0 Chrome/118.0.5993.159 Electron/27.3.10 Safari/537.36", BotKind.Headless },
        { "Mozilla/5.0 (linux) AppleWebKit/537.36 (KHTML, like Gecko) jsdom/24.1.0", BotKind.Headless },
        { "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)", BotKind.Other },
        { "", BotKind.Other },
    };

    [Theory]
    [MemberData(nameof(BotAgents))]
    public void Bot_agent_has_its_kind(string userAgent, BotKind kind)
    {
        var info = UserAgentParser.Default.Parse(userAgent);

        Assert.Equal((DeviceType.Bot, kind), (info.DeviceType, info.BotKind));
    }

    [Theory]
    [InlineData(BotKind.Preview, "preview")]
    [InlineData(BotKind.Crawler, "crawler")]
    [InlineData(BotKind.Scanner, "scanner")]
    [InlineData(BotKind.Library, "library")]
    [InlineData(BotKind.Headless, "headless")]
    [InlineData(BotKind.Other, "other")]
    public void Bot_kind_keys_are_stable(BotKind kind, string key)
    {
        Assert.Equal(key, kind.ToKey());
        Assert.True(BotKinds.TryParse(key, out var parsed) && parsed == kind);
    }

    [Theory]
    [InlineData(DeviceType.Desktop, "desktop")]
    [InlineData(DeviceType.Mobile, "mobile")]
    [InlineData(DeviceType.Tablet, "tablet")]
    [InlineData(DeviceType.Bot, "bot")]
    [InlineData(DeviceType.Other, "other")]
    public void Device_type_keys_are_stable(DeviceType type, string key) => Assert.Equal(key, type.ToKey());
}
