using System.Security.Cryptography;
using Redirector.Tracking;

namespace Redirector.Tests.Outbound;

public sealed class SignatureTests
{
    private const string Site = "AbCdEfGhIjKlMnOp";
    private const string Url = "https://github.com/dotnet/aspnetcore";
    private const string Page = "https://blog.example.com/post";
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(OutboundSigner.KeyBytes);

    private OutboundSigner Signer() => new(_key);

    [Fact]
    public void A_signature_verifies_for_exactly_what_was_signed_and_by_another_signer_with_the_key()
    {
        var signature = Signer().Sign(Site, Url, Page);
        Assert.Equal(22, signature.Length);
        Assert.DoesNotContain(signature, c => c is '+' or '/' or '=');
        var restarted = Signer();
        Assert.True(restarted.Verify(Site, Url, Page, signature));
        Assert.False(restarted.Verify("AbCdEfGhIjKlMnOq", Url, Page, signature));
        Assert.False(restarted.Verify(Site, Url + "x", Page, signature));
        Assert.False(restarted.Verify(Site, "https://evil.example/", Page, signature));
        Assert.False(restarted.Verify(Site, Url, Page + "/2", signature));
        Assert.False(restarted.Verify(Site, Url, null, signature));
        Assert.False(restarted.Verify(Site, Url, Page, signature[..^1] + (signature[^1] == 'A' ? 'B' : 'A')));
        Assert.False(restarted.Verify(Site, Url, Page, signature[..^1]));
        Assert.False(restarted.Verify(Site, Url, Page, ""));
        Assert.False(restarted.Verify(Site, Url, Page, null));
    }

    [Fact]
    public void Another_key_does_not_verify()
    {
        var signature = Signer().Sign(Site, Url, Page);
        var stranger = new OutboundSigner(RandomNumberGenerator.GetBytes(OutboundSigner.KeyBytes));
        Assert.False(stranger.Verify(Site, Url, Page, signature));
    }

    [Fact]
    public void Confirm_tokens_are_bound_to_the_nonce_the_values_and_the_time()
    {
        var signer = Signer();
        var now = DateTimeOffset.UtcNow;
        var token = signer.ConfirmToken("nonce-1", Site, Url, Page, now.AddMinutes(10));
        Assert.True(signer.VerifyConfirm(token, "nonce-1", Site, Url, Page, now));
        Assert.False(signer.VerifyConfirm(token, "nonce-2", Site, Url, Page, now));
        Assert.False(signer.VerifyConfirm(token, null, Site, Url, Page, now));
        Assert.False(signer.VerifyConfirm(token, "nonce-1", Site, "https://evil.example/", Page, now));
        Assert.False(signer.VerifyConfirm(token, "nonce-1", Site, Url, Page, now.AddMinutes(11)));
        var later = now.AddYears(1).ToUnixTimeSeconds();
        Assert.False(signer.VerifyConfirm(later + token[token.IndexOf('.', StringComparison.Ordinal)..], "nonce-1", Site, Url, Page, now));
    }

}
