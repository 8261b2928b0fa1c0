using System.Net;
using System.Text.RegularExpressions;

namespace Relay.Testing;

/// <summary>
/// Plays a browser against the relay's pages with plain HTTP: a cookie jar, no automatic redirects, the anti-forgery
/// field read from each form. Also walks the fake Google consent page.
/// </summary>
internal sealed partial class WebSession : IDisposable
{
    private readonly HttpClient _relay;

    public WebSession(string relayAddress)
    {
        // "localhost", as in the link Relay prints and the redirect URI it gives Google, so the cookie goes back with the callback.
        var address = new Uri(relayAddress.Replace("127.0.0.1", "localhost", StringComparison.Ordinal));
        _relay = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = address };
    }

    /// <summary>A session already signed in to <paramref name="relay"/> with its login secret.</summary>
    public static async Task<WebSession> SignedInAsync(RelayInstance relay)
    {
        var session = new WebSession(relay.WebAddress);
        await session.LoginAsync(relay.LoginSecret);
        return session;
    }

    public async Task<HttpResponseMessage> GetAsync(string path) => await _relay.GetAsync(path);

    public async Task<string> GetTextAsync(string path) => await (await _relay.GetAsync(path)).Content.ReadAsStringAsync();

    public async Task LoginAsync(string secret)
    {
        var response = await _relay.GetAsync("/login?secret=" + Uri.EscapeDataString(secret));
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Login failed: {(int)response.StatusCode}");
        }
    }

    /// <summary>Posts form fields with no anti-forgery token, as a page on another site would.</summary>
    public async Task<HttpResponseMessage> PostWithoutTokenAsync(string action, IDictionary<string, string> fields) =>
        await _relay.PostAsync(action, new FormUrlEncodedContent(fields));

    /// <summary>Posts a form found on <paramref name="pagePath"/>, with that page's anti-forgery token.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string pagePath, string action, IDictionary<string, string> fields)
    {
        var page = await GetTextAsync(pagePath);
        var token = AntiforgeryField().Match(page);
        var form = new Dictionary<string, string>(fields) { [token.Groups[1].Value] = WebUtility.HtmlDecode(token.Groups[2].Value) };
        return await _relay.PostAsync(action, new FormUrlEncodedContent(form));
    }

    /// <summary>Clicks Authorize on the relay, then Allow (or Cancel) on the fake consent page; returns the address Google sends the browser back to.</summary>
    public async Task<string> ConsentAsync(bool allow = true, IDictionary<string, string>? fields = null)
    {
        var toGoogle = await PostFormAsync("/authorize", "/authorize", fields ?? new Dictionary<string, string>());
        if (toGoogle.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Authorize did not redirect to Google: {(int)toGoogle.StatusCode} {await toGoogle.Content.ReadAsStringAsync()}");
        }

        return await FakeGoogleOAuthServer.ConsentAsync(toGoogle.Headers.Location!.ToString(), allow);
    }

    public void Dispose() => _relay.Dispose();

    [GeneratedRegex("""<input type="hidden" name="([^"]+)" value="([^"]+)">""")]
    private static partial Regex AntiforgeryField();

}
