using System.Net;
using System.Net.Http.Headers;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>The web listener's defences (issue 10, items 2, 8 and 10): cross-site requests, headers, rate limits, cookie, sessions, return addresses.</summary>
public sealed class WebSecurityTests : HarnessTest
{
    private const string Foreign = "https://evil.example";

    /// <summary>Every state-changing form: where its page is, and the fields it posts.</summary>
    public static TheoryData<string, string, string> StateChangingForms => new()
    {
        { "/login", "/login", "secretValue" },
        { "/", "/logout", "" },
        { "/", "/revoke", "" },
        { "/authorize", "/authorize", "clientId" },
        { "/authorize", "/oauth/paste", "pastedUrl" },
        { "/authorize", "/oauth/confirm", "state" },
    };

    [Theory]
    [MemberData(nameof(StateChangingForms))]
    public async Task StateChangingEndpoint_RefusesAForeignOrigin_AndAMissingToken_AndChangesNothing(string page, string action, string field)
    {
        // Authorized (from configuration), so the revoke form is shown; /login posted often here, so no rate limit in the way.
        await using var relay = await Harness.StartRelayAsync(s => s["Relay:Web:LoginRequestsPerMinute"] = "100");
        using var browser = await WebSession.SignedInAsync(relay);
        var fields = field.Length == 0 ? new Dictionary<string, string>() : new Dictionary<string, string> { [field] = "x" };
        if (action == "/login")
        {
            fields["secretValue"] = relay.LoginSecret;
        }

        var foreignOrigin = await browser.PostFormAsync(page, action, fields, new Dictionary<string, string> { ["Origin"] = Foreign });
        var foreignReferer = await browser.PostFormAsync(page, action, fields, new Dictionary<string, string> { ["Referer"] = Foreign + "/page" });
        var crossSite = await browser.PostFormAsync(page, action, fields, new Dictionary<string, string> { ["Sec-Fetch-Site"] = "cross-site" });
        var noToken = await browser.PostWithoutTokenAsync(action, fields);

        Assert.Equal(HttpStatusCode.Forbidden, foreignOrigin.StatusCode);
        Assert.Contains("sent from another site", await foreignOrigin.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, foreignReferer.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        Assert.Contains("anti-forgery token", await noToken.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(RelayHarness.Account, relay.Tokens.Account);
        Assert.Empty(Harness.OAuth.Revoked);
        Assert.Null(Harness.OAuth.LastAuthorizationRequest);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/")).StatusCode); // still signed in

        // The same form from the relay's own page, with its token, goes through.
        var own = await browser.PostFormAsync(page, action, fields, new Dictionary<string, string> { ["Origin"] = new Uri(relay.WebAddress.Replace("127.0.0.1", "localhost", StringComparison.Ordinal)).GetLeftPart(UriPartial.Authority) });
        Assert.NotEqual(HttpStatusCode.Forbidden, own.StatusCode);
        Assert.False(own.StatusCode == HttpStatusCode.BadRequest && (await own.Content.ReadAsStringAsync()).Contains("anti-forgery token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AdminApi_IgnoresTheSignInCookie()
    {
        await using var relay = await Harness.StartRelayAsync();
        using var browser = await WebSession.SignedInAsync(relay);

        var revoke = await browser.PostWithoutTokenAsync("/api/account/revoke", new Dictionary<string, string>());
        var retry = await browser.PostWithoutTokenAsync("/api/queue/retry-dead", new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.Unauthorized, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, retry.StatusCode);
        Assert.Equal(RelayHarness.Account, relay.Tokens.Account);
        Assert.Empty(Harness.OAuth.Revoked);
    }

    [Fact]
    public async Task SecurityHeaders_OnEveryKindOfResponse()
    {
        await using var relay = await Harness.StartRelayAsync(s => s["Relay:Web:ApiRequestsPerMinute"] = "1");
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(relay.WebAddress) };
        using var browser = await WebSession.SignedInAsync(relay);

        var responses = new Dictionary<string, HttpResponseMessage>
        {
            ["health"] = await anonymous.GetAsync("/healthz"),
            ["readiness"] = await anonymous.GetAsync("/readyz"),
            ["metrics"] = await anonymous.GetAsync("/metrics"),
            ["sign-in page"] = await anonymous.GetAsync("/login"),
            ["redirect to sign-in"] = await anonymous.GetAsync("/"),
            ["404"] = await anonymous.GetAsync("/no/such/page.css"),
            ["status page"] = await browser.GetAsync("/"),
            ["refused form"] = await browser.PostWithoutTokenAsync("/revoke", new Dictionary<string, string>()),
            ["API 401"] = await anonymous.GetAsync("/api/status"),
            ["429"] = await anonymous.GetAsync("/api/status"),
        };

        Assert.Equal(HttpStatusCode.NotFound, responses["404"].StatusCode);
        Assert.Equal((HttpStatusCode)429, responses["429"].StatusCode);
        foreach (var (kind, response) in responses)
        {
            var csp = Header(response, "Content-Security-Policy");
            Assert.True(csp.StartsWith("default-src 'none';", StringComparison.Ordinal), $"{kind}: {csp}");
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
            Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        }
    }

    [Fact]
    public async Task Login_IsRateLimitedPerClientAddress_ForwardedForIgnoredFromAnUntrustedPeer()
    {
        await using var relay = await Harness.StartRelayAsync(s => s["Relay:Web:LoginRequestsPerMinute"] = "3");
        using var client = new HttpClient { BaseAddress = new Uri(relay.WebAddress) };

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/login");
            request.Headers.Add("X-Forwarded-For", $"198.51.100.{i + 1}"); // not from a trusted proxy: no other client for that
            statuses.Add((await client.SendAsync(request)).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, (HttpStatusCode)429], statuses);
        using var tooMany = await client.GetAsync("/login");
        Assert.Equal("60", Header(tooMany, "Retry-After"));
    }

    [Fact]
    public async Task ForwardedFor_FromATrustedProxy_NamesTheClient()
    {
        await using var relay = await Harness.StartRelayAsync(s =>
        {
            s["Relay:Web:LoginRequestsPerMinute"] = "2";
            s["Relay:Web:TrustedProxies:0"] = "127.0.0.0/8";
        });
        using var client = new HttpClient { BaseAddress = new Uri(relay.WebAddress) };

        async Task<HttpStatusCode> FromAsync(string address)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/login");
            request.Headers.Add("X-Forwarded-For", address);
            return (await client.SendAsync(request)).StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await FromAsync("198.51.100.1"));
        Assert.Equal(HttpStatusCode.OK, await FromAsync("198.51.100.1"));
        Assert.Equal((HttpStatusCode)429, await FromAsync("198.51.100.1"));
        Assert.Equal(HttpStatusCode.OK, await FromAsync("198.51.100.2")); // another client behind the proxy
    }

    [Fact]
    public async Task Api_IsRateLimited_With429()
    {
        await using var relay = await Harness.StartRelayAsync(s => s["Relay:Web:ApiRequestsPerMinute"] = "2");
        using var client = new HttpClient { BaseAddress = new Uri(relay.WebAddress) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", relay.LoginSecret);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/status")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/queue")).StatusCode);
        var refused = await client.GetAsync("/api/status");

        Assert.Equal((HttpStatusCode)429, refused.StatusCode);
        Assert.Contains("Too many requests", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignInCookie_IsSecure_WhenThePublicUrlIsHttps()
    {
        await using var relay = await Harness.StartRelayAsync(s =>
        {
            s["Relay:Web:PublicUrl"] = "https://relay.example.com";
            s["Relay:Web:TrustedProxies:0"] = "127.0.0.1";
        });
        using var behindProxy = new WebSession(relay.WebAddress, forwardedProto: "https");

        await behindProxy.LoginAsync(relay.LoginSecret);

        var cookie = Assert.Single(behindProxy.SetCookieHeaders, header => header.StartsWith("relay-login=", StringComparison.Ordinal));
        Assert.Contains("; secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await behindProxy.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task Logout_MakesTheOldCookieUseless()
    {
        await using var relay = await Harness.StartRelayAsync();
        using var browser = await WebSession.SignedInAsync(relay);
        var address = new Uri(relay.WebAddress.Replace("127.0.0.1", "localhost", StringComparison.Ordinal));
        var copied = browser.Cookies.GetCookieHeader(address); // what someone who saw the cookie keeps

        var logout = await browser.PostFormAsync("/", "/logout", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);

        using var replay = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = address };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("Cookie", copied);
        var response = await replay.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/\\evil.com")]
    [InlineData("/\\/evil.com")]
    [InlineData("/\t/evil.com")]
    [InlineData("//evil.com")]
    [InlineData("///evil.com")]
    [InlineData("https://evil.com")]
    [InlineData("http:evil.com")]
    [InlineData("evil.com")]
    public async Task ReturnUrl_OffSite_GoesToTheStatusPage(string returnUrl)
    {
        await using var relay = await Harness.StartRelayAsync();
        using var browser = new WebSession(relay.WebAddress);

        var page = await browser.GetAsync("/login?returnUrl=" + Uri.EscapeDataString(returnUrl));
        var signedIn = await browser.TryLoginAsync(relay.LoginSecret, returnUrl);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/", signedIn.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("/%5Cevil.com")]
    [InlineData("/%09/evil.com")]
    [InlineData("%2F%2Fevil.com")]
    public async Task ReturnUrl_EncodedInTheAddress_NeverAnswers500(string rawQueryValue)
    {
        await using var relay = await Harness.StartRelayAsync();
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(relay.WebAddress) };

        var page = await client.GetAsync("/login?returnUrl=" + rawQueryValue);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("""name="returnUrl" value="/">""", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReturnUrl_OnThisSite_IsFollowed()
    {
        await using var relay = await Harness.StartRelayAsync();
        using var browser = new WebSession(relay.WebAddress);

        var signedIn = await browser.TryLoginAsync(relay.LoginSecret, "/authorize?x=1");

        Assert.Equal("/authorize?x=1", signedIn.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task LoginSecretShorterThan20Characters_StopsTheStart_WithTheFix()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => Harness.StartRelayAsync(s => s["Relay:Web:LoginSecret"] = "short-but-secret"));

        var errors = failure.ToString();
        Assert.Contains("Relay:Web:LoginSecret must be at least 20 characters; it has 16", errors, StringComparison.Ordinal);
        Assert.Contains("openssl rand", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("short-but-secret", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrustedProxiesThatAreNotAddresses_StopTheStart()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => Harness.StartRelayAsync(s => s["Relay:Web:TrustedProxies:0"] = "proxy.lan"));

        Assert.Contains("Relay:Web:TrustedProxies:0 must be the IP address of a reverse proxy", failure.ToString(), StringComparison.Ordinal);
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(",", values) : "";
}
