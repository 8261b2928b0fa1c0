using System.Text.Json;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Flows;
using Google.Apis.Auth.OAuth2.Responses;
using Microsoft.AspNetCore.WebUtilities;
using Relay.Accounts;

namespace Relay.OAuth;

/// <summary>
/// Google's half of the authorization flow: the authorization-code request with PKCE (S256), <c>access_type=offline</c>
/// and <c>prompt=consent</c> (so a refresh token comes back every time), scopes <c>openid email</c> and the account's
/// Gmail scope (<c>https://mail.google.com/</c> for SMTP, <c>gmail.send</c> for the Gmail API); the Google account is
/// read from the ID token, not typed. A replaced authorization is revoked at Google.
/// </summary>
internal sealed class GoogleAuthorization(GoogleOptions google, GoogleAccessTokenSource tokens, TimeProvider time) : IAuthorizationProvider
{
    private readonly string[] _scopes = [tokens.Settings.Scope, "openid", "email"];

    public string Name => "Google";

    public Account Settings => tokens.Settings;

    public string? Account => tokens.Account;

    public (string? ClientId, string? ClientSecret) Client => tokens.Client;

    public string RevokedWords => "revoked at Google";

    public Task<(string Url, string CodeVerifier)> AuthorizationUrlAsync(string redirectUri, string clientId, string clientSecret, string state, CancellationToken cancellationToken)
    {
        var request = Flow(clientId, clientSecret).CreateAuthorizationCodeRequest(redirectUri, out var codeVerifier);
        request.State = state;
        return Task.FromResult((request.Build().AbsoluteUri, codeVerifier));
    }

    public string DescribeError(IReadOnlyDictionary<string, string> query) => query.GetValueOrDefault("error") == "access_denied"
        ? "Google reports that access was denied. Either you clicked Cancel, or the app's consent screen is in Testing and this " +
          "account is not one of its test users: add it under Audience → Test users, or publish the app (In production)."
        : $"Google reports an error: {query.GetValueOrDefault("error")}. Start again; if it persists, check the OAuth client in the Google Cloud console.";

    public async Task<CodeExchange> ExchangeAsync(CodeRequest request, CancellationToken cancellationToken)
    {
        TokenResponse token;
        try
        {
            token = await Flow(request.ClientId, request.ClientSecret)
                .ExchangeCodeForTokenAsync("relay", request.Code, request.CodeVerifier, request.RedirectUri, cancellationToken);
        }
        catch (TokenResponseException ex)
        {
            return CodeExchange.Failed(ex.Error?.Error switch
            {
                "invalid_grant" => "Google refused the authorization code (it expires within minutes and works once). Start again.",
                "redirect_uri_mismatch" => $"Google refused the redirect address {request.RedirectUri}. Use a Desktop client, or register exactly this address in the Web client.",
                "invalid_client" or "unauthorized_client" => "Google refused the client ID or secret. Copy both again from the Google Cloud console (Clients).",
                _ => $"Google refused the exchange ({ex.Error?.Error}: {ex.Error?.ErrorDescription}).",
            });
        }
        catch (HttpRequestException ex)
        {
            return CodeExchange.Failed($"Google's token endpoint could not be reached ({ex.Message}). Check the relay's network access and start again.");
        }

        if (string.IsNullOrEmpty(token.RefreshToken))
        {
            return CodeExchange.Failed(
                "Google returned no refresh token, so the relay could not keep sending after an hour. Remove the app's access at " +
                "https://myaccount.google.com/permissions and authorize again (the relay always asks with prompt=consent).");
        }

        if (EmailFromIdToken(token.IdToken) is not { } email)
        {
            return CodeExchange.Failed("Google did not say which account consented (no email in the ID token). Keep the openid and email scopes on the consent screen.");
        }

        if (token.Scope is { } scope && !scope.Split(' ').Contains(tokens.Settings.Scope))
        {
            return CodeExchange.Failed("The Gmail permission was not granted: on Google's consent page, tick the box that lets the app send mail, then authorize again.");
        }

        return new CodeExchange(new StoredAuthorization
        {
            Account = email,
            RefreshToken = token.RefreshToken,
            ClientId = request.ClientId,
            ClientSecret = request.KeepSecret ? request.ClientSecret : null,
            AuthorizedAt = time.GetUtcNow(),
        }, null);
    }

    public Task<StoredAuthorization?> ReplaceAsync(StoredAuthorization authorization, CancellationToken cancellationToken) =>
        tokens.ReplaceAsync(authorization, cancellationToken);

    public async Task<bool?> RevokeAsync(StoredAuthorization authorization, CancellationToken cancellationToken) =>
        await tokens.RevokeTokenAsync(authorization.RefreshToken, cancellationToken);

    /// <summary>
    /// The ID token came straight from Google's token endpoint over TLS, so (as OpenID Connect allows) its signature is
    /// not checked again here; only its payload is read.
    /// </summary>
    internal static string? EmailFromIdToken(string? idToken)
    {
        var parts = idToken?.Split('.');
        if (parts is not { Length: 3 })
        {
            return null;
        }

        try
        {
            using var payload = JsonDocument.Parse(WebEncoders.Base64UrlDecode(parts[1]));
            return payload.RootElement.TryGetProperty("email", out var email) ? email.GetString() : null;
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            return null;
        }
    }

    private PkceGoogleAuthorizationCodeFlow Flow(string clientId, string? clientSecret) =>
        new(new GoogleAccessTokenSource.EndpointInitializer(google.AuthorizationEndpoint, google.TokenEndpoint, google.RevocationEndpoint)
        {
            ClientSecrets = new ClientSecrets { ClientId = clientId, ClientSecret = clientSecret },
            Scopes = _scopes,
            Prompt = "consent",
            LoginHint = tokens.Settings.Address,
            Clock = new TimeProviderClock(time),
        });
}
