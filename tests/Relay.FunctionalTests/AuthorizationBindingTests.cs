using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>
/// An authorization can only be finished by who started it (issue 10, item 5): the browser that clicked Authorize, or
/// the admin API (<c>relay authorize</c>); another account replaces the authorized one only once the operator confirms,
/// and the replaced authorization is then revoked at Google.
/// </summary>
public sealed partial class AuthorizationBindingTests : HarnessTest
{
    private const string Other = "other.account@example.com";

    [Fact]
    public async Task SecondBrowser_CannotFinishTheFirstBrowsersFlow()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync();
        using var first = await WebSession.SignedInAsync(relay);
        using var second = await WebSession.SignedInAsync(relay); // signed in too: only the flow cookie differs
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var callback = await first.ConsentAsync();

        var bySecond = await second.GetAsync(callback);
        var pastedBySecond = await second.PostFormAsync("/authorize", "/oauth/paste", new Dictionary<string, string> { ["pastedUrl"] = callback });
        var byAnonymous = await anonymous.GetAsync(callback);

        Assert.Equal(HttpStatusCode.BadRequest, bySecond.StatusCode);
        Assert.Contains("started in another browser", await bySecond.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, pastedBySecond.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, byAnonymous.StatusCode);
        Assert.Null(relay.Tokens.Account);

