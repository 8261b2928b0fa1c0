using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Relay.Testing;

/// <summary>
/// The Microsoft identity platform's v2.0 endpoints, faked over HTTPS on 127.0.0.1 port 0 (MSAL takes only an https
/// authority; the certificate is <see cref="TestCertificates.Server"/>, which a relay trusts through
/// <c>Relay:Outbound:TrustedCaFile</c>): <c>/{tenant}/oauth2/v2.0/authorize</c> (a consent page whose Allow redirects
/// with <c>code</c> and <c>state</c>) and <c>/{tenant}/oauth2/v2.0/token</c> (authorization_code with PKCE S256 and the
/// client secret checked; refresh_token; client_credentials with the secret or a client assertion JWT signed by a
/// trusted certificate). Answers carry an access token, a refresh token (delegated), an ID token (oid, tid,
/// preferred_username, name) and client_info, as Entra ID does. Refreshes are counted; <see cref="RefreshTokenRevoked"/>
/// answers invalid_grant.
/// </summary>
public sealed class FakeMicrosoftIdentityServer : IAsyncDisposable
{
    public const string ClientId = "6731de76-14a6-49ae-97bc-6eba6914391e";
    public const string ClientSecret = "fake~ms-client-secret-SECRET";
    public const string TenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    public const string ConsumersTenantId = "9188040d-6c67-4c5b-b112-36a304b66dad";

    /// <summary>The mailbox that consents on the fake page unless a test says otherwise.</summary>
    public const string DefaultMailbox = "relay.sender@contoso.example";

    /// <summary>The mailbox app-only tokens may send as (the Exchange permission an administrator gave the app).</summary>
    public const string AppMailbox = "relay.app@contoso.example";

    public const string SmtpScope = "https://outlook.office.com/SMTP.Send";
    public const string GraphScope = "https://graph.microsoft.com/Mail.Send";
    public const string SmtpAppScope = "https://outlook.office365.com/.default";
    public const string GraphAppScope = "https://graph.microsoft.com/.default";

    private static readonly string[] Reserved = ["openid", "profile", "offline_access"];

    private readonly WebApplication _app;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, (DateTimeOffset ExpiresAt, string Owner, string Scope)> _accessTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Consent> _refreshTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Consent> _consents = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (Consent Consent, DateTimeOffset ExpiresAt)> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<byte[]> _certificates = [];
    private int _refreshes;
    private int _clientCredentials;
    private int _issued;

    private FakeMicrosoftIdentityServer(WebApplication app, TimeProvider time)
    {
        _app = app;
        _time = time;
    }

    /// <summary>The instance, for <c>Relay:Microsoft:Instance</c> (<c>https://127.0.0.1:PORT</c>).</summary>
    public string Instance { get; private set; } = string.Empty;

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The mailbox that signs in on the consent page.</summary>
    public string ConsentMailbox { get; set; } = DefaultMailbox;

    /// <summary>When true, refresh grants answer invalid_grant (AADSTS70008), as for a revoked or expired refresh token.</summary>
    public bool RefreshTokenRevoked { get; set; }

    /// <summary>When false, the consent page's Allow leaves the resource's scope out of the grant (a declined permission).</summary>
    public bool GrantResourceScope { get; set; } = true;

    /// <summary>Refresh-token grants answered with tokens.</summary>
    public int RefreshCount => Volatile.Read(ref _refreshes);

    /// <summary>Client-credentials grants answered with tokens.</summary>
    public int ClientCredentialsCount => Volatile.Read(ref _clientCredentials);

    /// <summary>The last authorization request the consent page saw (its query), with the tenant of its path as "tenant".</summary>
    public IReadOnlyDictionary<string, string>? LastAuthorizationRequest { get; private set; }

    /// <summary>Every access token issued, oldest first.</summary>
    public ConcurrentQueue<string> Issued { get; } = new();

    /// <summary>Refresh tokens issued (delegated), oldest first.</summary>
    public ConcurrentQueue<string> IssuedRefreshTokens { get; } = new();

    /// <summary>How the last client-credentials grant proved the client: "secret" or "certificate".</summary>
    public string? LastClientCredential { get; private set; }

