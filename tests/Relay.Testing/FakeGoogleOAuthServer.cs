using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Relay.Testing;

/// <summary>
/// Google's token endpoint, faked on 127.0.0.1 port 0: refresh-token grants give access tokens that expire on the given
/// clock and belong to the account the refresh token (or the consent, or the service account's subject) was issued for;
/// the fake Gmail asks <see cref="IsValidFor"/> whether a user may log in with a token, as Gmail does.
/// Authorization codes expire after <see cref="CodeLifetime"/>; service-account JWTs must be signed (RS256) by a key
/// registered with <see cref="TrustServiceAccount"/>.
/// </summary>
public sealed class FakeGoogleOAuthServer : IAsyncDisposable
{
    public const string ClientId = "test-client.apps.googleusercontent.com";
    public const string ClientSecret = "GOCSPX-test-client-secret";
    public const string RefreshToken = "1//test-refresh-token-SECRET";

    /// <summary>The account <see cref="RefreshToken"/> and the consent page belong to unless a test says otherwise.</summary>
    public const string DefaultAccount = "relay.account@example.com";

    public const string FullMailScope = "https://mail.google.com/";
    public const string GmailSendScope = "https://www.googleapis.com/auth/gmail.send";

    private readonly WebApplication _app;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, (DateTimeOffset ExpiresAt, string Owner)> _accessTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _refreshTokens = new(StringComparer.Ordinal) { [RefreshToken] = DefaultAccount };
    private readonly ConcurrentDictionary<string, ConsentRequest> _consents = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (ConsentRequest Consent, DateTimeOffset ExpiresAt)> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte[]> _serviceAccounts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _tokenScopes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _refreshScopes = new(StringComparer.Ordinal);
    private int _issued;

    private FakeGoogleOAuthServer(WebApplication app, TimeProvider time)
    {
        _app = app;
        _time = time;
    }

    public string BaseUrl { get; private set; } = string.Empty;
    public string TokenEndpoint => BaseUrl + "/token";

    /// <summary>Lifetime of the access tokens it issues.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>When true, refresh grants fail with invalid_grant, as for a revoked or expired refresh token.</summary>
    public bool RefreshTokenRevoked { get; set; }

    /// <summary>How many of the next issued tokens Gmail will refuse (a token Google issued but Gmail does not take).</summary>
    public int UnusableTokensToIssue { get; set; }

    public int RefreshCount => Volatile.Read(ref _issued);

    public ConcurrentQueue<string> Issued { get; } = new();

    /// <summary>The Google account that "signs in" on the fake consent page.</summary>
    public string ConsentAccount { get; set; } = DefaultAccount;

    /// <summary>How long an authorization code from the consent page may wait before it is exchanged (on the fake's clock).</summary>
    public TimeSpan CodeLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Answers a code exchange without a refresh token, as Google does for a repeated consent without prompt=consent.</summary>
    public bool OmitRefreshToken { get; set; }

    /// <summary>Awaited before an authorization code is exchanged: lets a test act while the relay waits for Google.</summary>
    public Func<Task>? BeforeCodeExchange { get; set; }

    /// <summary>Refresh tokens issued through the consent page, newest last.</summary>
    public ConcurrentQueue<string> IssuedRefreshTokens { get; } = new();

    /// <summary>Tokens revoked through the revocation endpoint.</summary>
    public ConcurrentQueue<string> Revoked { get; } = new();

    /// <summary>The last authorization request the consent page saw (its query), for tests to check PKCE and the rest.</summary>
    public IReadOnlyDictionary<string, string>? LastAuthorizationRequest { get; private set; }

    /// <summary>When true, every refresh grant answers with a new refresh token and retires the old one, as Google may.</summary>
    public bool RotateRefreshTokens { get; set; }

    /// <summary>Whether a service account's JWT grant is honoured (domain-wide delegation set up).</summary>
    public bool ServiceAccountDelegated { get; set; } = true;

    public string AuthorizationEndpoint => BaseUrl + "/o/oauth2/v2/auth";
    public string RevocationEndpoint => BaseUrl + "/revoke";

