using Redirector.UserAgents;

namespace Redirector.Tests.UserAgents;

/// <summary>The rules of uap-core's docs/specification.md, each on a tiny hand-written rule file.</summary>
public sealed class SpecificationTests
{
    private static UserAgentInfo Parse(string yaml, string userAgent) => UserAgentParser.FromYaml(yaml).Parse(userAgent);

    [Fact]
    public void Spec_example_family_replacement_with_versions_from_groups()
    {
        const string yaml = """
            user_agent_parsers:
              - regex: '(Namoroka|Shiretoko|Minefield)/(\d+)\.(\d+)\.(\d+(?:pre)?)'
                family_replacement: 'Firefox ($1)'
            """;
        var browser = Parse(yaml, "Mozilla/5.0 (Windows; Windows NT 5.1; rv:2.0b3pre) Gecko/20100727 Minefield/4.0.1pre").Browser;
        Assert.Equal(new BrowserInfo("Firefox (Minefield)", "4", "0", "1pre"), browser);
    }

    [Fact]
    public void First_matching_rule_wins_even_when_a_later_one_is_more_specific()
    {
        const string yaml = """
            user_agent_parsers:
              - regex: '(Foo)'
              - regex: '(Foo)Bar/(\d+)'
                family_replacement: 'FooBar'
            """;
        Assert.Equal(new BrowserInfo("Foo", null, null, null), Parse(yaml, "FooBar/2").Browser);
    }

    [Fact]
    public void Version_replacements_override_groups_and_missing_groups_are_null()
    {
        const string yaml = """
            user_agent_parsers:
              - regex: 'Thing/(\d+)'
                family_replacement: 'Thing'
                v1_replacement: '9'
                v2_replacement: '$1'
            """;
        Assert.Equal(new BrowserInfo("Thing", "9", "3", null), Parse(yaml, "Thing/3").Browser);
    }

    [Fact]
    public void Os_spec_example_and_placeholders_anywhere()
    {
        const string yaml = """
            os_parsers:
              - regex: 'Win(95|98|3.1|NT|ME|2000)'
                os_replacement: 'Windows $1'
              - regex: 'Gadget (\d+)_(\d+)'
                os_replacement: 'Gadget OS'
                os_v1_replacement: '$2.$1'
            """;
        Assert.Equal("Windows 95", Parse(yaml, "Mozilla/5.0 (Windows; U; Win95; en-US; rv:1.1) Gecko/20020826").Os.Family);
        Assert.Equal(new OsInfo("Gadget OS", "2.1", null, null, null), Parse(yaml, "Gadget 1_2").Os);
    }

    [Fact]
    public void Os_groups_two_to_five_fill_the_versions()
    {
        const string yaml = """
            os_parsers:
              - regex: '(Blix) (\d+)\.(\d+)\.(\d+)\.(\d+)'
            """;
        Assert.Equal(new OsInfo("Blix", "1", "2", "3", "4"), Parse(yaml, "Blix 1.2.3.4").Os);
    }

    [Fact]
    public void Device_spec_example_with_brand_and_model()
    {
        const string yaml = """
            device_parsers:
              - regex: '; *(PEDI)_(PLUS)_(W) Build'
                device_replacement: 'Odys $1 $2 $3'
                brand_replacement: 'Odys'
                model_replacement: '$1 $2 $3'
            """;
        var device = Parse(yaml, "Mozilla/5.0 (Linux; U; Android 4.2.2; de-de; PEDI_PLUS_W Build/JDQ39) AppleWebKit/534.30").Device;
        Assert.Equal(new DeviceInfo("Odys PEDI PLUS W", "Odys", "PEDI PLUS W"), device);
    }

    [Fact]
    public void Device_model_defaults_to_the_first_group_and_brand_to_nothing()
    {
        const string yaml = """
            device_parsers:
              - regex: '\((Gizmo \d+)\)'
            """;
        Assert.Equal(new DeviceInfo("Gizmo 7", null, "Gizmo 7"), Parse(yaml, "App (Gizmo 7)").Device);
    }

    [Fact]
    public void Regex_flag_i_makes_only_that_rule_case_insensitive()
    {
        const string yaml = """
            device_parsers:
              - regex: 'feature ?phone'
                regex_flag: 'i'
                device_replacement: 'Generic Feature Phone'
              - regex: 'SMARTPHONE'
                device_replacement: 'Generic Smartphone'
            """;
        Assert.Equal("Generic Feature Phone", Parse(yaml, "Some FEATUREPHONE/1.0").Device.Family);
        Assert.Equal("Other", Parse(yaml, "some smartphone").Device.Family);
    }

    [Fact]
    public void Unmatched_groups_expand_to_nothing_results_are_trimmed_and_empty_means_no_value()
    {
        const string yaml = """
            device_parsers:
              - regex: 'Widget(?: (Pro))?/(\d+)'
                device_replacement: 'Widget $1'
                brand_replacement: ' $1 '
                model_replacement: '$2 $1'
            """;
        Assert.Equal(new DeviceInfo("Widget", null, "5"), Parse(yaml, "Widget/5").Device);
        Assert.Equal(new DeviceInfo("Widget Pro", "Pro", "5 Pro"), Parse(yaml, "Widget Pro/5").Device);
    }

    [Fact]
    public void Matching_is_unanchored_and_case_sensitive_by_default()
    {
        const string yaml = """
            user_agent_parsers:
              - regex: '(Zed)/(\d+)'
            """;
        Assert.Equal("Zed", Parse(yaml, "prefix Zed/1 suffix").Browser.Family);
        Assert.Equal("Other", Parse(yaml, "zed/1").Browser.Family);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \t")]
    public void Missing_agent_is_all_other_and_a_bot(string? userAgent)
    {
        var info = UserAgentParser.Default.Parse(userAgent);
        Assert.Equal(new BrowserInfo("Other", null, null, null), info.Browser);
        Assert.Equal(new OsInfo("Other", null, null, null, null), info.Os);
        Assert.Equal(new DeviceInfo("Other", null, null), info.Device);
        // Redirector's rule, not ua-parser's: every browser sends an agent, so a request without one is a bot.
        Assert.Equal(DeviceType.Bot, info.DeviceType);
        Assert.True(info.IsBot);
    }

    [Fact]
    public void Every_embedded_rule_compiles_and_loads()
    {
        Assert.True(UserAgentParser.Default.RuleCount > 1000);
    }
}
