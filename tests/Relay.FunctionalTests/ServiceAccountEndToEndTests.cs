using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Relay.Outbound;

namespace Relay.FunctionalTests;

public sealed class ServiceAccountEndToEndTests : HarnessTest
{
    [Fact]
    public async Task WorkspaceServiceAccount_ImpersonatesTheAccount_WithNoBrowserStep()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync(s => s["Relay:Google:ServiceAccountKeyFile"] = WriteKeyFile());

        await relay.SendAsync(Messages.Simple());
        var received = await Harness.Gmail.NextMessageAsync();

        Assert.Equal("relay.account@example.com", Harness.OAuth.LastServiceAccountSubject);
        Assert.Equal("relay.account@example.com", received.AuthUser);
        Assert.StartsWith("service account relay-test@", relay.Tokens.Status.Source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OAuthCallback_WhenEveryAccountIsAServiceAccount_SaysThereIsNothingToComplete_NotA500()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync(s => s["Relay:Google:ServiceAccountKeyFile"] = WriteKeyFile());
        using var http = new HttpClient();

        using var response = await http.GetAsync(relay.WebAddress + "oauth/callback?state=forged&code=x");

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("service account", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServiceAccountWithoutDelegation_HoldsTheQueue_AndSaysWhereToFixIt()
    {
        Harness.OAuth.ServiceAccountDelegated = false;
        await using var relay = await Harness.StartUnauthorizedRelayAsync(s => s["Relay:Google:ServiceAccountKeyFile"] = WriteKeyFile());

        await relay.SendAsync(Messages.Simple());
        var (_, outcome) = await relay.NextOutcomeAsync();

        Assert.Equal(DeliveryResult.NeedsAuthorization, outcome.Result);
        Assert.Contains("Domain-wide delegation", outcome.Reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServiceAccountKeyGoogleDoesNotKnow_IsRefused_AndTheQueueIsHeld()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync(s => s["Relay:Google:ServiceAccountKeyFile"] = WriteKeyFile(registeredAtGoogle: false));

        await relay.SendAsync(Messages.Simple());
        var (_, outcome) = await relay.NextOutcomeAsync();

        Assert.Equal(DeliveryResult.NeedsAuthorization, outcome.Result);
        Assert.Contains("Invalid JWT Signature", outcome.Reply, StringComparison.Ordinal);
        Assert.Empty(Harness.Gmail.Messages);
        var hold = Assert.Single(relay.Logs.Lines, line => line.Contains("Delivery is on hold", StringComparison.Ordinal));
        var fix = hold.Split("To fix it, ")[1];
        Assert.Contains("check the service account key (Relay:Google:ServiceAccountKeyFile)", fix, StringComparison.Ordinal);
        Assert.DoesNotContain("RefreshToken", fix, StringComparison.Ordinal);
        Assert.DoesNotContain("authorize relay.account", fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FakeGoogle_RefusesAnUnsignedOrWronglySignedJwt()
    {
        using var registered = RSA.Create(2048);
        using var other = RSA.Create(2048);
        const string email = "relay-test@relay-test.iam.gserviceaccount.com";
        Harness.OAuth.TrustServiceAccount(email, registered.ExportSubjectPublicKeyInfo());
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = new { iss = email, sub = "relay.account@example.com", scope = "https://mail.google.com/", aud = Harness.OAuth.TokenEndpoint, iat = now, exp = now + 3600 };

        Assert.Equal(HttpStatusCode.OK, await GrantAsync(Jwt("RS256", payload, registered)));
        Assert.Equal(HttpStatusCode.BadRequest, await GrantAsync(Jwt("none", payload, signer: null)));
        Assert.Equal(HttpStatusCode.BadRequest, await GrantAsync(Jwt("RS256", payload, other)));
    }

    private async Task<HttpStatusCode> GrantAsync(string assertion)
    {
        using var http = new HttpClient();
        var response = await http.PostAsync(Harness.OAuth.TokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer",
            ["assertion"] = assertion,
        }));
        return response.StatusCode;
    }

    private static string Jwt(string algorithm, object payload, RSA? signer)
    {
        var head = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new { alg = algorithm, typ = "JWT" }));
        var body = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(payload));
        var signature = signer is null ? [] : signer.SignData(Encoding.ASCII.GetBytes(head + "." + body), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{head}.{body}.{Base64Url.EncodeToString(signature)}";
    }

    /// <summary>A service account key as the Google Cloud console gives it, whose token_uri points at the fake.</summary>
    private string WriteKeyFile(bool registeredAtGoogle = true)
    {
        using var rsa = RSA.Create(2048);
        if (registeredAtGoogle)
        {
            Harness.OAuth.TrustServiceAccount("relay-test@relay-test.iam.gserviceaccount.com", rsa.ExportSubjectPublicKeyInfo());
        }

        var path = Path.Combine(Harness.DataPath + "-keys", "service-account.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["project_id"] = "relay-test",
            ["private_key_id"] = "0123456789abcdef",
            ["private_key"] = rsa.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = "relay-test@relay-test.iam.gserviceaccount.com",
            ["client_id"] = "100000000000000000001",
            ["token_uri"] = Harness.OAuth.TokenEndpoint,
        }));
        return path;
    }
}
