using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Relay.Outbound;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>
/// Microsoft accounts end to end: authorized on the page (with the paste-back) and with <c>relay authorize</c>, and
/// app-only with a client secret or a certificate; each delivers through an SMTP server that takes only the fake
/// identity platform's tokens for the mailbox.
/// </summary>
public sealed class MicrosoftAuthorizationTests : IAsyncLifetime
{
    private RelayHarness _harness = null!;
    private FakeMicrosoftIdentityServer _identity = null!;
    private FakeGmailServer _office = null!;

    public async Task InitializeAsync()
    {
        _harness = await RelayHarness.StartAsync();
        _identity = await FakeMicrosoftIdentityServer.StartAsync();
        _office = new FakeGmailServer(TestCertificates.Server, _identity.IsValidFor);
    }

    public async Task DisposeAsync()
    {
        await _office.DisposeAsync();
        await _identity.DisposeAsync();
        await _harness.DisposeAsync();
    }

    /// <summary>One Microsoft account named <c>office</c>, delivering to the fake SMTP server (both upstream keys point at it).</summary>
    private void Microsoft(Dictionary<string, string?> s, Action<Dictionary<string, string?>>? change = null)
    {
        _identity.ConfigureAlone(s, _office.Port);
        s["Relay:Outbound:Port"] = s["Relay:Microsoft:SmtpPort"];
        s["Relay:Accounts:0:Name"] = "office";
        s["Relay:Accounts:0:Provider"] = "Microsoft";
        change?.Invoke(s);
    }

