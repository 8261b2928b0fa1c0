using System.Net;
using System.Net.Http.Headers;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>The web listener's defences (issue 10, items 2, 8 and 10): cross-site requests, headers, rate limits, cookie, sessions, return addresses.</summary>
public sealed class WebSecurityTests : HarnessTest
{
    private const string Foreign = "https://evil.example";

    /// <summary>Every state-changing form: where its page is, where it posts, the field it sends (sign-out and revoke last: they are sent for real at the end).</summary>
    private static readonly (string Page, string Action, string Field)[] StateChangingForms =
    [
        ("/login", "/login", "secretValue"),
        ("/authorize", "/authorize", "clientId"),
        ("/authorize", "/oauth/paste", "pastedUrl"),
        ("/authorize", "/oauth/confirm", "state"),
        ("/", "/revoke", ""),
        ("/", "/logout", ""),
    ];

    [Fact]
    public async Task EveryStateChangingEndpoint_RefusesAForeignOrigin_AndAMissingToken_AndChangesNothing()
    {
        // Authorized (from configuration), so the revoke form is shown; /login posted often here, so no rate limit in the way.
        await using var relay = await Harness.StartRelayAsync(s => s["Relay:Web:LoginRequestsPerMinute"] = "100");
        using var browser = await WebSession.SignedInAsync(relay);
        var own = new Dictionary<string, string> { ["Origin"] = new Uri(relay.WebAddress.Replace("127.0.0.1", "localhost", StringComparison.Ordinal)).GetLeftPart(UriPartial.Authority) };

        foreach (var (page, action, field) in StateChangingForms)
        {
            var fields = Fields(relay, action, field);
            var foreignOrigin = await browser.PostFormAsync(page, action, fields, new Dictionary<string, string> { ["Origin"] = Foreign });
            var foreignReferer = await browser.PostFormAsync(page, action, fields, new Dictionary<string, string> { ["Referer"] = Foreign + "/page" });
            var crossSite = await browser.PostFormAsync(page, action, fields, new Dictionary<string, string> { ["Sec-Fetch-Site"] = "cross-site" });
            var noToken = await browser.PostWithoutTokenAsync(action, fields);

            Assert.True(foreignOrigin.StatusCode == HttpStatusCode.Forbidden, $"{action} with a foreign Origin: {(int)foreignOrigin.StatusCode}");
            Assert.Contains("sent from another site", await foreignOrigin.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.True(foreignReferer.StatusCode == HttpStatusCode.Forbidden, $"{action} with a foreign Referer: {(int)foreignReferer.StatusCode}");
            Assert.True(crossSite.StatusCode == HttpStatusCode.Forbidden, $"{action} cross-site: {(int)crossSite.StatusCode}");
            Assert.True(noToken.StatusCode == HttpStatusCode.BadRequest, $"{action} without a token: {(int)noToken.StatusCode}");
            Assert.Contains("anti-forgery token", await noToken.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(RelayHarness.Account, relay.Tokens.Account);
            Assert.Empty(Harness.OAuth.Revoked);
            Assert.Null(Harness.OAuth.LastAuthorizationRequest);
            Assert.True((await browser.GetAsync("/")).StatusCode == HttpStatusCode.OK, $"signed out by {action}"); // still signed in
        }

        // The same forms from the relay's own page, with their token, go through.
        foreach (var (page, action, field) in StateChangingForms)
        {
            var response = await browser.PostFormAsync(page, action, Fields(relay, action, field), own);
            Assert.True(response.StatusCode != HttpStatusCode.Forbidden, $"{action} from the relay's own page: 403");
            Assert.DoesNotContain("anti-forgery token", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Null(relay.Tokens.Account); // revoked
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/")).StatusCode); // signed out
    }

    private static Dictionary<string, string> Fields(RelayInstance relay, string action, string field) =>
        field.Length == 0 ? [] : new Dictionary<string, string> { [field] = action == "/login" ? relay.LoginSecret : "x" };

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
    public async Task Cookies_AreSecure_WhenThePublicUrlIsHttps_AndTheFlowCookieShortLivedAndHttpOnly()
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

        await behindProxy.StartAuthorizationAsync(); // the cookie that binds the flow to this browser
        var flow = Assert.Single(behindProxy.SetCookieHeaders, header => header.StartsWith("relay-oauth-flow=", StringComparison.Ordinal));
        foreach (var attribute in new[] { "; max-age=600", "; path=/oauth", "; secure", "; samesite=lax", "; httponly" })
        {
            Assert.Contains(attribute, flow, StringComparison.OrdinalIgnoreCase);
        }
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

    [Fact]
    public async Task ReturnUrl_OffSite_GoesToTheStatusPage_NeverA500_OnSiteIsFollowed()
    {
        await using var relay = await Harness.StartRelayAsync(s => s["Relay:Web:LoginRequestsPerMinute"] = "100");
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(relay.WebAddress) };

        // As typed in the address bar (still encoded): the sign-in page's form keeps "/" instead.
        foreach (var raw in new[] { "/%5Cevil.com", "/%5C/evil.com", "/%09/evil.com", "%2F%2Fevil.com", "//evil.com", "https://evil.com", "/\\evil.com" })
        {
            var page = await client.GetAsync("/login?returnUrl=" + raw);
            Assert.True(page.StatusCode == HttpStatusCode.OK, $"{raw}: {(int)page.StatusCode}");
            Assert.Contains("""name="returnUrl" value="/">""", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // As posted by a forged form: the sign-in goes to "/".
        foreach (var returnUrl in new[] { "/\\evil.com", "/\\/evil.com", "/\t/evil.com", "/\n/evil.com", "//evil.com", "///evil.com", "https://evil.com", "http:evil.com", "evil.com" })
        {
            using var browser = new WebSession(relay.WebAddress);
            var signedIn = await browser.TryLoginAsync(relay.LoginSecret, returnUrl);
            Assert.True(signedIn.StatusCode == HttpStatusCode.Redirect, $"{returnUrl}: {(int)signedIn.StatusCode}");
            Assert.True(signedIn.Headers.Location!.OriginalString == "/", $"{returnUrl}: {signedIn.Headers.Location}");
        }

        using var onSite = new WebSession(relay.WebAddress);
        Assert.Equal("/authorize?x=1", (await onSite.TryLoginAsync(relay.LoginSecret, "/authorize?x=1")).Headers.Location!.OriginalString);
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
