using System.Buffers.Binary;
using System.IO.Hashing;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Redirector.Clicks;
using Redirector.Geo;
using Redirector.UserAgents;

namespace Redirector.Links;

/// <summary>A targeting rule compiled for the redirect path: value arrays to compare with, and the rule's target.</summary>
public sealed class TargetRule(RuleConditions when, RedirectTarget target)
{
    private readonly string[]? _devices = when.DeviceType?.ToArray();
    private readonly string[]? _os = when.Os?.ToArray();
    private readonly string[]? _browsers = when.Browser?.ToArray();
    private readonly string[]? _countries = when.Country?.ToArray();
    private readonly string[]? _languages = when.Language?.ToArray();
    private readonly (string Name, string[] Values)[]? _query = when.Query?.Select(q => (q.Key, q.Value.ToArray())).ToArray();
    private readonly DateTime? _after = when.After?.UtcDateTime;
    private readonly DateTime? _before = when.Before?.UtcDateTime;

    public RedirectTarget Target { get; } = target;

    /// <summary>Whether every condition holds; the visitor's facts are worked out only when a condition asks for them.</summary>
    internal bool Matches(ref VisitorFacts visitor)
    {
        if (_after is { } after && visitor.Now < after)
            return false;
        if (_before is { } before && visitor.Now >= before)
            return false;
        if (_devices is not null && !Contains(_devices, visitor.Agent.DeviceType.ToKey(), StringComparison.Ordinal))
            return false;
        if (_os is not null && !Contains(_os, visitor.Agent.Os.Family, StringComparison.OrdinalIgnoreCase))
            return false;
        if (_browsers is not null && !Contains(_browsers, visitor.Agent.Browser.Family, StringComparison.OrdinalIgnoreCase))
            return false;
        if (_languages is not null && !Contains(_languages, visitor.Language, StringComparison.Ordinal))
            return false;
        if (_countries is not null && (visitor.Country is not { } country || !Contains(_countries, country, StringComparison.Ordinal)))
            return false;
        if (_query is not null)
        {
            var query = visitor.Context.Request.Query;
            foreach (var (name, values) in _query)
            {
                var sent = query[name];
                var any = false;
                foreach (var value in sent)
                    any |= value is not null && Contains(values, value, StringComparison.Ordinal);
                if (!any)
                    return false;
            }
        }
        return true;
    }

    private static bool Contains(string[] values, string value, StringComparison comparison)
    {
        foreach (var candidate in values)
        {
            if (string.Equals(candidate, value, comparison))
                return true;
        }
        return false;
    }
}

/// <summary>One side of a split: visitors whose bucket is below <see cref="UpTo"/> (and not below the previous side's) get <see cref="Target"/>.</summary>
public sealed record TargetVariant(long UpTo, RedirectTarget Target);

/// <summary>What the rules ask about a visitor, each worked out at most once per request and only when asked.</summary>
internal struct VisitorFacts(HttpContext context, DateTime now, TargetChooser chooser)
{
    private UserAgentInfo? _agent;
    private string? _language;
    private bool _countryKnown;
    private string? _country;

    public HttpContext Context { get; } = context;
    public DateTime Now { get; } = now;

    public UserAgentInfo Agent => _agent ??= chooser.Agents.Parse(ClickTracker.CappedUserAgent(Context.Request.Headers));

    public string Language => _language ??= AcceptLanguage.PrimaryOf(Context.Request.Headers.AcceptLanguage.ToString());

    public string? Country
    {
        get
        {
            if (!_countryKnown)
            {
                _country = chooser.CountryOf(Context);
                _countryKnown = true;
            }
            return _country;
        }
    }
}

/// <summary>
/// Picks a targeted link's destination for one request, from memory: the first rule whose conditions all hold, else
/// the visitor's side of the split, else the link's own URL. Device, OS and browser come from the cached parser the
/// counts use, the country from the same trusted header or geo database, the language from Accept-Language's primary
/// subtag. A visitor's side is derived from the visitor hash (HMAC of address and agent with the day's salt), so it
/// holds without a cookie or a stored address, for as long as the salt: a UTC day.
/// </summary>
public sealed class TargetChooser(CachedUserAgentParser agents, GeoLookup geo, VisitorHasher visitors, TimeProvider time, IOptions<AnalyticsOptions> options)
{
    private readonly string? _countryHeader = string.IsNullOrWhiteSpace(options.Value.CountryHeader) ? null : options.Value.CountryHeader;

    // Until the pipeline has loaded the day's salt on this node (its first click of the day), the split hashes with a
    // key of this process, never stored; a visitor may change sides once then.
    private static readonly long FallbackSeed = Random.Shared.NextInt64();

    internal CachedUserAgentParser Agents => agents;

    /// <summary>The destination for this request: <paramref name="link"/> itself, or one of its rules' or variants' targets.</summary>
    public RedirectTarget Choose(HttpContext context, RedirectTarget link)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (link.Rules is { } rules)
        {
            var visitor = new VisitorFacts(context, now, this);
            foreach (var rule in rules)
            {
                if (rule.Matches(ref visitor))
                    return rule.Target;
            }
        }
        if (link.Variants is not { } variants)
            return link;
        var bucket = (long)(BucketOf(context, link.LinkId, now) % (ulong)variants[^1].UpTo);
        foreach (var variant in variants)
        {
            if (bucket < variant.UpTo)
                return variant.Target;
        }
        return variants[^1].Target;
    }

    internal string? CountryOf(HttpContext context) =>
        geo.Locate(_countryHeader is null ? null : context.Request.Headers[_countryHeader].ToString(), context.Connection.RemoteIpAddress).Country;

    /// <summary>The visitor hash mixed with the link, so that each link splits its visitors independently of the others.</summary>
    private ulong BucketOf(HttpContext context, long linkId, DateTime now)
    {
        var address = context.Connection.RemoteIpAddress;
        var userAgent = ClickEnricher.Cap(context.Request.Headers.UserAgent.ToString(), ClickEnricher.MaxUserAgentLength);
        Span<byte> input = stackalloc byte[16];
        if (visitors.Hash(StatsKeys.DayOf(now), address, userAgent) is { } visitor)
            BinaryPrimitives.WriteUInt64LittleEndian(input, visitor);
        else
            BinaryPrimitives.WriteUInt64LittleEndian(input, Fallback(address, userAgent));
        BinaryPrimitives.WriteInt64LittleEndian(input[8..], linkId);
        return XxHash3.HashToUInt64(input);
    }

    private static ulong Fallback(IPAddress? address, string? userAgent)
    {
        Span<byte> bytes = stackalloc byte[16];
        var written = 0;
        address?.TryWriteBytes(bytes, out written);
        var hash = new XxHash3(FallbackSeed);
        hash.Append(bytes[..written]);
        hash.Append(System.Runtime.InteropServices.MemoryMarshal.AsBytes((userAgent ?? "").AsSpan()));
        return hash.GetCurrentHashAsUInt64();
    }
}