    [Fact]
    public async Task Page_AuthorizesAMicrosoftAccount_WithThePastedAddress_AndQueuedMailGoesOut()
    {
        await using var relay = await _harness.StartRelayAsync(s => Microsoft(s));
        await relay.SendAsync(Messages.Simple("waiting for Microsoft"));
        using var browser = await WebSession.SignedInAsync(relay);
        var status = WebUtility.HtmlDecode(await browser.GetTextAsync("/"));
        Assert.Contains("No Microsoft account is authorized yet", status, StringComparison.Ordinal);
        var form = WebUtility.HtmlDecode(await browser.GetTextAsync("/authorize?account=office"));
        Assert.Contains("Application (client) ID", form, StringComparison.Ordinal);
        Assert.Contains("Sign in with Microsoft", form, StringComparison.Ordinal);
        Assert.Contains("and sends through localhost", form, StringComparison.Ordinal); // Relay:Microsoft:SmtpHost, as configured

        var consent = await browser.StartAuthorizationAsync(new Dictionary<string, string> { ["account"] = "office" });
        Assert.StartsWith(_identity.Instance + "/organizations/oauth2/v2.0/authorize?", consent, StringComparison.Ordinal);
        var back = await FakeMicrosoftIdentityServer.ConsentAsync(consent); // the browser on another machine: this address does not load there
        var done = WebUtility.HtmlDecode(await (await browser.PostFormAsync("/authorize?account=office", "/oauth/paste", new Dictionary<string, string> { ["pastedUrl"] = back })).Content.ReadAsStringAsync());

        Assert.Contains($"{FakeMicrosoftIdentityServer.DefaultMailbox} is authorized for the account 'office'", done, StringComparison.Ordinal);
        var delivered = await _office.NextMessageAsync();
        Assert.Equal(FakeMicrosoftIdentityServer.DefaultMailbox, delivered.AuthUser);
        Assert.Equal(FakeMicrosoftIdentityServer.SmtpScope, _identity.ScopeOf(delivered.AccessToken));
        var stored = Encoding.Latin1.GetString(await File.ReadAllBytesAsync(relay.TokenStore("office").FilePath));
        foreach (var secret in _identity.IssuedRefreshTokens.Concat(_identity.Issued).Append(FakeMicrosoftIdentityServer.ClientSecret))
        {
            Assert.DoesNotContain(secret, relay.Logs.All, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
        }

        var revoked = WebUtility.HtmlDecode(await (await browser.PostFormAsync("/", "/revoke", new Dictionary<string, string> { ["account"] = "office" })).Content.ReadAsStringAsync());
        Assert.Contains($"{FakeMicrosoftIdentityServer.DefaultMailbox} was forgotten by the relay", revoked, StringComparison.Ordinal);
        Assert.Contains("https://account.live.com/consent/Manage", revoked, StringComparison.Ordinal);
        Assert.Null(relay.Account("office").Tokens.Account);
    }

    [Fact]
    public async Task RelayAuthorize_ForAMicrosoftAccount_TakesThePastedAddress_AndRevokeSaysWhereTheConsentIsRemoved()
    {
        await using var relay = await RelayProcess.StartAsync(_harness, s => Microsoft(s));

        var (exitCode, output) = await relay.RunInteractiveAsync(
            async line => line.Trim().StartsWith(_identity.Instance, StringComparison.Ordinal)
                ? await FakeMicrosoftIdentityServer.ConsentAsync(line.Trim()) // the browser on another machine; the address is pasted back
                : null,
            "authorize", "--account", "office");

        Assert.True(exitCode == 0, output);
        Assert.Contains("Microsoft then sends the browser to", output, StringComparison.Ordinal);
        Assert.Contains($"{FakeMicrosoftIdentityServer.DefaultMailbox} is authorized for the account 'office'", output, StringComparison.Ordinal);
        await SendAsync(relay.SmtpPort);
        Assert.Equal(FakeMicrosoftIdentityServer.DefaultMailbox, (await _office.NextMessageAsync()).AuthUser);

        var revoke = await relay.RunCommandAsync("revoke", "--account", "office");
        Assert.True(revoke.ExitCode == 0, revoke.Output + revoke.Error);
        Assert.Contains($"{FakeMicrosoftIdentityServer.DefaultMailbox} was forgotten by the relay", revoke.Output, StringComparison.Ordinal);
        Assert.Contains("https://myapps.microsoft.com", revoke.Output, StringComparison.Ordinal);
    }

    private static async Task SendAsync(int port)
    {
        using var client = new MailKit.Net.Smtp.SmtpClient();
        await client.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        await client.SendAsync(Messages.Simple("after relay authorize"));
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task AnOutlookComAccount_SignsInThroughTheConsumersTenant_AndSends()
    {
        _identity.ConsentMailbox = "someone@outlook.example";
        await using var relay = await _harness.StartRelayAsync(s => Microsoft(s, s => s["Relay:Accounts:0:Tenant"] = "consumers"));
        using var browser = await WebSession.SignedInAsync(relay);
        Assert.Contains("an Outlook.com (personal Microsoft) account", WebUtility.HtmlDecode(await browser.GetTextAsync("/authorize?account=office")), StringComparison.Ordinal);

        var toMicrosoft = await browser.PostFormAsync("/authorize?account=office", "/authorize", new Dictionary<string, string> { ["account"] = "office" });
        var consent = toMicrosoft.Headers.Location!.ToString();
        Assert.StartsWith(_identity.Instance + "/consumers/oauth2/v2.0/authorize?", consent, StringComparison.Ordinal);
        Assert.Contains("is authorized", WebUtility.HtmlDecode(await browser.GetTextAsync(await FakeMicrosoftIdentityServer.ConsentAsync(consent))), StringComparison.Ordinal);

        await relay.SendAsync(Messages.Simple("from an Outlook.com mailbox"));
        Assert.Equal("someone@outlook.example", (await _office.NextMessageAsync()).AuthUser);
    }

    [Fact]
    public async Task Page_ConsentAsAnotherMailbox_IsRefused_NamingBoth()
    {
        await using var relay = await _harness.StartRelayAsync(s => Microsoft(s, s => s["Relay:Accounts:0:Address"] = "shared@contoso.example"));
        using var browser = await WebSession.SignedInAsync(relay);
        var consent = await browser.StartAuthorizationAsync(new Dictionary<string, string> { ["account"] = "office" });

        var page = WebUtility.HtmlDecode(await browser.GetTextAsync(await FakeMicrosoftIdentityServer.ConsentAsync(consent)));

        Assert.Equal("shared@contoso.example", _identity.LastAuthorizationRequest!["login_hint"]);
        Assert.Contains($"You consented as {FakeMicrosoftIdentityServer.DefaultMailbox}, but the relay's account 'office' sends as shared@contoso.example", page, StringComparison.Ordinal);
        Assert.Contains("Sign in to Microsoft as shared@contoso.example", page, StringComparison.Ordinal);
        Assert.Null(relay.Account("office").Tokens.Account);
    }

    [Fact]
    public async Task AppOnly_WithTheClientSecret_DeliversAsTheConfiguredMailbox_NothingToAuthorize()
    {
        await using var relay = await _harness.StartRelayAsync(s => Microsoft(s, s =>
        {
            s["Relay:Accounts:0:AppOnly"] = "true";
            s["Relay:Accounts:0:Address"] = FakeMicrosoftIdentityServer.AppMailbox;
            s["Relay:Accounts:0:Tenant"] = "contoso.example";
        }));

        await relay.SendAsync(Messages.Simple("app-only, secret"));

        var delivered = await _office.NextMessageAsync();
        Assert.Equal((FakeMicrosoftIdentityServer.AppMailbox, FakeMicrosoftIdentityServer.SmtpAppScope, "secret"),
            (delivered.AuthUser, _identity.ScopeOf(delivered.AccessToken), _identity.LastClientCredential));
        Assert.Null(relay.Account("office").Flow);
        using var browser = await WebSession.SignedInAsync(relay);
        var authorize = await browser.GetAsync("/authorize?account=office");
        Assert.Equal(HttpStatusCode.NotFound, authorize.StatusCode);
        Assert.Contains("sends with the app's own credentials given in configuration (AppOnly)", WebUtility.HtmlDecode(await authorize.Content.ReadAsStringAsync()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppOnly_WithACertificate_DeliversAsTheConfiguredMailbox()
    {
        using var key = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=relay-app", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var file = Path.Combine(_harness.DataPath + "-keys", "app.pem");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem());
        _identity.TrustCertificate(certificate);
        await using var relay = await _harness.StartRelayAsync(s => Microsoft(s, s =>
        {
            s.Remove("Relay:Microsoft:ClientSecret");
            s["Relay:Accounts:0:AppOnly"] = "true";
            s["Relay:Accounts:0:Address"] = FakeMicrosoftIdentityServer.AppMailbox;
            s["Relay:Accounts:0:Tenant"] = FakeMicrosoftIdentityServer.TenantId;
            s["Relay:Accounts:0:CertificateFile"] = file;
        }));

        await relay.SendAsync(Messages.Simple("app-only, certificate"));

        var delivered = await _office.NextMessageAsync();
        Assert.Equal((FakeMicrosoftIdentityServer.AppMailbox, "certificate"), (delivered.AuthUser, _identity.LastClientCredential));
        Assert.StartsWith("app-only, certificate " + certificate.Thumbprint, relay.Account("office").Tokens.Status.Source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Accounts_GetTheSourceOfTheirKind_AGraphAccountWithLargeMessagesBySmtp_AlsoSmtpTokens()
    {
        await using var relay = await _harness.StartRelayAsync(s => Microsoft(s, s =>
        {
            s["Relay:Accounts:0:Transport"] = "Graph";
            s["Relay:Accounts:0:LargeMessagesBySmtp"] = "true";
            s["Relay:Accounts:1:Name"] = "app";
            s["Relay:Accounts:1:Provider"] = "Microsoft";
            s["Relay:Accounts:1:Transport"] = "Graph";
            s["Relay:Accounts:1:AppOnly"] = "true";
            s["Relay:Accounts:1:Address"] = FakeMicrosoftIdentityServer.AppMailbox;
            s["Relay:Accounts:1:Tenant"] = FakeMicrosoftIdentityServer.TenantId;
            s["Relay:Accounts:3:Name"] = "bigapp";
            s["Relay:Accounts:3:Provider"] = "Microsoft";
            s["Relay:Accounts:3:Transport"] = "Graph";
            s["Relay:Accounts:3:AppOnly"] = "true";
            s["Relay:Accounts:3:LargeMessagesBySmtp"] = "true";
            s["Relay:Accounts:3:Address"] = FakeMicrosoftIdentityServer.AppMailbox;
            s["Relay:Accounts:3:Tenant"] = FakeMicrosoftIdentityServer.TenantId;
            s["Relay:Accounts:2:Name"] = "gmail";
            s["Relay:Accounts:2:Address"] = RelayHarness.Account;
            s["Relay:Accounts:2:RefreshToken"] = FakeGoogleOAuthServer.RefreshToken;
            s["Relay:Routing:Default"] = "gmail";
        }));
        using var browser = await WebSession.SignedInAsync(relay);
        var toMicrosoft = await browser.PostFormAsync("/authorize?account=office", "/authorize", new Dictionary<string, string> { ["account"] = "office" });
        Assert.Equal(HttpStatusCode.Redirect, toMicrosoft.StatusCode);
        var back = await FakeMicrosoftIdentityServer.ConsentAsync(toMicrosoft.Headers.Location!.ToString());
        Assert.Contains("is authorized", WebUtility.HtmlDecode(await browser.GetTextAsync(back)), StringComparison.Ordinal);

        var office = relay.Account("office");
        Assert.Equal(FakeMicrosoftIdentityServer.GraphScope, _identity.ScopeOf(await office.Tokens.GetAccessTokenAsync(CancellationToken.None)));
        Assert.Equal(FakeMicrosoftIdentityServer.SmtpScope, _identity.ScopeOf(await office.SmtpTokens!.GetAccessTokenAsync(CancellationToken.None)));
        var app = relay.Account("app");
        Assert.Null(app.Flow);
        Assert.Null(app.SmtpTokens);
        Assert.Equal(FakeMicrosoftIdentityServer.GraphAppScope, _identity.ScopeOf(await app.Tokens.GetAccessTokenAsync(CancellationToken.None)));
        Assert.Equal(FakeMicrosoftIdentityServer.AppMailbox, app.Tokens.Status.Account);
        Assert.Null(relay.Account("gmail").SmtpTokens);
        Assert.IsType<Relay.OAuth.GoogleAccessTokenSource>(relay.Account("gmail").Tokens);
        var status = WebUtility.HtmlDecode(await browser.GetTextAsync("/"));
        Assert.Contains("Microsoft Graph (HTTPS, sendMail); large messages by SMTP (localhost, XOAUTH2)", status, StringComparison.Ordinal);

        // An app-only Graph account with large messages by SMTP: one app, a token for each resource.
        var bigApp = relay.Account("bigapp");
        Assert.Equal(FakeMicrosoftIdentityServer.GraphAppScope, _identity.ScopeOf(await bigApp.Tokens.GetAccessTokenAsync(CancellationToken.None)));
        Assert.Equal(FakeMicrosoftIdentityServer.SmtpAppScope, _identity.ScopeOf(await bigApp.SmtpTokens!.GetAccessTokenAsync(CancellationToken.None)));

        // No secret on the pages or in the API, whatever they show of the accounts.
        using var api = new HttpClient { BaseAddress = new Uri(relay.WebAddress) };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", relay.LoginSecret);
        var shown = status + await browser.GetTextAsync("/authorize?account=office") + await browser.GetTextAsync("/authorize?account=bigapp")
            + await api.GetStringAsync("/api/status") + await api.GetStringAsync("/metrics");
        foreach (var secret in _identity.Issued.Concat(_identity.IssuedRefreshTokens).Append(FakeMicrosoftIdentityServer.ClientSecret))
        {
            Assert.DoesNotContain(secret, shown, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, relay.Logs.All, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RefusedRefresh_HoldsTheAccount_AndKeepsItsAuthorization()
    {
        await using var relay = await _harness.StartRelayAsync(s => Microsoft(s));
        using var browser = await WebSession.SignedInAsync(relay);
        var consent = await browser.StartAuthorizationAsync(new Dictionary<string, string> { ["account"] = "office" });
        Assert.Contains("is authorized", WebUtility.HtmlDecode(await browser.GetTextAsync(await FakeMicrosoftIdentityServer.ConsentAsync(consent))), StringComparison.Ordinal);
        _identity.RefreshTokenRevoked = true;
        _identity.Invalidate(_identity.Issued.Last()); // the upstream refuses the token: a refresh is asked for, and refused

        await relay.SendAsync(Messages.Simple("after the refusal"));

        var (entry, _) = await relay.NextOutcomeAsync(o => o.Result == DeliveryResult.NeedsAuthorization);
        Assert.Equal("office", entry.Account);
        Assert.Contains("invalid_grant", relay.Account("office").Tokens.Status.Problem, StringComparison.Ordinal);
        Assert.True(File.Exists(relay.TokenStore("office").FilePath));
        Assert.Contains("Microsoft refused the refresh token", WebUtility.HtmlDecode(await browser.GetTextAsync("/")), StringComparison.Ordinal);
    }
}
