namespace Redirector.Sites;

/// <summary>The script tag a site embeds; the API answers it and the admin area shows it, so both give the same.</summary>
public static class TrackerSnippet
{
    /// <summary>Where the tracker script is served, relative to the service's base URL.</summary>
    public const string ScriptPath = "t.js";

    public static string For(string scriptUrl, string siteKey) =>
        $"<script src=\"{scriptUrl}\" data-site=\"{siteKey}\" defer></script>";
}
