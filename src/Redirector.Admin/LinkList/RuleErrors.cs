using Redirector.UserAgents;

namespace Redirector.Admin.LinkList;

/// <summary>
/// The targeting rules' errors as the link form shows them. The API's error for an unknown operating system ends with
/// every family the counts know (some 70, which a client may want in full); under a form field that list buried the
/// error itself, so here it is cut to the common systems and a count of the others.
/// </summary>
public static class RuleErrors
{
    // The systems most clicks come from, in that order; a family the parser's rules do not name is left out.
    private static readonly string[] CommonOs =
        ["iOS", "Android", "Windows", "Mac OS X", "Linux", "Chrome OS", "Ubuntu", "Windows Phone", "KaiOS", "Tizen", "Fedora", "Debian"];

    /// <summary><paramref name="messages"/> with the full list of <paramref name="os"/> families replaced by the common ones and "and N more".</summary>
    public static string[] Shortened(string[] messages, KnownFamilies os)
    {
        // As LinkRules writes the list; a change there shows in LinkRulesBrowserTests, which reads the cut list.
        var all = string.Join(", ", os.All);
        var common = CommonOs.Where(family => os.TryFind(family, out _)).ToList();
        var cut = $"{string.Join(", ", common)} and {os.All.Count - common.Count} more";
        return [.. messages.Select(message => message.Replace(all, cut, StringComparison.Ordinal))];
    }
}