        var byFirst = await first.GetAsync(callback); // the refusals did not use up the first browser's flow
        Assert.Equal(HttpStatusCode.OK, byFirst.StatusCode);
        Assert.Equal(RelayHarness.Account, relay.Tokens.Account);
    }

    [Fact]
    public async Task AnotherAccount_ReplacesTheAuthorizedOne_OnlyOnceConfirmed_AndTheReplacedTokenIsRevokedAtGoogle()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync(s => s.Remove("Relay:Account:Address"));
        using var browser = await WebSession.SignedInAsync(relay);
        await browser.GetTextAsync(await browser.ConsentAsync());
        var replaced = Harness.OAuth.IssuedRefreshTokens.Last();
        Harness.OAuth.ConsentAccount = Other;

        var question = await browser.GetTextAsync(await browser.ConsentAsync());

        Assert.Contains("Replace the authorized account?", question, StringComparison.Ordinal);
        Assert.Equal(RelayHarness.Account, relay.Tokens.Account);
        Assert.Empty(Harness.OAuth.Revoked);

        using var second = await WebSession.SignedInAsync(relay);
        var confirmedBySecond = await second.PostFormAsync("/", "/oauth/confirm", new Dictionary<string, string> { ["state"] = StateIn(question), ["decision"] = "replace" });
        Assert.Equal(HttpStatusCode.BadRequest, confirmedBySecond.StatusCode);
        Assert.Equal(RelayHarness.Account, relay.Tokens.Account);

        var confirmed = await browser.PostFormWithPageTokenAsync(question, "/oauth/confirm", new Dictionary<string, string> { ["state"] = StateIn(question), ["decision"] = "replace" });

        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Contains($"{Other} is authorized", await confirmed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(Other, relay.Tokens.Account);
        Assert.Equal([replaced], Harness.OAuth.Revoked);
    }

    [Fact]
    public async Task AnotherAccount_Declined_KeepsTheAuthorizedOne_AndRevokesTheUnusedNewToken()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync(s => s.Remove("Relay:Account:Address"));
        using var browser = await WebSession.SignedInAsync(relay);
        await browser.GetTextAsync(await browser.ConsentAsync());
        Harness.OAuth.ConsentAccount = Other;
        var question = await browser.GetTextAsync(await browser.ConsentAsync());
        var unused = Harness.OAuth.IssuedRefreshTokens.Last();

        var kept = await browser.PostFormWithPageTokenAsync(question, "/oauth/confirm", new Dictionary<string, string> { ["state"] = StateIn(question), ["decision"] = "keep" });

        Assert.Contains("Nothing changed", await kept.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(RelayHarness.Account, relay.Tokens.Account);
        Assert.Equal([unused], Harness.OAuth.Revoked);
    }

    [Fact]
    public async Task AdminApiFlow_IsFinishedOnlyThroughTheAdminApi_EvenWhenGooglesRedirectReachesTheRelay()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync();
        using var api = Api(relay);
        using var browser = await WebSession.SignedInAsync(relay);
        var start = await (await api.PostAsJsonAsync("api/authorize/start", new { })).Content.ReadFromJsonAsync<Start>();
        var callback = await FakeGoogleOAuthServer.ConsentAsync(start!.Url);

        var pastedInThePage = await browser.PostFormAsync("/authorize", "/oauth/paste", new Dictionary<string, string> { ["pastedUrl"] = callback });
        Assert.Equal(HttpStatusCode.BadRequest, pastedInThePage.StatusCode);
        Assert.Contains("started by &#39;relay authorize&#39;", await pastedInThePage.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var redirect = await new HttpClient().GetAsync(callback); // the browser on the relay's machine, no cookie
        Assert.Contains("finishes it", WebUtility.HtmlDecode(await redirect.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Null(relay.Tokens.Account);

        var waited = await (await api.GetAsync($"api/authorize/{Uri.EscapeDataString(start.State)}/wait")).Content.ReadFromJsonAsync<Result>();
        Assert.True(waited!.Succeeded, waited.Message);
        Assert.Equal(RelayHarness.Account, relay.Tokens.Account);
    }

    [Fact]
    public async Task BrowserFlow_CannotBeFinishedThroughTheAdminApi()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync();
        using var api = Api(relay);
        using var browser = await WebSession.SignedInAsync(relay);
        var callback = await browser.ConsentAsync();

        var completed = await api.PostAsJsonAsync("api/authorize/complete", new { url = callback });

        Assert.Equal(HttpStatusCode.BadRequest, completed.StatusCode);
        Assert.Null(relay.Tokens.Account);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(callback)).StatusCode);
    }

    [Fact]
    public async Task AdminApi_ReplacesAnotherAccount_OnlyWithReplace_AndRevokesTheReplacedToken()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync(s => s.Remove("Relay:Account:Address"));
        using var api = Api(relay);
        await AuthorizeThroughTheApiAsync(api, replace: false);
        var replaced = Harness.OAuth.IssuedRefreshTokens.Last();
        Harness.OAuth.ConsentAccount = Other;

        var refused = await AuthorizeThroughTheApiAsync(api, replace: false);
        var unused = Harness.OAuth.IssuedRefreshTokens.Last();

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("relay authorize --replace", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(RelayHarness.Account, relay.Tokens.Account);
        Assert.Equal([unused], Harness.OAuth.Revoked);

        var accepted = await AuthorizeThroughTheApiAsync(api, replace: true);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(Other, relay.Tokens.Account);
        Assert.Equal([unused, replaced], Harness.OAuth.Revoked);
    }

    private async Task<HttpResponseMessage> AuthorizeThroughTheApiAsync(HttpClient api, bool replace)
    {
        var start = await (await api.PostAsJsonAsync("api/authorize/start", new { replace })).Content.ReadFromJsonAsync<Start>();
        return await api.PostAsJsonAsync("api/authorize/complete", new { url = await FakeGoogleOAuthServer.ConsentAsync(start!.Url) });
    }

    private static HttpClient Api(RelayInstance relay)
    {
        var api = new HttpClient { BaseAddress = new Uri(relay.WebAddress) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", relay.LoginSecret);
        return api;
    }

    private static string StateIn(string page) => WebUtility.HtmlDecode(StateField().Match(page).Groups[1].Value);

    [GeneratedRegex("""name="state" value="([^"]+)">""")]
    private static partial Regex StateField();

    private sealed record Start(string Url, string State, string RedirectUri);

    private sealed record Result(bool Succeeded, string? Account, string Message);
}
