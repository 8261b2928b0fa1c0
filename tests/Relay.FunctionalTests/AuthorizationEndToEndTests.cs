using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Relay.Outbound;
using Relay.Testing;

namespace Relay.FunctionalTests;

public sealed class AuthorizationEndToEndTests : HarnessTest
{
    [Fact]
    public async Task BrowserFlow_ConsentStoresTheTokenEncrypted_QueuedMailGoesOut_AndARestartStaysAuthorized()
    {
        await using (var relay = await Harness.StartUnauthorizedRelayAsync())
        {
            await relay.SendAsync(Messages.Simple("waiting for an account"));
            using var browser = await WebSession.SignedInAsync(relay);
            Assert.Contains("No Google account is authorized yet", await browser.GetTextAsync("/"), StringComparison.Ordinal);

            var callback = await browser.ConsentAsync();
            var page = await browser.GetTextAsync(callback);

            Assert.Contains("relay.account@example.com is authorized", page, StringComparison.Ordinal);
            var request = Harness.OAuth.LastAuthorizationRequest!;
            Assert.Equal("S256", request["code_challenge_method"]);
            Assert.Equal("offline", request["access_type"]);
            Assert.Equal("consent", request["prompt"]);
            Assert.Equal("relay.account@example.com", request["login_hint"]);
            Assert.StartsWith("http://localhost:", request["redirect_uri"], StringComparison.Ordinal);
            var delivered = await Harness.Gmail.NextMessageAsync();
            Assert.Equal("relay.account@example.com", delivered.AuthUser);

            var stored = await File.ReadAllBytesAsync(Path.Combine(Harness.DataPath, "oauth", "authorization.bin"));
            var refreshToken = Assert.Single(Harness.OAuth.IssuedRefreshTokens);
            Assert.DoesNotContain(refreshToken, Encoding.Latin1.GetString(stored), StringComparison.Ordinal);
            Assert.DoesNotContain(FakeGoogleOAuthServer.ClientSecret, Encoding.Latin1.GetString(stored), StringComparison.Ordinal);
            Assert.DoesNotContain(refreshToken, relay.Logs.All, StringComparison.Ordinal);
            if (!OperatingSystem.IsWindows())
            {
                var ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                Assert.Equal(ownerOnly, File.GetUnixFileMode(Path.Combine(Harness.DataPath, "oauth", "authorization.bin")));
                Assert.Equal(ownerOnly, File.GetUnixFileMode(Path.Combine(Harness.DataPath, "web", "login-secret")));
                Assert.Equal(ownerOnly, File.GetUnixFileMode(Path.Combine(Harness.DataPath + "-keys", "relay.key")));
            }
        }

        await using var restarted = await Harness.StartUnauthorizedRelayAsync();
        Assert.Equal("relay.account@example.com", restarted.Tokens.Account);
        await restarted.SendAsync(Messages.Simple("after the restart"));
        var (_, outcome) = await restarted.NextOutcomeAsync();
        Assert.Equal(DeliveryResult.Delivered, outcome.Result);
    }

    [Fact]
    public async Task PastedAddress_CompletesTheAuthorization_OnceOnly()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync();
        using var browser = await WebSession.SignedInAsync(relay);
        var callback = await browser.ConsentAsync();

