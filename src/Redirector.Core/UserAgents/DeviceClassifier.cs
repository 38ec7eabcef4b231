namespace Redirector.UserAgents;

/// <summary>
/// Redirector's device type on top of the ua-parser result. ua-parser names devices but not their kind,
/// so the kind comes from the device family, the OS and the conventional agent tokens ("Mobile", "Tablet").
/// TVs, consoles, watches and agents with no recognisable platform are "other". Bots are told apart before
/// (<see cref="UserAgentParser.Parse"/>), so this only sees agents of people.
/// </summary>
internal static class DeviceClassifier
{
    private const StringComparison IgnoreCase = StringComparison.OrdinalIgnoreCase;

    // Checked before the platform rules: a smart TV or console usually also claims Linux, Android or Windows.
    private static readonly string[] NonPersonalDeviceTokens =
        ["SmartTV", "SMART-TV", "HbbTV", "Android TV", "GoogleTV", "AppleTV", "Web0S", "CrKey", "BRAVIA", "AFTB", "AFTS",
         "AFTM", "AFTT", "PlayStation", "Xbox", "Nintendo", "Watch OS", "watchOS", "Wear OS"];

    // Every major tablet browser either omits "Mobile" on Android or says one of these.
    private static readonly string[] TabletTokens = ["iPad", "Tablet;", "; Tablet", "Kindle", "Silk/", "PlayBook"];

    private static readonly string[] PhoneTokens =
        ["Mobi", "iPhone", "iPod", "Windows Phone", "BlackBerry", "BB10", "Opera Mini", "Symbian", "MIDP", "KAIOS"];

    private static readonly HashSet<string> MobileOsFamilies =
        ["iOS", "Android", "Windows Phone", "BlackBerry OS", "Symbian OS", "KaiOS", "Firefox OS", "Tizen", "HarmonyOS"];

    private static readonly HashSet<string> DesktopOsFamilies =
        ["Windows", "Mac OS X", "Linux", "Ubuntu", "Chrome OS", "Fedora", "Debian", "Red Hat", "FreeBSD", "OpenBSD",
         "NetBSD", "Solaris", "Gentoo", "Mint", "Arch Linux", "openSUSE", "SUSE", "Kubuntu", "Mageia", "CentOS"];

    public static DeviceType Classify(string userAgent, BrowserInfo browser, OsInfo os, DeviceInfo device)
    {
        if (ContainsAny(userAgent, NonPersonalDeviceTokens))
            return DeviceType.Other;
        if (IsTablet(userAgent, os, device))
            return DeviceType.Tablet;
        if (device.Family is "iPhone" or "iPod" or "Generic Smartphone" or "Generic Feature Phone"
            || ContainsAny(userAgent, PhoneTokens) || MobileOsFamilies.Contains(os.Family))
            return DeviceType.Mobile;
        if (os.Family.StartsWith("Windows", StringComparison.Ordinal) || DesktopOsFamilies.Contains(os.Family)
            || browser.Family != UserAgentParser.OtherFamily && device.Family == "Mac")
            return DeviceType.Desktop;
        return DeviceType.Other;
    }

    private static bool IsTablet(string userAgent, OsInfo os, DeviceInfo device)
    {
        if (device.Family.StartsWith("iPad", StringComparison.Ordinal) || device.Family.StartsWith("Kindle", StringComparison.Ordinal)
            || ContainsAny(userAgent, TabletTokens))
            return true;

        // Android's convention (and Google's advice to browser vendors): phones say "Mobile", tablets do not.
        if (os.Family == "Android" && !userAgent.Contains("Mobile", IgnoreCase))
            return true;

        // Windows on ARM in a browser is the Surface RT family of tablets.
        return os.Family.StartsWith("Windows", StringComparison.Ordinal) && userAgent.Contains("; ARM;", StringComparison.Ordinal)
            && !userAgent.Contains("Windows Phone", StringComparison.Ordinal);
    }

    private static bool ContainsAny(string userAgent, string[] tokens)
    {
        foreach (var token in tokens)
        {
            if (userAgent.Contains(token, IgnoreCase))
                return true;
        }

        return false;
    }
}
