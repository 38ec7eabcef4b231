using System.Text;
using Redirector.Webhooks;

namespace Redirector.Tests.Webhooks;

/// <summary>The signature against the Standard Webhooks reference libraries' published test vector.</summary>
public sealed class WebhookSignatureTests
{
    // From standard-webhooks/standard-webhooks, libraries' tests (and the spec's example).
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string Id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long Timestamp = 1614265330;
    private const string Payload = """{"test": 2432232314}""";
    private const string Expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    [Fact]
    public void Signs_the_published_vector()
    {
        Assert.Equal(Expected, WebhookSignature.Sign(WebhookSignature.KeyOf(Secret), Id, Timestamp, Encoding.UTF8.GetBytes(Payload)));
    }

    [Fact]
    public void Verifies_one_of_several_signatures_within_the_tolerance_only()
    {
        var key = WebhookSignature.KeyOf(Secret);
        var body = Encoding.UTF8.GetBytes(Payload);
        var at = DateTimeOffset.FromUnixTimeSeconds(Timestamp);
        Assert.True(WebhookSignature.Verify(key, Id, "1614265330", "v1,bm9wZQ== " + Expected, body, at.AddMinutes(4), TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(key, Id, "1614265330", Expected, body, at.AddMinutes(6), TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(key, Id, "1614265330", Expected, Encoding.UTF8.GetBytes("""{"test": 2432232315}"""), at, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(key, "msg_other", "1614265330", Expected, body, at, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(key, Id, "not-a-number", Expected, body, at, TimeSpan.FromMinutes(5)));
    }
}
