using Microsoft.AspNetCore.DataProtection;
using Redirector.Tracking;

namespace Redirector.Tests.Outbound;

public sealed class SignatureTests : IDisposable
{
    private const string Site = "AbCdEfGhIjKlMnOp";
    private const string Url = "https://github.com/dotnet/aspnetcore";
    private const string Page = "https://blog.example.com/post";
    private readonly DirectoryInfo _keys = Directory.CreateTempSubdirectory("redirector-keys-");

    private OutboundSigner Signer() =>
        new(DataProtectionProvider.Create(_keys, b => b.SetApplicationName(Redirector.Security.DataProtectionServices.ApplicationName)), _keys.FullName);

    [Fact]
    public void A_signature_verifies_for_exactly_what_was_signed_and_survives_a_restart()
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
    public void Another_key_ring_does_not_verify()
    {
        var signature = Signer().Sign(Site, Url, Page);
        var other = Directory.CreateTempSubdirectory("redirector-keys-");
        try
        {
            var stranger = new OutboundSigner(DataProtectionProvider.Create(other), other.FullName);
            Assert.False(stranger.Verify(Site, Url, Page, signature));
        }
        finally
        {
            other.Delete(recursive: true);
        }
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

    public void Dispose() => _keys.Delete(recursive: true);
}