        var pasted = await browser.PostFormAsync("/authorize", "/oauth/paste", new Dictionary<string, string> { ["pastedUrl"] = callback });
        Assert.Equal(HttpStatusCode.OK, pasted.StatusCode);
        Assert.Contains("is authorized", await pasted.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var replayed = await browser.GetAsync(callback);
        Assert.Equal(HttpStatusCode.BadRequest, replayed.StatusCode);
        Assert.Contains("already used", await replayed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForgedState_IsRefused()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync();
        using var browser = await WebSession.SignedInAsync(relay);
        var callback = await browser.ConsentAsync();
        var forged = System.Text.RegularExpressions.Regex.Replace(callback, "state=[^&]+", "state=forged-state-value-1234567890");

        var response = await browser.GetAsync(forged);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(relay.Tokens.Account);
    }

    [Fact]
    public async Task ConsentAsAnotherAccount_IsRefusedWithTheReason()
    {
        Harness.OAuth.ConsentAccount = "someone.else@example.com";
        await using var relay = await Harness.StartUnauthorizedRelayAsync();
        using var browser = await WebSession.SignedInAsync(relay);

        var page = await browser.GetTextAsync(await browser.ConsentAsync());

        Assert.Contains("You consented as someone.else@example.com, but this relay sends as relay.account@example.com", page, StringComparison.Ordinal);
        Assert.Null(relay.Tokens.Account);
    }

    [Fact]
    public async Task ConsentWithoutARefreshToken_IsRefusedWithTheFix()
    {
        Harness.OAuth.OmitRefreshToken = true;
        await using var relay = await Harness.StartUnauthorizedRelayAsync();
        using var browser = await WebSession.SignedInAsync(relay);

        var page = await browser.GetTextAsync(await browser.ConsentAsync());

        Assert.Contains("Google returned no refresh token", page, StringComparison.Ordinal);
        Assert.Contains("myaccount.google.com/permissions", page, StringComparison.Ordinal);
        Assert.Null(relay.Tokens.Account);
    }

    [Fact]
    public async Task ConsentCancelled_SaysWhatAccessDeniedMeans()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync();
        using var browser = await WebSession.SignedInAsync(relay);

        var page = await browser.GetTextAsync(await browser.ConsentAsync(allow: false));

        Assert.Contains("test users", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefreshTokenRevokedAtGoogle_HoldsTheQueue_BannerOnThePage_TokenKeptForDiagnosis()
    {
        Action<Dictionary<string, string?>> probeOften = s => s["Relay:Outbound:AuthorizationRetryDelay"] = "00:00:00.200";
        string refreshToken;
        await using (var relay = await Harness.StartUnauthorizedRelayAsync(probeOften))
        {
            using var browser = await WebSession.SignedInAsync(relay);
            await browser.GetTextAsync(await browser.ConsentAsync());
            refreshToken = Harness.OAuth.IssuedRefreshTokens.Single();
            Assert.Equal(refreshToken, StoredRefreshToken(relay));
            Harness.OAuth.RefreshTokenRevoked = true;
            Harness.OAuth.Invalidate(Harness.OAuth.Issued.Last());

            await relay.SendAsync(Messages.Simple());
            for (var failure = 1; failure <= 3; failure++) // the first attempt, then two probes: each refresh fails with invalid_grant
            {
                var (_, outcome) = await relay.NextOutcomeAsync(o => o.Result != DeliveryResult.Delivered);
                Assert.Equal(DeliveryResult.NeedsAuthorization, outcome.Result);
                Assert.Equal(refreshToken, StoredRefreshToken(relay)); // the file is still there and its token unchanged: kept for diagnosis
            }

            Assert.Contains("needs to be authorized again", await browser.GetTextAsync("/"), StringComparison.Ordinal);
            Assert.Contains("invalid_grant", relay.Tokens.Status.Problem, StringComparison.Ordinal);
            Assert.Equal("relay.account@example.com", relay.Tokens.Account);
        }

        await using var restarted = await Harness.StartUnauthorizedRelayAsync(probeOften);
        var (_, afterRestart) = await restarted.NextOutcomeAsync(o => o.Result != DeliveryResult.Delivered);
        Assert.Equal(DeliveryResult.NeedsAuthorization, afterRestart.Result);
        Assert.Equal(refreshToken, StoredRefreshToken(restarted));
        Assert.Equal("relay.account@example.com", restarted.Tokens.Account);
    }

    /// <summary>The refresh token in the encrypted store, read the way the relay reads it (the file itself gets the problem noted).</summary>
    private static string? StoredRefreshToken(RelayInstance relay) =>
        relay.TokenStore().Load()?.RefreshToken;

    [Fact]
    public async Task CodeExchangedAfterItExpired_IsRefusedWithTheFix_AndNothingIsStored()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await RelayHarness.StartAsync(clock);
        await using var relay = await harness.StartUnauthorizedRelayAsync();
        using var browser = await WebSession.SignedInAsync(relay);
        var callback = await browser.ConsentAsync();

        clock.Advance(harness.OAuth.CodeLifetime + TimeSpan.FromSeconds(1)); // the code is dead, the relay's state (10 min) is not
        var response = await browser.GetAsync(callback);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Google refused the authorization code (it expires within minutes", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(relay.Tokens.Account);
        Assert.False(File.Exists(Path.Combine(harness.DataPath, "oauth", "authorization.bin")));
    }

    [Fact]
    public async Task Revoke_CallsGoogleAndForgetsTheAccount()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync();
        using var browser = await WebSession.SignedInAsync(relay);
        await browser.GetTextAsync(await browser.ConsentAsync());
        var refreshToken = Harness.OAuth.IssuedRefreshTokens.Last();

        var response = await browser.PostFormAsync("/", "/revoke", new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(refreshToken, Harness.OAuth.Revoked);
        Assert.Null(relay.Tokens.Account);
        Assert.False(File.Exists(Path.Combine(Harness.DataPath, "oauth", "authorization.bin")));
    }

    [Fact]
    public async Task Pages_NeedTheLogin_AndFormsNeedTheirAntiforgeryToken()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync();
        using var browser = new WebSession(relay.WebAddress);

        var anonymous = await browser.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.StartsWith("/login", anonymous.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.TryLoginAsync("wrong-secret-of-the-right-length")).StatusCode);

        var anonymousPost = await browser.PostWithoutTokenAsync("/authorize", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, anonymousPost.StatusCode);

        await browser.LoginAsync(relay.LoginSecret);
        var withToken = await browser.PostFormAsync("/authorize", "/authorize", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, withToken.StatusCode); // on to Google
        var withoutToken = await browser.PostWithoutTokenAsync("/authorize", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.BadRequest, withoutToken.StatusCode);
    }

