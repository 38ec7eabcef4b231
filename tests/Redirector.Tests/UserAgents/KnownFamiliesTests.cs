using Redirector.UserAgents;

namespace Redirector.Tests.UserAgents;

/// <summary>The OS and browser families the rules can name: what targeting rules and stats filters accept.</summary>
public sealed class KnownFamiliesTests
{
    private static readonly UserAgentParser Parser = UserAgentParser.Default;

    [Fact]
    public void The_families_of_literal_replacements_and_of_fixed_word_groups_are_known_in_the_parsers_spelling()
    {
        foreach (var os in new[] { "iOS", "Android", "Windows", "Mac OS X", "Linux", "Chrome OS", "Ubuntu", "FreeBSD", "NetBSD", "Windows Phone", "Other" })
            Assert.Contains(os, Parser.OsFamilies.All);
        foreach (var browser in new[] { "Chrome", "Chrome Mobile", "Mobile Safari", "Safari", "Firefox", "Edge", "Opera", "Firefox (Minefield)", "Other" })
            Assert.Contains(browser, Parser.BrowserFamilies.All);

        Assert.True(Parser.OsFamilies.TryFind("ios", out var ios));
        Assert.Equal("iOS", ios);
        Assert.True(Parser.OsFamilies.TryFind("MAC OS X", out var mac));
        Assert.Equal("Mac OS X", mac);
        Assert.True(Parser.BrowserFamilies.TryFind("mobile safari", out var safari));
        Assert.Equal("Mobile Safari", safari);
        Assert.False(Parser.OsFamilies.TryFind("iOSS", out _));
        Assert.False(Parser.BrowserFamilies.TryFind("Chrom", out _));
        Assert.Equal("Chrom", Parser.BrowserFamilies.SpellingOf("Chrom"));
    }

    [Fact]
    public void Free_text_groups_add_no_pattern_fragments()
    {
        foreach (var family in Parser.OsFamilies.All.Concat(Parser.BrowserFamilies.All))
            Assert.DoesNotMatch(@"[\\\[\]|*+{}]|\$\d", family);
    }

    [Fact]
    public void Every_os_family_of_the_conformance_files_is_known()
    {
        Assert.True(UapConformanceData.IsAvailable, UapConformanceData.MissingMessage);
        var parser = UserAgentParser.FromFile(UapConformanceData.RegexesPath);
        var unknown = UapConformanceData.Files.Where(f => f.Field == UapField.Os)
            .SelectMany(f => UapConformanceData.Load(f.File))
            .Select(c => c.Expected.GetValueOrDefault("family"))
            .OfType<string>()
            .Where(family => !parser.OsFamilies.TryFind(family, out var known) || known != family)
            .Distinct()
            .ToList();
        // The one OS rule of free text: a television's maker between semicolons after HbbTV.
        Assert.All(unknown, family => Assert.Matches("^[A-Za-z]+$", family));
        Assert.True(unknown.Count <= 3, string.Join(", ", unknown));
    }
}