    public static async Task<FakeGoogleOAuthServer> StartAsync(TimeProvider? time = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new FakeGoogleOAuthServer(app, time ?? TimeProvider.System);
        app.MapPost("/token", server.TokenAsync);
        app.MapGet("/o/oauth2/v2/auth", server.Authorize);
        app.MapGet("/approve", server.Approve);
        app.MapPost("/revoke", server.RevokeAsync);
        await app.StartAsync();
        server.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    /// <summary>Plays the person on the consent page: opens <paramref name="authorizationUrl"/>, clicks Allow (or Cancel), and returns where Google sends the browser back to.</summary>
    public static async Task<string> ConsentAsync(string authorizationUrl, bool allow = true)
    {
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var consent = await (await browser.GetAsync(authorizationUrl)).Content.ReadAsStringAsync();
        var link = System.Text.RegularExpressions.Regex.Match(consent, allow ? "id=\"allow\" href=\"([^\"]+)" : "id=\"deny\" href=\"([^\"]+)").Groups[1].Value;
        var back = await browser.GetAsync(new Uri(new Uri(authorizationUrl), System.Net.WebUtility.HtmlDecode(link)));
        return back.Headers.Location?.ToString() ?? throw new InvalidOperationException("The fake consent page did not redirect: " + consent);
    }

    public bool IsValid(string token) => _accessTokens.TryGetValue(token, out var issued) && _time.GetUtcNow() < issued.ExpiresAt;

    /// <summary>Whether <paramref name="user"/> may log in with <paramref name="token"/>: a live token issued for that very account (Gmail compares case-insensitively).</summary>
    public bool IsValidFor(string user, string token) =>
        IsValid(token) && _accessTokens.TryGetValue(token, out var issued) && string.Equals(issued.Owner, user, StringComparison.OrdinalIgnoreCase);

    /// <summary>The account an access token was issued for, or null for a token this fake never issued (or revoked).</summary>
    public string? OwnerOf(string token) => _accessTokens.TryGetValue(token, out var issued) ? issued.Owner : null;

    /// <summary>A refresh token of <paramref name="account"/> that Google knows, as if that account had consented earlier (to <paramref name="scope"/>).</summary>
    public void AddRefreshToken(string refreshToken, string account, string scope = FullMailScope)
    {
        _refreshTokens[refreshToken] = account;
        _refreshScopes[refreshToken] = scope;
    }

    /// <summary>The scopes (space-separated) an access token was issued for, or null for a token this fake never issued.</summary>
    public string? ScopeOf(string token) => _tokenScopes.GetValueOrDefault(token);

    /// <summary>Whether a live <paramref name="token"/> carries <paramref name="scope"/>.</summary>
    public bool HasScope(string token, string scope) => ScopeOf(token)?.Split(' ').Contains(scope) == true;

    /// <summary>Registers a service account's public key (SubjectPublicKeyInfo DER), as the Cloud console keeps the public half of each key it issues.</summary>
    public void TrustServiceAccount(string clientEmail, byte[] publicKey) => _serviceAccounts[clientEmail] = publicKey;

    /// <summary>Makes a token unusable before its time, as Gmail does for a token it no longer accepts.</summary>
    public void Invalidate(string token) => _accessTokens.TryRemove(token, out _);

    /// <summary>Google's consent page: checks the request as Google would, then offers Allow and Deny.</summary>
    private IResult Authorize(HttpRequest request)
    {
        var query = request.Query.ToDictionary(pair => pair.Key, pair => pair.Value.ToString(), StringComparer.Ordinal);
        LastAuthorizationRequest = query;
        string Get(string name) => query.GetValueOrDefault(name) ?? "";
        var problems = new List<string>();
        if (Get("client_id") != ClientId) problems.Add("invalid_client: unknown client_id");
        if (Get("response_type") != "code") problems.Add("response_type must be code");
        if (Get("code_challenge_method") != "S256" || Get("code_challenge").Length < 43) problems.Add("PKCE S256 code_challenge missing");
        if (Get("state").Length < 16) problems.Add("state missing");
        if (Get("access_type") != "offline") problems.Add("access_type must be offline");
        if (Get("prompt") != "consent") problems.Add("prompt must be consent");
        if (!Get("redirect_uri").StartsWith("http://localhost:", StringComparison.Ordinal) && !Get("redirect_uri").StartsWith("https://", StringComparison.Ordinal)) problems.Add("redirect_uri_mismatch");
        var scopes = Get("scope").Split(' ');
        if (!(scopes.Contains(FullMailScope) || scopes.Contains(GmailSendScope)) || !scopes.Contains("openid") || !scopes.Contains("email")) problems.Add("scope must hold https://mail.google.com/ (or gmail.send) openid email");
        if (problems.Count > 0)
        {
            return Results.Content($"<html><body><h1>Error 400</h1><p id=\"error\">{string.Join("; ", problems)}</p></body></html>", "text/html", statusCode: 400);
        }

        var id = Guid.NewGuid().ToString("N");
        _consents[id] = new ConsentRequest(Get("redirect_uri"), Get("state"), Get("code_challenge"), ConsentAccount, string.Join(' ', scopes.Where(scope => scope is FullMailScope or GmailSendScope)));
        return Results.Content($"""
            <html><body><h1>Fake Google: allow Relay to send mail as {ConsentAccount}?</h1>
            <a id="allow" href="/approve?request={id}">Allow</a> <a id="deny" href="/approve?request={id}&amp;deny=1">Cancel</a>
            </body></html>
            """, "text/html");
    }

    /// <summary>Where Allow and Cancel lead: back to the redirect URI with a code, or with error=access_denied.</summary>
    private IResult Approve(string request, string? deny)
    {
        if (!_consents.TryRemove(request, out var consent))
        {
            return Results.BadRequest("unknown consent request");
        }

        var separator = consent.RedirectUri.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        if (deny is not null)
        {
            return Results.Redirect($"{consent.RedirectUri}{separator}error=access_denied&state={Uri.EscapeDataString(consent.State)}");
        }

        var code = "4/fake-code-" + Guid.NewGuid().ToString("N");
        _codes[code] = (consent, _time.GetUtcNow() + CodeLifetime);
        return Results.Redirect($"{consent.RedirectUri}{separator}state={Uri.EscapeDataString(consent.State)}&code={Uri.EscapeDataString(code)}&scope={Uri.EscapeDataString("email openid " + consent.Scope)}");
    }

    private async Task<IResult> RevokeAsync(HttpRequest request)
    {
        var form = await request.ReadFormAsync();
        var token = form["token"].ToString();
        Revoked.Enqueue(token);
        return _refreshTokens.TryRemove(token, out _) || _accessTokens.TryRemove(token, out _)
            ? Results.Ok()
            : Results.Json(new { error = "invalid_token" }, statusCode: 400);
    }

    private async Task<IResult> TokenAsync(HttpRequest request)
    {
        var form = await request.ReadFormAsync();
        if (form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer")
        {
            return ServiceAccountGrant(form["assertion"].ToString());
        }

        if (form["client_id"] != ClientId || form["client_secret"] != ClientSecret)
        {
            return Results.Json(new { error = "invalid_client", error_description = "The OAuth client was not found." }, statusCode: 401);
        }

        switch (form["grant_type"].ToString())
        {
            case "refresh_token":
                if (RefreshTokenRevoked || !_refreshTokens.ContainsKey(form["refresh_token"].ToString()))
                {
                    return InvalidGrant("Token has been expired or revoked.");
                }

                var granted = _refreshScopes.GetValueOrDefault(form["refresh_token"].ToString()) ?? FullMailScope;
                if (RotateRefreshTokens && _refreshTokens.TryRemove(form["refresh_token"].ToString(), out var owner))
                {
                    var rotated = "1//fake-rotated-" + Guid.NewGuid().ToString("N");
                    _refreshTokens[rotated] = owner;
                    _refreshScopes[rotated] = granted;
                    IssuedRefreshTokens.Enqueue(rotated);
                    return Results.Json(new { access_token = IssueAccessToken(owner, granted), refresh_token = rotated, expires_in = (long)AccessTokenLifetime.TotalSeconds, scope = granted, token_type = "Bearer" });
                }

                return Results.Json(new { access_token = IssueAccessToken(_refreshTokens.GetValueOrDefault(form["refresh_token"].ToString()) ?? string.Empty, granted), expires_in = (long)AccessTokenLifetime.TotalSeconds, scope = granted, token_type = "Bearer" });
            case "authorization_code":
                if (BeforeCodeExchange is { } pause)
                {
                    await pause();
                }

                if (!_codes.TryRemove(form["code"].ToString(), out var issuedCode))
                {
                    return InvalidGrant("Malformed auth code.");
                }

                var consent = issuedCode.Consent;
                if (_time.GetUtcNow() >= issuedCode.ExpiresAt)
                {
                    return InvalidGrant("Bad Request"); // what Google answers for an expired code
                }

                if (form["redirect_uri"] != consent.RedirectUri)
                {
                    return Results.Json(new { error = "redirect_uri_mismatch", error_description = "Bad Request" }, statusCode: 400);
                }

                var verifier = form["code_verifier"].ToString();
                if (Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) != consent.CodeChallenge)
                {
                    return InvalidGrant("Invalid code verifier.");
                }

                var refreshToken = "1//fake-refresh-" + Guid.NewGuid().ToString("N");
                if (!OmitRefreshToken)
                {
                    _refreshTokens[refreshToken] = consent.Account;
                    _refreshScopes[refreshToken] = consent.Scope;
                    IssuedRefreshTokens.Enqueue(refreshToken);
                }

                return Results.Json(new Dictionary<string, object>
                {
                    ["access_token"] = IssueAccessToken(consent.Account, consent.Scope),
                    ["expires_in"] = (long)AccessTokenLifetime.TotalSeconds,
                    ["scope"] = consent.Scope + " openid https://www.googleapis.com/auth/userinfo.email",
                    ["token_type"] = "Bearer",
                    ["id_token"] = IdToken(consent.Account),
                }.Concat(OmitRefreshToken ? [] : [new KeyValuePair<string, object>("refresh_token", refreshToken)]).ToDictionary());
            default:
                return Results.Json(new { error = "unsupported_grant_type" }, statusCode: 400);
        }
    }

    /// <summary>
    /// A service account's JWT, checked as Google does: RS256, signed by a registered key of the issuing service account,
    /// addressed to this token endpoint (or Google's), not expired; the payload names the impersonated user and the scope.
    /// </summary>
    private IResult ServiceAccountGrant(string assertion)
    {
        var parts = assertion.Split('.');
        if (parts.Length != 3)
        {
            return InvalidGrant("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.");
        }

        using var header = JsonDocument.Parse(WebEncoders.Base64UrlDecode(parts[0]));
        using var payload = JsonDocument.Parse(WebEncoders.Base64UrlDecode(parts[1]));
        var issuer = payload.RootElement.TryGetProperty("iss", out var iss) ? iss.GetString() ?? string.Empty : string.Empty;
        if (header.RootElement.GetProperty("alg").GetString() != "RS256" || !_serviceAccounts.TryGetValue(issuer, out var publicKey))
        {
            return InvalidGrant("Invalid JWT Signature.");
        }

        using (var rsa = RSA.Create())
        {
            rsa.ImportSubjectPublicKeyInfo(publicKey, out _);
            var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
            if (!rsa.VerifyData(signed, WebEncoders.Base64UrlDecode(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            {
                return InvalidGrant("Invalid JWT Signature.");
            }
        }

        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var audience = payload.RootElement.GetProperty("aud").GetString();
        if ((audience != TokenEndpoint && audience != "https://oauth2.googleapis.com/token") // Google takes its own token URL as the audience too

            || payload.RootElement.GetProperty("exp").GetInt64() < now - 300)
        {
            return InvalidGrant("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.");
        }

        var scope = payload.RootElement.GetProperty("scope").GetString();
        if (!ServiceAccountDelegated || scope != "https://mail.google.com/" || !payload.RootElement.TryGetProperty("sub", out _))
        {
            return Results.Json(new { error = "unauthorized_client", error_description = "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested." }, statusCode: 401);
        }

        LastServiceAccountSubject = payload.RootElement.GetProperty("sub").GetString();
        return Results.Json(new { access_token = IssueAccessToken(LastServiceAccountSubject!, scope!), expires_in = (long)AccessTokenLifetime.TotalSeconds, token_type = "Bearer" });
    }

    /// <summary>The user a service account last asked to act as.</summary>
    public string? LastServiceAccountSubject { get; private set; }

    private string IssueAccessToken(string owner, string scope = FullMailScope)
    {
        var number = Interlocked.Increment(ref _issued);
        var token = $"ya29.fake-access-{number}-{Guid.NewGuid():N}";
        if (UnusableTokensToIssue > 0)
        {
            UnusableTokensToIssue--;
        }
        else
        {
            _accessTokens[token] = (_time.GetUtcNow() + AccessTokenLifetime, owner);
            _tokenScopes[token] = scope;
        }

        Issued.Enqueue(token);
        return token;
    }

    private string IdToken(string email)
    {
        var header = Base64Url(Encoding.UTF8.GetBytes("""{"alg":"RS256","kid":"fake","typ":"JWT"}"""));
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { iss = "https://accounts.google.com", aud = ClientId, sub = "1090" + Math.Abs(email.GetHashCode(StringComparison.Ordinal)), email, email_verified = true, iat = now, exp = now + 3600 }));
        return $"{header}.{payload}.{Base64Url(Encoding.UTF8.GetBytes("not-a-real-signature"))}";
    }

    private static IResult InvalidGrant(string description) =>
        Results.Json(new { error = "invalid_grant", error_description = description }, statusCode: 400);

    private static string Base64Url(byte[] bytes) => WebEncoders.Base64UrlEncode(bytes);

    private sealed record ConsentRequest(string RedirectUri, string State, string CodeChallenge, string Account, string Scope);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