    [Fact]
    public async Task ConfiguredLoginSecret_IsTheOneThatSignsIn_AndTheCookieIsHttpOnlyAndSameSiteLax()
    {
        const string configured = "configured-login-secret-0123456789abcdef";
        await using var relay = await Harness.StartUnauthorizedRelayAsync(s => s["Relay:Web:LoginSecret"] = configured);
        using var browser = new WebSession(relay.WebAddress);

        var generated = Path.Combine(Harness.DataPath, "web", "login-secret");
        Assert.False(File.Exists(generated)); // Relay:Web:LoginSecret given: nothing generated
        Assert.NotEqual(HttpStatusCode.Redirect, (await browser.TryLoginAsync("not-" + configured)).StatusCode);
        var signedIn = await browser.TryLoginAsync(configured);

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var cookie = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("relay-login=", StringComparison.Ordinal));
        var attributes = cookie.Split(';').Skip(1).Select(a => a.Trim().ToLowerInvariant()).ToList();
        Assert.Contains("httponly", attributes); // no script on the page can read it
        Assert.Contains("samesite=lax", attributes); // not sent with cross-site POSTs
        Assert.Contains("path=/", attributes);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/")).StatusCode); // and it is a working session
    }

    [Fact]
    public async Task RotatedRefreshToken_IsSaved_AndUsedAfterARestart()
    {
        await using (var relay = await Harness.StartUnauthorizedRelayAsync())
        {
            using var browser = await WebSession.SignedInAsync(relay);
            await browser.GetTextAsync(await browser.ConsentAsync());
            Harness.OAuth.RotateRefreshTokens = true;
            await relay.SendAsync(Messages.Simple());
            await Harness.Gmail.NextMessageAsync(); // the refresh that delivered it rotated the token
            Harness.OAuth.RotateRefreshTokens = false;
        }

        Assert.Equal(2, Harness.OAuth.IssuedRefreshTokens.Count); // the first one no longer works at the fake Google
        await using var restarted = await Harness.StartUnauthorizedRelayAsync();
        await restarted.SendAsync(Messages.Simple("after the rotation"));
        var (_, outcome) = await restarted.NextOutcomeAsync();
        Assert.Equal(DeliveryResult.Delivered, outcome.Result);
    }

    [Fact]
    public async Task StateOlderThanTenMinutes_IsRefused()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await RelayHarness.StartAsync(clock);
        await using var relay = await harness.StartUnauthorizedRelayAsync();
        using var browser = await WebSession.SignedInAsync(relay);
        var callback = await browser.ConsentAsync();

        clock.Advance(TimeSpan.FromMinutes(11));
        var response = await browser.GetAsync(callback);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("expired", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(relay.Tokens.Account);
    }

    [Fact]
    public async Task WebClientBehindAProxy_UsesThePublicHttpsCallback()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync(s =>
        {
            s["Relay:Web:PublicUrl"] = "https://relay.example.com/";
            s["Relay:Web:TrustedProxies:0"] = "127.0.0.1"; // the proxy that terminates TLS
        });
        using var browser = new WebSession(relay.WebAddress, forwardedProto: "https");
        await browser.LoginAsync(relay.LoginSecret);

        var back = await browser.ConsentAsync();

        Assert.Equal("https://relay.example.com/oauth/callback", Harness.OAuth.LastAuthorizationRequest!["redirect_uri"]);
        Assert.StartsWith("https://relay.example.com/oauth/callback?", back, StringComparison.Ordinal);
        Assert.Contains("https://relay.example.com/oauth/callback", await browser.GetTextAsync("/authorize"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientEnteredOnThePage_SecretStoredEncrypted_AndUsedAfterARestart()
    {
        Action<Dictionary<string, string?>> noClientInConfiguration = s =>
        {
            s.Remove("Relay:Google:ClientId");
            s.Remove("Relay:Google:ClientSecret");
        };
        await using (var relay = await Harness.StartUnauthorizedRelayAsync(noClientInConfiguration))
        {
            using var browser = await WebSession.SignedInAsync(relay);
            var missing = await browser.PostFormAsync("/authorize", "/authorize", new Dictionary<string, string>());
            Assert.Contains("Give the client ID and the client secret", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            var page = await browser.GetTextAsync(await browser.ConsentAsync(fields: new Dictionary<string, string>
            {
                ["clientId"] = FakeGoogleOAuthServer.ClientId,
                ["clientSecret"] = FakeGoogleOAuthServer.ClientSecret,
            }));
            Assert.Contains("is authorized", page, StringComparison.Ordinal);
        }

        var stored = Encoding.Latin1.GetString(await File.ReadAllBytesAsync(Path.Combine(Harness.DataPath, "oauth", "authorization.bin")));
        Assert.DoesNotContain(FakeGoogleOAuthServer.ClientSecret, stored, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeGoogleOAuthServer.ClientId, stored, StringComparison.Ordinal);

        await using var restarted = await Harness.StartUnauthorizedRelayAsync(noClientInConfiguration);
        await restarted.SendAsync(Messages.Simple("with the client entered on the page"));
        var (_, outcome) = await restarted.NextOutcomeAsync();
        Assert.Equal(DeliveryResult.Delivered, outcome.Result); // the refresh used the stored client secret
    }
}
