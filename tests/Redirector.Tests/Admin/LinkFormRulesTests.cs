using Redirector.Admin.LinkList;

namespace Redirector.Tests.Admin;

/// <summary>The link form's reading of its rules' JSON (pure: the form's text in, the errors it shows out).</summary>
public sealed class LinkFormRulesTests
{
    [Fact]
    public void Rules_that_break_are_told_where_by_line_and_column_from_1_counting_characters()
    {
        // The second line holds an "é" (two bytes) before the stray x, the 55th character of the line.
        var form = new LinkForm { Rules = "[\n  {\"url\": \"https://é.example/\", \"when\": {\"os\": \"iOS\"} x}\n]" };
        var errors = new Dictionary<string, string[]>();
        Assert.False(form.TryReadTargeting(errors, out _, out _));
        Assert.Equal("The rules are not valid JSON: it breaks at line 2, column 55. Check for a missing quote, comma or bracket.", errors["rules"].Single());
    }

    [Fact]
    public void A_value_of_the_wrong_kind_is_told_in_the_targetings_words_with_its_place()
    {
        var form = new LinkForm { Rules = """[{"when": {"os": 5}, "url": "https://shop.example/"}]""" };
        var errors = new Dictionary<string, string[]>();
        Assert.False(form.TryReadTargeting(errors, out _, out _));
        var error = errors["rules"].Single();
        Assert.StartsWith("The rules hold a value of the wrong kind at line 1, column ", error);
        Assert.EndsWith("($[0].when.os): Expected a string or a list of strings.", error);
        Assert.DoesNotContain("LineNumber", error);
    }
}