    public static async Task<FakeMicrosoftIdentityServer> StartAsync(TimeProvider? time = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(TestCertificates.Server);
        }));
        var app = builder.Build();
        var server = new FakeMicrosoftIdentityServer(app, time ?? TimeProvider.System);
        app.MapGet("/{tenant}/oauth2/v2.0/authorize", server.Authorize);
        app.MapGet("/approve", server.Approve);
        app.MapPost("/{tenant}/oauth2/v2.0/token", server.TokenAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Instance = "https://127.0.0.1:" + new Uri(address).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return server;
    }

    /// <summary>The settings that point a relay at this fake (and trust its certificate).</summary>
    public void Configure(IDictionary<string, string?> settings)
    {
        settings["Relay:Microsoft:Instance"] = Instance;
        settings["Relay:Microsoft:ClientId"] = ClientId;
        settings["Relay:Microsoft:ClientSecret"] = ClientSecret;
        settings["Relay:Outbound:TrustedCaFile"] = TestCertificates.CaPemFile;
    }

    /// <summary>
    /// Settings for a relay whose accounts are Microsoft's only: the test harness's Google account removed, this identity
    /// server, and Office 365's SMTP at localhost:<paramref name="smtpPort"/>.
    /// </summary>
    public void ConfigureAlone(IDictionary<string, string?> settings, int smtpPort)
    {
        settings.Remove("Relay:Account:Address");
        settings.Remove("Relay:Google:RefreshToken");
        Configure(settings);
        settings["Relay:Microsoft:SmtpHost"] = "localhost";
        settings["Relay:Microsoft:SmtpPort"] = smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Trusts <paramref name="certificate"/>'s public key for client assertions (the certificate uploaded to the app registration).</summary>
    public void TrustCertificate(X509Certificate2 certificate) => _certificates.Add(certificate.GetPublicKey());

    /// <summary>Plays the person on the consent page: opens the address, clicks Allow (or Cancel), returns where the browser is sent back to.</summary>
    public static async Task<string> ConsentAsync(string authorizationUrl, bool allow = true)
    {
        using var browser = new HttpClient(new HttpClientHandler
        {
            AllowAutoRedirect = false,
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == TestCertificates.Server.Thumbprint,
        });
        var consent = await (await browser.GetAsync(authorizationUrl)).Content.ReadAsStringAsync();
        var link = System.Text.RegularExpressions.Regex.Match(consent, allow ? "id=\"allow\" href=\"([^\"]+)" : "id=\"deny\" href=\"([^\"]+)").Groups[1].Value;
        if (link.Length == 0)
        {
            throw new InvalidOperationException("The fake consent page refused the request: " + consent);
        }

        var back = await browser.GetAsync(new Uri(new Uri(authorizationUrl), WebUtility.HtmlDecode(link)));
        return back.Headers.Location?.ToString() ?? throw new InvalidOperationException("The fake consent page did not redirect.");
    }

    /// <summary>Whether <paramref name="user"/> may use <paramref name="token"/>: a live token issued for that mailbox (or an app token, for <see cref="AppMailbox"/>).</summary>
    public bool IsValidFor(string user, string token) =>
        _accessTokens.TryGetValue(token, out var issued) && _time.GetUtcNow() < issued.ExpiresAt && string.Equals(issued.Owner, user, StringComparison.OrdinalIgnoreCase);

    /// <summary>The scope a token was issued for, or null for a token this fake never issued.</summary>
    public string? ScopeOf(string token) => _accessTokens.TryGetValue(token, out var issued) ? issued.Scope : null;

    /// <summary>Makes a token unusable before its time (the upstream then refuses it).</summary>
    public void Invalidate(string token) => _accessTokens.TryRemove(token, out _);

    private IResult Authorize(string tenant, HttpRequest request)
    {
        var query = request.Query.ToDictionary(pair => pair.Key, pair => pair.Value.ToString(), StringComparer.Ordinal);
        LastAuthorizationRequest = new Dictionary<string, string>(query) { ["tenant"] = tenant };
        string Get(string name) => query.GetValueOrDefault(name) ?? "";
        var problems = new List<string>();
        if (Get("client_id") != ClientId) problems.Add("AADSTS700016: application not found");
        if (Get("response_type") != "code") problems.Add("response_type must be code");
        if (Get("code_challenge_method") != "S256" || Get("code_challenge").Length < 43) problems.Add("PKCE S256 code_challenge missing");
        if (Get("state").Length < 16) problems.Add("state missing");
        if (!Get("redirect_uri").StartsWith("http://localhost", StringComparison.Ordinal) && !Get("redirect_uri").StartsWith("https://", StringComparison.Ordinal)) problems.Add("AADSTS50011: redirect URI mismatch");
        var scopes = Get("scope").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (!scopes.Contains("openid") || !scopes.Contains("offline_access") || !scopes.Any(scope => scope is SmtpScope or GraphScope)) problems.Add("AADSTS70011: scope must hold openid, offline_access and SMTP.Send or Mail.Send");
        if (problems.Count > 0)
        {
            return Results.Content($"<html><body><h1>Sign in error</h1><p id=\"error\">{WebUtility.HtmlEncode(string.Join("; ", problems))}</p></body></html>", "text/html", statusCode: 400);
        }

        var granted = scopes.Where(scope => !Reserved.Contains(scope) && (GrantResourceScope || scope is not (SmtpScope or GraphScope))).ToArray();
        var id = Guid.NewGuid().ToString("N");
        var tid = tenant switch { "consumers" => ConsumersTenantId, "organizations" or "common" => TenantId, _ => tenant };
        _consents[id] = new Consent(Get("redirect_uri"), Get("state"), Get("code_challenge"), ConsentMailbox, tid, granted);
        return Results.Content($"""
            <html><body><h1>Fake Microsoft: let the app send mail as {WebUtility.HtmlEncode(ConsentMailbox)}?</h1>
            <a id="allow" href="/approve?request={id}">Accept</a> <a id="deny" href="/approve?request={id}&amp;deny=1">Cancel</a>
            </body></html>
            """, "text/html");
    }

    private IResult Approve(string request, string? deny)
    {
        if (!_consents.TryRemove(request, out var consent))
        {
            return Results.BadRequest("unknown consent request");
        }

        var separator = consent.RedirectUri.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        if (deny is not null)
        {
            return Results.Redirect($"{consent.RedirectUri}{separator}error=access_denied&error_description={Uri.EscapeDataString("AADSTS65004: User declined to consent to access the app.")}&state={Uri.EscapeDataString(consent.State)}");
        }

        var code = "0.fake-ms-code-" + Guid.NewGuid().ToString("N");
        _codes[code] = (consent, _time.GetUtcNow() + TimeSpan.FromMinutes(10));
        return Results.Redirect($"{consent.RedirectUri}{separator}code={Uri.EscapeDataString(code)}&state={Uri.EscapeDataString(consent.State)}&session_state={Guid.NewGuid()}");
    }

    private async Task<IResult> TokenAsync(string tenant, HttpRequest request)
    {
        var form = await request.ReadFormAsync();
        string Get(string name) => form[name].ToString();
        var endpoint = $"{Instance}{request.Path}";
        var credential = Get("client_assertion").Length > 0 ? (AssertionValid(Get("client_assertion"), Get("client_id"), endpoint) ? "certificate" : null)
            : Get("client_secret") == ClientSecret ? "secret" : null;
        if (Get("client_id") != ClientId || credential is null)
        {
            return Error(401, "invalid_client", credential is null && Get("client_assertion").Length > 0
                ? "AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application."
                : "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.");
        }

        var scopes = Get("scope").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        switch (Get("grant_type"))
        {
            case "authorization_code":
                if (!_codes.TryRemove(Get("code"), out var issued) || _time.GetUtcNow() >= issued.ExpiresAt)
                {
                    return Error(400, "invalid_grant", "AADSTS70008: The provided authorization code or refresh token has expired due to inactivity.");
                }

                if (Get("redirect_uri") != issued.Consent.RedirectUri)
                {
                    return Error(400, "invalid_grant", "AADSTS50011: The redirect URI specified in the request does not match the redirect URI used to request the code.");
                }

                if (WebEncoders.Base64UrlEncode(SHA256.HashData(Encoding.ASCII.GetBytes(Get("code_verifier")))) != issued.Consent.CodeChallenge)
                {
                    return Error(400, "invalid_grant", "AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.");
                }

                return Delegated(issued.Consent, Resource(scopes, issued.Consent));
            case "refresh_token":
                if (RefreshTokenRevoked || !_refreshTokens.TryGetValue(Get("refresh_token"), out var consent))
                {
                    return Error(400, "invalid_grant", "AADSTS70008: The provided authorization code or refresh token has expired due to inactivity.");
                }

                var resource = Resource(scopes, consent);
                if (resource is null)
                {
                    return Error(400, "invalid_grant", "AADSTS65001: The user or administrator has not consented to use the application.");
                }

                Interlocked.Increment(ref _refreshes);
                return Delegated(consent, resource);
            case "client_credentials":
                if (scopes is not [SmtpAppScope or GraphAppScope])
                {
                    return Error(400, "invalid_scope", "AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.");
                }

                Interlocked.Increment(ref _clientCredentials);
                LastClientCredential = credential;
                return Results.Json(new Dictionary<string, object>
                {
                    ["token_type"] = "Bearer",
                    ["expires_in"] = (long)AccessTokenLifetime.TotalSeconds,
                    ["ext_expires_in"] = (long)AccessTokenLifetime.TotalSeconds,
                    ["access_token"] = IssueAccessToken(AppMailbox, scopes[0]),
                });
            default:
                return Error(400, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.");
        }
    }

    /// <summary>The resource scope a token request asks for, when that consent granted it; null otherwise.</summary>
    private static string? Resource(string[] requested, Consent consent) =>
        requested.Where(scope => !Reserved.Contains(scope)).SingleOrDefault() is { } scope && consent.Granted.Contains(scope) ? scope : null;

    private IResult Delegated(Consent consent, string? resource)
    {
        if (resource is null)
        {
            return Error(400, "invalid_scope", "AADSTS65001: The user or administrator has not consented to use the application.");
        }

        var refreshToken = "0.fake-ms-refresh-" + Guid.NewGuid().ToString("N");
        _refreshTokens[refreshToken] = consent;
        IssuedRefreshTokens.Enqueue(refreshToken);
        var oid = ObjectId(consent.Mailbox);
        return Results.Json(new Dictionary<string, object>
        {
            ["token_type"] = "Bearer",
            ["scope"] = resource,
            ["expires_in"] = (long)AccessTokenLifetime.TotalSeconds,
            ["ext_expires_in"] = (long)AccessTokenLifetime.TotalSeconds,
            ["access_token"] = IssueAccessToken(consent.Mailbox, resource),
            ["refresh_token"] = refreshToken,
            ["id_token"] = IdToken(consent, oid),
            ["client_info"] = WebEncoders.Base64UrlEncode(JsonSerializer.SerializeToUtf8Bytes(new { uid = oid, utid = consent.TenantId })),
        });
    }

    private string IssueAccessToken(string owner, string scope)
    {
        var token = $"EwB-fake-ms-access-{Interlocked.Increment(ref _issued)}-{Guid.NewGuid():N}";
        _accessTokens[token] = (_time.GetUtcNow() + AccessTokenLifetime, owner, scope);
        Issued.Enqueue(token);
        return token;
    }

    private string IdToken(Consent consent, string oid)
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var header = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes("""{"typ":"JWT","alg":"RS256","kid":"fake"}"""));
        var payload = WebEncoders.Base64UrlEncode(JsonSerializer.SerializeToUtf8Bytes(new
        {
            aud = ClientId,
            iss = $"https://login.microsoftonline.com/{consent.TenantId}/v2.0",
            iat = now,
            nbf = now,
            exp = now + 3600,
            name = "Relay Sender",
            oid,
            preferred_username = consent.Mailbox,
            sub = "fake-sub-" + oid,
            tid = consent.TenantId,
            ver = "2.0",
        }));
        return $"{header}.{payload}.{WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes("not-a-real-signature"))}";
    }

    /// <summary>A client assertion as Entra ID checks it: signed (RS256 or PS256) by a trusted certificate, for this client, addressed to this token endpoint, not expired.</summary>
    private bool AssertionValid(string assertion, string clientId, string endpoint)
    {
        var parts = assertion.Split('.');
        if (parts.Length != 3)
        {
            return false;
        }

        using var header = JsonDocument.Parse(WebEncoders.Base64UrlDecode(parts[0]));
        using var payload = JsonDocument.Parse(WebEncoders.Base64UrlDecode(parts[1]));
        var padding = header.RootElement.GetProperty("alg").GetString() switch
        {
            "RS256" => RSASignaturePadding.Pkcs1,
            "PS256" => RSASignaturePadding.Pss,
            _ => null,
        };
        var claims = payload.RootElement;
        if (padding is null || claims.GetProperty("aud").GetString() != endpoint || claims.GetProperty("iss").GetString() != clientId
            || claims.GetProperty("sub").GetString() != clientId || Seconds(claims.GetProperty("exp")) < _time.GetUtcNow().ToUnixTimeSeconds())
        {
            return false;
        }

        var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        var signature = WebEncoders.Base64UrlDecode(parts[2]);
        foreach (var publicKey in _certificates)
        {
            using var rsa = RSA.Create();
            rsa.ImportRSAPublicKey(publicKey, out _);
            if (rsa.VerifyData(signed, signature, HashAlgorithmName.SHA256, padding))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A NumericDate claim, which MSAL writes as a JSON string.</summary>
    private static long Seconds(JsonElement claim) =>
        claim.ValueKind == JsonValueKind.Number ? claim.GetInt64() : long.Parse(claim.GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    private static string ObjectId(string mailbox) =>
        new Guid(MD5.HashData(Encoding.UTF8.GetBytes(mailbox.ToLowerInvariant()))).ToString();

    private static IResult Error(int status, string error, string description) =>
        Results.Json(new { error, error_description = description, error_codes = new[] { int.Parse(description[6..description.IndexOf(':', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture) }, timestamp = DateTime.UtcNow.ToString("u"), trace_id = Guid.NewGuid(), correlation_id = Guid.NewGuid() }, statusCode: status);

    private sealed record Consent(string RedirectUri, string State, string CodeChallenge, string Mailbox, string TenantId, string[] Granted);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
