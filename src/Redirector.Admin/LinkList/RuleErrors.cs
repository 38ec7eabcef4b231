using Redirector.Links;
using Redirector.UserAgents;

namespace Redirector.Admin.LinkList;

/// <summary>
/// The targeting rules' errors as the admin shows them: LinkRules writes an unknown operating system's error with the
/// common systems and "and N more" for the form and the import (<see cref="KnownNames.Common"/>); the page lets the
/// user open that phrase to the systems it stands for.
/// </summary>
public static class RuleErrors
{
    /// <summary>
    /// A message around its "and N more": the text up to it (the common systems included), that phrase, the text after
    /// it, and the N systems it stands for (comma-separated, alphabetical); false for a message that cut no list.
    /// </summary>
    public static bool TrySplitCut(string message, KnownFamilies os, out string before, out string more, out string after, out string others)
    {
        var (common, rest) = LinkRules.SplitOsList(os);
        var lead = string.Join(", ", common) + " ";
        more = LinkRules.MoreOs(rest);
        var at = message.IndexOf(lead + more, StringComparison.Ordinal);
        if (at < 0)
        {
            (before, after, others) = (message, "", "");
            return false;
        }
        at += lead.Length;
        (before, after, others) = (message[..at], message[(at + more.Length)..], string.Join(", ", rest));
        return true;
    }
}
