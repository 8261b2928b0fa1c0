using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Relay.Accounts;
using Relay.OAuth;
using Relay.OAuth.Microsoft;
using Relay.Outbound;
using Relay.Testing;

namespace Relay.Tests.OAuth.Microsoft;

/// <summary>The Microsoft token sources and the Microsoft half of the authorization flow, against the fake identity platform over HTTPS.</summary>
public sealed class MicrosoftTokenSourceTests : IAsyncLifetime
{
    private const string RedirectUri = "http://localhost:8025/oauth/callback";
    private readonly string _data = Directory.CreateTempSubdirectory("relay-ms-token-test-").FullName;
    private FakeMicrosoftIdentityServer _identity = null!;
    private MsalHttpClientFactory _http = null!;

    public async Task InitializeAsync()
    {
        _identity = await FakeMicrosoftIdentityServer.StartAsync();
        _http = new MsalHttpClientFactory(new UpstreamCertificateValidator(Options.Create(new OutboundOptions { TrustedCaFile = TestCertificates.CaPemFile })));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _identity.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private MicrosoftOptions Options365 => new()
    {
        Instance = _identity.Instance,
        ClientId = FakeMicrosoftIdentityServer.ClientId,
        ClientSecret = FakeMicrosoftIdentityServer.ClientSecret,
    };

    private Account Settings(Action<AccountSettings>? change = null)
    {
        var settings = new AccountSettings { Name = "office", Provider = AccountProvider.Microsoft };
        change?.Invoke(settings);
        return EffectiveAccounts.Build(new AccountsOptions { Accounts = [settings] }, new(), new(), new(), microsoft: Options365).Accounts[0];
    }

    private TokenStore Store() => new(
        TokenStore.PathIn(_data, "office"),
        new SecretBox(Options.Create(new SecretsOptions { KeyFile = Path.Combine(_data, "keys", "relay.key") }), NullLogger<SecretBox>.Instance),
        NullLogger<TokenStore>.Instance);

    private MicrosoftSignIn SignIn(Account account) => new(account, Options365, Store(), _http, TimeProvider.System, NullLogger.Instance);

    /// <summary>Authorizes through the flow as a person would: the consent address, Accept, the address pasted back.</summary>
    private static async Task<AuthorizationResult> AuthorizeAsync(MicrosoftSignIn signIn, bool replace = false)
    {
        var flow = new AuthorizationFlow(new MicrosoftAuthorization(signIn, TimeProvider.System), TimeProvider.System, NullLogger<AuthorizationFlow>.Instance);
        var start = await flow.StartAsync(RedirectUri, FakeMicrosoftIdentityServer.ClientId, FakeMicrosoftIdentityServer.ClientSecret, keepSecret: false, FlowOwner.AdminApi(replace), CancellationToken.None);
        var back = await FakeMicrosoftIdentityServer.ConsentAsync(start.Url);
        return await flow.CompleteFromPastedAsync(back, FlowCaller.AdminApi, CancellationToken.None);
    }

    [Fact]
    public async Task Authorization_TakesTheMailboxFromTheIdToken_WithPkceAndTheFlowsState()
    {
        var signIn = SignIn(Settings());

        var result = await AuthorizeAsync(signIn);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(FakeMicrosoftIdentityServer.DefaultMailbox, signIn.Account);
        var request = _identity.LastAuthorizationRequest!;
        Assert.Equal(("organizations", "S256", FakeMicrosoftIdentityServer.SmtpScope), (request["tenant"], request["code_challenge_method"], request["scope"].Split(' ').Single(s => s.StartsWith("https://", StringComparison.Ordinal))));
        Assert.Contains("offline_access", request["scope"].Split(' '));
    }

    [Fact]
    public async Task TokenFile_HoldsNoTokenOrSecretInClear_AndANewProcessRefreshesFromIt()
    {
        var signIn = SignIn(Settings());
        Assert.True((await AuthorizeAsync(signIn)).Succeeded);
        var token = await new MicrosoftAccessTokenSource(signIn, MicrosoftScopes.SmtpSend).GetAccessTokenAsync(CancellationToken.None);

        var file = await File.ReadAllBytesAsync(Store().FilePath);
        foreach (var secret in _identity.IssuedRefreshTokens.Concat(_identity.Issued).Append(FakeMicrosoftIdentityServer.ClientSecret).Append("fake-ms"))
        {
            Assert.DoesNotContain(secret, Encoding.UTF8.GetString(file), StringComparison.Ordinal);
        }

        var restarted = new MicrosoftAccessTokenSource(SignIn(Settings()), MicrosoftScopes.SmtpSend);
        restarted.Load();
        Assert.Equal(FakeMicrosoftIdentityServer.DefaultMailbox, restarted.Account);
        Assert.Equal(token, await restarted.GetAccessTokenAsync(CancellationToken.None)); // the cached access token came back from the encrypted file
        var refreshed = await restarted.RefreshNowAsync(CancellationToken.None);
        Assert.NotEqual(token, refreshed);
        Assert.True(_identity.IsValidFor(FakeMicrosoftIdentityServer.DefaultMailbox, refreshed));
    }

    [Fact]
    public async Task ConcurrentRejections_OfOneToken_RefreshOnce()
    {
        var signIn = SignIn(Settings());
        Assert.True((await AuthorizeAsync(signIn)).Succeeded);
        var source = new MicrosoftAccessTokenSource(signIn, MicrosoftScopes.SmtpSend);
        var rejected = await source.GetAccessTokenAsync(CancellationToken.None);
        var before = _identity.RefreshCount;

        var renewed = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => source.RefreshRejectedAsync(rejected, CancellationToken.None))));

        Assert.Equal(before + 1, _identity.RefreshCount);
        Assert.Single(renewed.Distinct());
        Assert.NotEqual(rejected, renewed[0]);
        Assert.NotNull(source.Status.LastRefreshAt);
    }

    [Fact]
    public async Task InvalidGrant_MarksTheProblem_AndKeepsTheAuthorization()
    {
        var signIn = SignIn(Settings());
        Assert.True((await AuthorizeAsync(signIn)).Succeeded);
        var source = new MicrosoftAccessTokenSource(signIn, MicrosoftScopes.SmtpSend);
        _identity.RefreshTokenRevoked = true;

        var refused = await Assert.ThrowsAsync<AuthorizationRequiredException>(() => source.RefreshNowAsync(CancellationToken.None));

        Assert.Contains("invalid_grant", refused.Message, StringComparison.Ordinal);
        Assert.Contains("relay authorize --account office", refused.Message, StringComparison.Ordinal);
        Assert.Equal(refused.Message, source.Status.Problem);
        Assert.False(source.Status.Usable);
        var restarted = new MicrosoftAccessTokenSource(SignIn(Settings()), MicrosoftScopes.SmtpSend);
        restarted.Load();
        Assert.Equal((FakeMicrosoftIdentityServer.DefaultMailbox, refused.Message), (restarted.Account, restarted.Status.Problem));
    }

    [Fact]
    public async Task ConsentAsAnotherMailbox_ThanTheConfiguredAddress_IsRefusedNamingBoth()
    {
        var signIn = SignIn(Settings(settings => settings.Address = "shared@contoso.example"));

        var result = await AuthorizeAsync(signIn);

        Assert.False(result.Succeeded);
        Assert.Contains($"You consented as {FakeMicrosoftIdentityServer.DefaultMailbox}, but the relay's account 'office' sends as shared@contoso.example", result.Message, StringComparison.Ordinal);
        Assert.Contains("Sign in to Microsoft as shared@contoso.example", result.Message, StringComparison.Ordinal);
        Assert.Null(signIn.Account);
        Assert.False(File.Exists(Store().FilePath));
    }

    [Fact]
    public async Task AnotherMailbox_DoesNotReplaceTheAuthorizedOne_WithoutConfirmation_AndSaysWhereItsConsentIsRemoved()
    {
        var signIn = SignIn(Settings());
        Assert.True((await AuthorizeAsync(signIn)).Succeeded);
        _identity.ConsentMailbox = "someone.else@contoso.example";

        var result = await AuthorizeAsync(signIn);

        Assert.False(result.Succeeded);
        Assert.Contains($"You consented as someone.else@contoso.example, but the relay sends as {FakeMicrosoftIdentityServer.DefaultMailbox}", result.Message, StringComparison.Ordinal);
        Assert.Contains("was forgotten by the relay (Microsoft has no way for an app to revoke its own access: remove the consent at https://myapps.microsoft.com", result.Message, StringComparison.Ordinal);
        Assert.Equal(FakeMicrosoftIdentityServer.DefaultMailbox, signIn.Account);
    }

    [Fact]
    public async Task AnotherMailbox_WithTheReplacementConfirmed_ReplacesTheAuthorizedOne_InMemoryAndOnDisk()
    {
        var signIn = SignIn(Settings());
        Assert.True((await AuthorizeAsync(signIn)).Succeeded);
        _identity.ConsentMailbox = "someone.else@contoso.example";

        var result = await AuthorizeAsync(signIn, replace: true);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal("someone.else@contoso.example", signIn.Account);
        var restarted = new MicrosoftAccessTokenSource(SignIn(Settings()), MicrosoftScopes.SmtpSend);
        restarted.Load();
        Assert.Equal("someone.else@contoso.example", restarted.Account);
        Assert.False(string.IsNullOrEmpty(await restarted.GetAccessTokenAsync(CancellationToken.None)));
    }

    [Theory]
    [InlineData("AADSTS65004: User declined to consent to access the app.", "you clicked Cancel (or No) on the consent page")]
    [InlineData("AADSTS65001: The user or administrator has not consented to use the application.", "an administrator grants it: Entra ID → App registrations → the app → API permissions → Grant admin consent")]
    public void RefusedConsent_SaysWhatToDo(string description, string expected)
    {
        var authorization = new MicrosoftAuthorization(SignIn(Settings()), TimeProvider.System);

        var sentence = authorization.DescribeError(new Dictionary<string, string> { ["error"] = "access_denied", ["error_description"] = description });

        Assert.Contains(expected, sentence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GraphAccount_WithLargeMessagesBySmtp_GetsTokensForBothResources_FromOneAuthorization()
    {
        var signIn = SignIn(Settings(settings => (settings.Transport, settings.LargeMessagesBySmtp) = (AccountTransport.Graph, true)));

        Assert.True((await AuthorizeAsync(signIn)).Succeeded);
        var graph = await new MicrosoftAccessTokenSource(signIn, MicrosoftScopes.GraphMailSend).GetAccessTokenAsync(CancellationToken.None);
        var smtp = await new MicrosoftAccessTokenSource(signIn, MicrosoftScopes.SmtpSend).GetAccessTokenAsync(CancellationToken.None);

        Assert.Equal((FakeMicrosoftIdentityServer.GraphScope, FakeMicrosoftIdentityServer.SmtpScope), (_identity.ScopeOf(graph), _identity.ScopeOf(smtp)));
        Assert.Contains(FakeMicrosoftIdentityServer.SmtpScope, _identity.LastAuthorizationRequest!["scope"].Split(' '));
    }

    [Fact]
    public async Task Revoke_ForgetsTheAuthorization_ThereIsNothingToCallAtMicrosoft()
    {
        var signIn = SignIn(Settings());
        Assert.True((await AuthorizeAsync(signIn)).Succeeded);
        var source = new MicrosoftAccessTokenSource(signIn, MicrosoftScopes.SmtpSend);

        await source.RevokeAsync(CancellationToken.None);

        Assert.Null(source.Account);
        Assert.False(File.Exists(Store().FilePath));
        await Assert.ThrowsAsync<AuthorizationRequiredException>(() => source.GetAccessTokenAsync(CancellationToken.None));
    }

    [Fact]
    public async Task AppOnly_WithTheClientSecret_GetsAnAppTokenForTheTransportsResource()
    {
        var account = Settings(settings => (settings.AppOnly, settings.Address, settings.Tenant, settings.Transport) = (true, FakeMicrosoftIdentityServer.AppMailbox, "contoso.example", AccountTransport.Graph));
        var source = new MicrosoftAppOnlyTokenSource(account, MicrosoftScopes.AppOnly(account.Transport), Options365, _http, TimeProvider.System, NullLogger.Instance);

        var token = await source.GetAccessTokenAsync(CancellationToken.None);

        Assert.Equal((FakeMicrosoftIdentityServer.GraphAppScope, "secret"), (_identity.ScopeOf(token), _identity.LastClientCredential));
        Assert.Equal((FakeMicrosoftIdentityServer.AppMailbox, "app-only, client secret"), (source.Status.Account, source.Status.Source));
        Assert.Equal(token, await source.GetAccessTokenAsync(CancellationToken.None));
        Assert.NotEqual(token, await source.RefreshRejectedAsync(token, CancellationToken.None));
        Assert.Equal(2, _identity.ClientCredentialsCount);
    }

    [Theory]
    [InlineData("pem")]
    [InlineData("pfx")]
    public async Task AppOnly_WithACertificate_SignsAClientAssertion(string format)
    {
        using var key = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=relay-app", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var file = Path.Combine(_data, "app." + format);
        if (format == "pem")
        {
            await File.WriteAllTextAsync(file, certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem());
        }
        else
        {
            await File.WriteAllBytesAsync(file, certificate.Export(X509ContentType.Pfx));
        }

        _identity.TrustCertificate(certificate);
        var account = Settings(settings => (settings.AppOnly, settings.Address, settings.Tenant, settings.CertificateFile, settings.ClientSecret, settings.ClientId) =
            (true, FakeMicrosoftIdentityServer.AppMailbox, FakeMicrosoftIdentityServer.TenantId, file, null, FakeMicrosoftIdentityServer.ClientId));
        var source = new MicrosoftAppOnlyTokenSource(account, MicrosoftScopes.AppOnly(account.Transport), Options365, _http, TimeProvider.System, NullLogger.Instance);

        var token = await source.GetAccessTokenAsync(CancellationToken.None);

        Assert.Equal((FakeMicrosoftIdentityServer.SmtpAppScope, "certificate"), (_identity.ScopeOf(token), _identity.LastClientCredential));
        Assert.StartsWith("app-only, certificate " + certificate.Thumbprint, source.Status.Source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppOnly_WithAnUntrustedCertificate_IsAnAuthorizationProblemNamingTheFix()
    {
        using var key = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=not-uploaded", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var file = Path.Combine(_data, "other.pem");
        await File.WriteAllTextAsync(file, certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem());
        var account = Settings(settings => (settings.AppOnly, settings.Address, settings.Tenant, settings.CertificateFile) = (true, FakeMicrosoftIdentityServer.AppMailbox, FakeMicrosoftIdentityServer.TenantId, file));
        var source = new MicrosoftAppOnlyTokenSource(account, MicrosoftScopes.SmtpApp, Options365, _http, TimeProvider.System, NullLogger.Instance);

        var refused = await Assert.ThrowsAsync<AuthorizationRequiredException>(() => source.GetAccessTokenAsync(CancellationToken.None));

        Assert.Contains("invalid_client", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Certificates & secrets", refused.Message, StringComparison.Ordinal);
        Assert.Equal(refused.Message, source.Status.Problem);
    }

    [Fact]
    public async Task RefreshWithAClientSecretMicrosoftRefuses_SaysToCheckTheSecretsValue_AndHolds()
    {
        Assert.True((await AuthorizeAsync(SignIn(Settings()))).Succeeded);
        var expired = new MicrosoftAccessTokenSource(
            SignIn(Settings(settings => (settings.ClientId, settings.ClientSecret) = (FakeMicrosoftIdentityServer.ClientId, "an-expired-secret"))), MicrosoftScopes.SmtpSend);

        var refused = await Assert.ThrowsAsync<AuthorizationRequiredException>(() => expired.RefreshNowAsync(CancellationToken.None));

        Assert.Contains("Microsoft refused the app registration", refused.Message, StringComparison.Ordinal);
        Assert.Contains("not its Secret ID", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("an-expired-secret", refused.Message, StringComparison.Ordinal);
        Assert.Equal(refused.Message, expired.Status.Problem);
    }

    [Fact]
    public async Task AppOnly_WithACertificateFileWithoutItsKey_IsAProblemNamingTheFix_BeforeAnyRequest()
    {
        using var key = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=no-key", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var file = Path.Combine(_data, "certificate-only.pem");
        await File.WriteAllTextAsync(file, certificate.ExportCertificatePem());
        var account = Settings(settings => (settings.AppOnly, settings.Address, settings.Tenant, settings.CertificateFile) = (true, FakeMicrosoftIdentityServer.AppMailbox, FakeMicrosoftIdentityServer.TenantId, file));
        var source = new MicrosoftAppOnlyTokenSource(account, MicrosoftScopes.SmtpApp, Options365, _http, TimeProvider.System, NullLogger.Instance);

        source.Load();
        var refused = await Assert.ThrowsAsync<AuthorizationRequiredException>(() => source.GetAccessTokenAsync(CancellationToken.None));

        Assert.Contains($"The certificate file {file} of account 'office' cannot be used", refused.Message, StringComparison.Ordinal);
        Assert.Contains("unencrypted private key", refused.Message, StringComparison.Ordinal);
        Assert.Equal(refused.Message, source.Status.Problem);
        Assert.Equal(0, _identity.ClientCredentialsCount);
    }

    [Fact]
    public async Task StoredAuthorizationWithoutItsSignIn_MarksTheProblem_AndKeepsTheFile()
    {
        await Store().SaveAsync(new StoredAuthorization { Account = "a@contoso.example", ClientId = FakeMicrosoftIdentityServer.ClientId, AuthorizedAt = DateTimeOffset.UtcNow }, CancellationToken.None);
        var source = new MicrosoftAccessTokenSource(SignIn(Settings()), MicrosoftScopes.SmtpSend);

        var refused = await Assert.ThrowsAsync<AuthorizationRequiredException>(() => source.GetAccessTokenAsync(CancellationToken.None));

        Assert.Contains("holds no Microsoft sign-in", refused.Message, StringComparison.Ordinal);
        var restarted = new MicrosoftAccessTokenSource(SignIn(Settings()), MicrosoftScopes.SmtpSend);
        Assert.Equal(("a@contoso.example", refused.Message), (restarted.Account, restarted.Status.Problem));
    }

    [Fact]
    public async Task StoredAuthorizationWithNoKnownSecret_IsAProblem_BeforeAnyRequest()
    {
        await Store().SaveAsync(new StoredAuthorization { Account = "a@contoso.example", ClientId = "own-app", AuthorizedAt = DateTimeOffset.UtcNow }, CancellationToken.None);
        var source = new MicrosoftAccessTokenSource(SignIn(Settings(settings => settings.ClientId = "own-app")), MicrosoftScopes.SmtpSend);

        Assert.Contains("No client secret is known", source.Status.Problem, StringComparison.Ordinal);
        Assert.Equal(0, _identity.RefreshCount);
    }
}
