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

    /// <param name="forwardedProto">
    /// When set, every request carries <c>X-Forwarded-Proto</c> with it (as a reverse proxy in front of the relay adds),
    /// and cookies are kept by hand: .NET's cookie jar would not send a <c>Secure</c> cookie over plain http.
    /// </param>
    public WebSession(string relayAddress, string? forwardedProto = null)
    {
        // "localhost", as in the link Relay prints and the redirect URI it gives Google, so the cookie goes back with the callback.
        var address = new Uri(relayAddress.Replace("127.0.0.1", "localhost", StringComparison.Ordinal));
        HttpMessageHandler handler = forwardedProto is null
            ? new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = Cookies }
            : new ProxyHandler(forwardedProto, SetCookieHeaders) { InnerHandler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false } };
        _relay = new HttpClient(handler) { BaseAddress = address };
    }

    /// <summary>The browser's cookies (when not behind a fake proxy).</summary>
    public CookieContainer Cookies { get; } = new();

    /// <summary>Set-Cookie headers seen behind a fake proxy, as sent.</summary>
    public List<string> SetCookieHeaders { get; } = [];

    /// <summary>A session already signed in to <paramref name="relay"/> with its login secret.</summary>
    public static async Task<WebSession> SignedInAsync(RelayInstance relay)
    {
        var session = new WebSession(relay.WebAddress);
        await session.LoginAsync(relay.LoginSecret);
        return session;
    }

    public async Task<HttpResponseMessage> GetAsync(string path) => await _relay.GetAsync(path);

    public async Task<string> GetTextAsync(string path) => await (await _relay.GetAsync(path)).Content.ReadAsStringAsync();

    /// <summary>Signs in as the page's form does (the secret POSTed, never in the address).</summary>
    public async Task LoginAsync(string secret)
    {
        var response = await TryLoginAsync(secret);
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Login failed: {(int)response.StatusCode}");
        }
    }

    /// <summary>Posts the sign-in form with <paramref name="secret"/> (and a <c>returnUrl</c> field, when given, as it is).</summary>
    public async Task<HttpResponseMessage> TryLoginAsync(string secret, string? returnUrl = null)
    {
        var fields = new Dictionary<string, string> { ["secretValue"] = secret };
        if (returnUrl is not null)
        {
            fields["returnUrl"] = returnUrl;
        }

        return await PostFormAsync("/login", "/login", fields);
    }

    /// <summary>Posts form fields with no anti-forgery token, as a page on another site would.</summary>
    public async Task<HttpResponseMessage> PostWithoutTokenAsync(string action, IDictionary<string, string> fields) =>
        await _relay.PostAsync(action, new FormUrlEncodedContent(fields));

    /// <summary>Posts a form found on <paramref name="pagePath"/>, with that page's anti-forgery token (and the headers given, e.g. a foreign Origin).</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string pagePath, string action, IDictionary<string, string> fields, IDictionary<string, string>? headers = null)
    {
        var page = await GetTextAsync(pagePath);
        return await PostFormWithPageTokenAsync(page, action, fields, headers);
    }

    /// <summary>Posts a form with the anti-forgery token found in <paramref name="page"/>, an HTML page already fetched.</summary>
    public async Task<HttpResponseMessage> PostFormWithPageTokenAsync(string page, string action, IDictionary<string, string> fields, IDictionary<string, string>? headers = null)
    {
        var token = AntiforgeryField().Match(page);
        if (!token.Success)
        {
            throw new InvalidOperationException("No anti-forgery field in the page: " + page);
        }

        var form = new Dictionary<string, string>(fields);
        form.TryAdd(token.Groups[1].Value, WebUtility.HtmlDecode(token.Groups[2].Value));
        using var request = new HttpRequestMessage(HttpMethod.Post, action) { Content = new FormUrlEncodedContent(form) };
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await _relay.SendAsync(request);
    }

    /// <summary>Clicks Authorize on the relay, then Allow (or Cancel) on the fake consent page; returns the address Google sends the browser back to.</summary>
    public async Task<string> ConsentAsync(bool allow = true, IDictionary<string, string>? fields = null) =>
        await FakeGoogleOAuthServer.ConsentAsync(await StartAuthorizationAsync(fields), allow);

    /// <summary>Clicks Authorize on the relay; returns the address of Google's consent page it sends the browser to.</summary>
    public async Task<string> StartAuthorizationAsync(IDictionary<string, string>? fields = null)
    {
        var toGoogle = await PostFormAsync("/authorize", "/authorize", fields ?? new Dictionary<string, string>());
        if (toGoogle.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Authorize did not redirect to Google: {(int)toGoogle.StatusCode} {await toGoogle.Content.ReadAsStringAsync()}");
        }

        return toGoogle.Headers.Location!.ToString();
    }

    /// <summary>
    /// With several accounts: opens the Authorize form of <paramref name="account"/>, clicks Authorize, then Allow (or
    /// Cancel) on the fake consent page; returns the address Google sends the browser back to.
    /// </summary>
    public async Task<string> ConsentForAccountAsync(string account, bool allow = true)
    {
        var toGoogle = await PostFormAsync("/authorize?account=" + Uri.EscapeDataString(account), "/authorize", new Dictionary<string, string> { ["account"] = account });
        if (toGoogle.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Authorize did not redirect to Google: {(int)toGoogle.StatusCode} {await toGoogle.Content.ReadAsStringAsync()}");
        }

        return await FakeGoogleOAuthServer.ConsentAsync(toGoogle.Headers.Location!.ToString(), allow);
    }

    public void Dispose() => _relay.Dispose();

    [GeneratedRegex("""<input type="hidden" name="(__RequestVerificationToken|[^"]*Antiforgery[^"]*|[^"]*RequestVerification[^"]*)" value="([^"]+)">""")]
    private static partial Regex AntiforgeryField();

    /// <summary>A reverse proxy's header on each request, and a cookie jar that ignores <c>Secure</c>.</summary>
    private sealed class ProxyHandler(string forwardedProto, List<string> seen) : DelegatingHandler
    {
        private readonly Dictionary<string, string> _cookies = new(StringComparer.Ordinal);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Add("X-Forwarded-Proto", forwardedProto);
            lock (_cookies)
            {
                if (_cookies.Count > 0)
                {
                    request.Headers.Add("Cookie", string.Join("; ", _cookies.Select(cookie => $"{cookie.Key}={cookie.Value}")));
                }
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
            {
                lock (_cookies)
                {
                    foreach (var header in setCookies)
                    {
                        seen.Add(header);
                        var pair = header.Split(';')[0].Split('=', 2);
                        if (pair[1].Length == 0 || header.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
                        {
                            _cookies.Remove(pair[0]);
                        }
                        else
                        {
                            _cookies[pair[0]] = pair[1];
                        }
                    }
                }
            }

            return response;
        }
    }
}
