using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Flows;
using Google.Apis.Auth.OAuth2.Responses;
using Microsoft.Extensions.Options;
using Relay.Rewrite;

namespace Relay.OAuth;

/// <summary>
/// Access tokens from a refresh token through Google.Apis.Auth. <see cref="UserCredential"/> refreshes before expiry
/// and already makes concurrent callers share one refresh; a forced refresh after a rejection is single-flight here.
/// </summary>
internal sealed class GoogleAccessTokenSource : IAccessTokenSource
{
    private readonly UserCredential? _credential;
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private readonly ILogger<GoogleAccessTokenSource> _logger;
    private string? _lastToken;

    public GoogleAccessTokenSource(IOptions<GoogleOptions> google, IOptions<AccountOptions> account, TimeProvider time, ILogger<GoogleAccessTokenSource> logger)
    {
        _logger = logger;
        var options = google.Value;
        if (string.IsNullOrEmpty(options.RefreshToken) || string.IsNullOrEmpty(account.Value.Address))
        {
            return;
        }

        Account = account.Value.Address;
        var flow = new GoogleAuthorizationCodeFlow(new EndpointInitializer(options.AuthorizationEndpoint, options.TokenEndpoint, options.RevocationEndpoint)
        {
            ClientSecrets = new ClientSecrets { ClientId = options.ClientId, ClientSecret = options.ClientSecret },
            Scopes = [GoogleOptions.GmailScope],
            Clock = new TimeProviderClock(time),
        });
        _credential = new UserCredential(flow, Account, new TokenResponse { RefreshToken = options.RefreshToken });
    }

    public string? Account { get; }

    public async Task<string> GetAccessTokenAsync(CancellationToken cancellationToken)
    {
        var credential = _credential ?? throw new AuthorizationRequiredException("No Google account is authorized yet.");
        try
        {
            var token = await credential.GetAccessTokenForRequestAsync(cancellationToken: cancellationToken);
            NoteToken(token, credential);
            return token;
        }
        catch (TokenResponseException ex)
        {
            throw Describe(ex);
        }
    }

    public async Task<string> RefreshRejectedAsync(string rejectedToken, CancellationToken cancellationToken)
    {
        var credential = _credential ?? throw new AuthorizationRequiredException("No Google account is authorized yet.");
        await _refreshGate.WaitAsync(cancellationToken);
        try
        {
            if (credential.Token.AccessToken is { } current && current != rejectedToken)
            {
                return current;
            }

            await credential.RefreshTokenAsync(cancellationToken);
            var token = credential.Token.AccessToken;
            NoteToken(token, credential);
            return token;
        }
        catch (TokenResponseException ex)
        {
            throw Describe(ex);
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    private void NoteToken(string token, UserCredential credential)
    {
        if (Interlocked.Exchange(ref _lastToken, token) != token)
        {
            OAuthLog.AccessTokenRefreshed(_logger, Account!, credential.Token.ExpiresInSeconds);
        }
    }

    private static Exception Describe(TokenResponseException ex) => ex.Error?.Error switch
    {
        "invalid_grant" => new AuthorizationRequiredException(
            $"Google refused the refresh token (invalid_grant: {ex.Error.ErrorDescription}). Authorize the account again."),
        "invalid_client" or "unauthorized_client" => new AuthorizationRequiredException(
            $"Google refused the OAuth client ({ex.Error.Error}: {ex.Error.ErrorDescription}). Check Relay:Google:ClientId and ClientSecret."),
        _ => new TokenRefreshException($"Token refresh failed ({ex.Error?.Error ?? ex.StatusCode.ToString()}: {ex.Error?.ErrorDescription}).", ex),
    };

    /// <summary>Points the flow at configured endpoints (Google's by default, a local fake in tests).</summary>
    private sealed class EndpointInitializer(string authorizationUrl, string tokenUrl, string revocationUrl)
        : GoogleAuthorizationCodeFlow.Initializer(authorizationUrl, tokenUrl, revocationUrl);
}
