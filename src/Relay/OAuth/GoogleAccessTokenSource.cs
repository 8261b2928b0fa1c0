using System.Net.Http.Json;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Flows;
using Google.Apis.Auth.OAuth2.Responses;
using Relay.Accounts;

namespace Relay.OAuth;

/// <summary>
/// Access tokens for an account that authorized Relay (in the browser, or with a refresh token given in configuration),
/// through Google.Apis.Auth: <see cref="UserCredential"/> refreshes before expiry and makes concurrent callers share one
/// refresh; a forced refresh after a rejection is single-flight here. A refused refresh token is marked as needing
/// re-authorization and kept, never deleted; a rotated one is saved.
/// </summary>
internal sealed class GoogleAccessTokenSource : IAccessTokenSource
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private readonly GoogleOptions _options;
    private readonly Account _account;
    private readonly TokenStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<GoogleAccessTokenSource> _logger;
    private readonly SemaphoreSlim _refreshGate = new(1, 1);

    /// <summary>One write or delete of the token file at a time, each checking the state it writes is still current.</summary>
    private readonly SemaphoreSlim _storeGate = new(1, 1);
    private readonly Lock _lock = new();
    private readonly Func<State> _initial;
    private State? _state;
    private string? _lastToken;

    /// <param name="google">Google's endpoints (the account carries its own client).</param>
    public GoogleAccessTokenSource(Account account, GoogleOptions google, TokenStore store, TimeProvider time, ILogger<GoogleAccessTokenSource> logger)
    {
        _options = google;
        _account = account;
        _store = store;
        _time = time;
        _logger = logger;
        _initial = () => store.Load() is { } stored ? Build(stored, "web")
            : account.RefreshToken is { Length: > 0 } refreshToken && account.Address is { Length: > 0 } address
                ? Build(new StoredAuthorization { Account = address, RefreshToken = refreshToken, ClientId = account.ClientId ?? "", AuthorizedAt = default }, "configuration")
                : State.None;
    }

    /// <summary>The account of the relay this source holds tokens for (its settings, not the Google account that consented).</summary>
    public Account Settings => _account;

    public bool Authorizable => true;

    /// <summary>Reads the token store, once (<see cref="StartupSequence"/>); the first use reads it otherwise.</summary>
    public void Load()
    {
        lock (_lock)
        {
            _state ??= _initial();
        }
    }

    public event Action? Changed;

    public string? Account => Current.Authorization?.Account;

    public string Remedy => Status.Source == "configuration"
        ? $"authorize {Account} again on the web page or with '{_account.AuthorizeCommand}', or give a new {ConfiguredTokenKey}"
        : $"authorize {Account ?? "an account"} again on the web page or with '{_account.AuthorizeCommand}'";

    /// <summary>Where this account's refresh token is configured: the single-account key, or its entry of the list.</summary>
    private string ConfiguredTokenKey => _account.IsDefaultName
        ? "Relay:Google:RefreshToken"
        : $"refresh token in the RefreshToken of account '{_account.Name}' in Relay:Accounts";

    public TokenStatus Status
    {
        get
        {
            var state = Current;
            var token = state.Credential?.Token;
            return new TokenStatus(
                state.Authorization?.Account,
                state.Source,
                state.Authorization is { AuthorizedAt: var at } && at != default ? at : null,
                state.Authorization?.LastRefreshAt,
                token?.AccessToken is null ? null : new DateTimeOffset(token.IssuedUtc, TimeSpan.Zero).AddSeconds(token.ExpiresInSeconds ?? 0),
                state.Authorization?.Problem);
        }
    }

    /// <summary>The client id and secret to use for a new authorization: those entered on the page last time, else configuration.</summary>
    public (string? ClientId, string? ClientSecret) Client =>
        Current.Authorization is { ClientSecret: { } secret } stored ? (stored.ClientId, secret) : (_account.ClientId, _account.ClientSecret);

    private State Current
    {
        get
        {
            lock (_lock)
            {
                return _state ??= _initial();
            }
        }
    }

    public async Task<string> GetAccessTokenAsync(CancellationToken cancellationToken)
    {
        var state = Current;
        var credential = state.Credential ?? throw new AuthorizationRequiredException("No Google account is authorized yet.");
        try
        {
            var token = await credential.GetAccessTokenForRequestAsync(cancellationToken: cancellationToken);
            await NoteTokenAsync(state, token, cancellationToken);
            return token;
        }
        catch (TokenResponseException ex)
        {
            throw await RefusedAsync(state, ex, cancellationToken);
        }
    }

    public async Task<string> RefreshRejectedAsync(string rejectedToken, CancellationToken cancellationToken)
    {
        var state = Current;
        var credential = state.Credential ?? throw new AuthorizationRequiredException("No Google account is authorized yet.");
        await _refreshGate.WaitAsync(cancellationToken);
        try
        {
            if (credential.Token.AccessToken is { } current && current != rejectedToken)
            {
                return current;
            }

            await credential.RefreshTokenAsync(cancellationToken);
            var token = credential.Token.AccessToken;
            await NoteTokenAsync(state, token, cancellationToken);
            return token;
        }
        catch (TokenResponseException ex)
        {
            throw await RefusedAsync(state, ex, cancellationToken);
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    /// <summary>Refreshes now (the weekly keep-alive, <c>relay check</c>); returns the new access token.</summary>
    public async Task<string> RefreshNowAsync(CancellationToken cancellationToken)
    {
        var state = Current;
        var credential = state.Credential ?? throw new AuthorizationRequiredException("No Google account is authorized yet.");
        return await RefreshRejectedAsync(credential.Token.AccessToken ?? "", cancellationToken);
    }

    /// <summary>
    /// A new authorization (from the page or <c>relay authorize</c>): stored encrypted, used from now on. Returns the
    /// authorization it replaced, if any, so the caller can revoke it.
    /// </summary>
    public async Task<StoredAuthorization?> ReplaceAsync(StoredAuthorization authorization, CancellationToken cancellationToken)
    {
        Load(); // the authorization replaced is the one stored before this save
        StoredAuthorization? previous;
        await _storeGate.WaitAsync(cancellationToken);
        try
        {
            await _store.SaveAsync(authorization, cancellationToken);
            lock (_lock)
            {
                previous = _state!.Authorization;
                _state = Build(authorization, "web");
            }
        }
        finally
        {
            _storeGate.Release();
        }

        OAuthLog.Authorized(_logger, authorization.Account);
        Changed?.Invoke();
        return previous;
    }

    /// <summary>
    /// Asks Google to revoke <paramref name="token"/> (a refresh token no longer wanted). True when Google revoked it or
    /// no longer knows it (400); false when it answered otherwise.
    /// </summary>
    public async Task<bool> RevokeTokenAsync(string token, CancellationToken cancellationToken)
    {
        using var response = await Http.PostAsync(_options.RevocationEndpoint, new FormUrlEncodedContent([new("token", token)]), cancellationToken);
        return response.IsSuccessStatusCode || response.StatusCode == System.Net.HttpStatusCode.BadRequest;
    }

    /// <summary>Revokes the refresh token at Google and forgets the account.</summary>
    public async Task RevokeAsync(CancellationToken cancellationToken)
    {
        var state = Current;
        if (state.Authorization is not { } authorization)
        {
            return;
        }

        if (!await RevokeTokenAsync(authorization.RefreshToken, cancellationToken))
        {
            // 400 means Google no longer knows the token: it is as good as revoked.
            throw new TokenRefreshException("Google's revocation endpoint refused the request; the account is kept. Try again.", new HttpRequestException());
        }

        await _storeGate.WaitAsync(cancellationToken);
        try
        {
            lock (_lock)
            {
                _state = State.None;
            }

            _store.Delete(); // under the store's gate: a save of the revoked authorization still under way cannot write it back
        }
        finally
        {
            _storeGate.Release();
        }

        OAuthLog.Revoked(_logger, authorization.Account);
        Changed?.Invoke();
    }

    private async Task NoteTokenAsync(State state, string token, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _lastToken, token) == token)
        {
            return;
        }

        var authorization = state.Authorization!;
        OAuthLog.AccessTokenRefreshed(_logger, authorization.Account, state.Credential!.Token.ExpiresInSeconds);
        var updated = authorization with
        {
            LastRefreshAt = _time.GetUtcNow(),
            Problem = null,
            RefreshToken = state.Credential.Token.RefreshToken ?? authorization.RefreshToken, // Google may rotate it
        };
        await SaveIfCurrentAsync(state, updated, cancellationToken);
    }

    private async Task<Exception> RefusedAsync(State state, TokenResponseException ex, CancellationToken cancellationToken)
    {
        var described = Describe(ex);
        if (described is AuthorizationRequiredException)
        {
            await SaveIfCurrentAsync(state, state.Authorization! with { Problem = described.Message }, cancellationToken);
        }

        return described;
    }

    /// <summary>Keeps what changed (in memory, and on disk for a stored authorization) unless the account was replaced meanwhile.</summary>
    private async Task SaveIfCurrentAsync(State state, StoredAuthorization updated, CancellationToken cancellationToken)
    {
        await _storeGate.WaitAsync(cancellationToken);
        try
        {
            lock (_lock)
            {
                if (!ReferenceEquals(_state, state))
                {
                    return; // replaced or revoked meanwhile: what it held must not be written back
                }

                _state = state with { Authorization = updated };
            }

            if (state.Source == "web")
            {
                await _store.SaveAsync(updated, cancellationToken);
            }
        }
        finally
        {
            _storeGate.Release();
        }
    }

    private State Build(StoredAuthorization authorization, string source)
    {
        var flow = new GoogleAuthorizationCodeFlow(new EndpointInitializer(_options.AuthorizationEndpoint, _options.TokenEndpoint, _options.RevocationEndpoint)
        {
            ClientSecrets = new ClientSecrets { ClientId = authorization.ClientId, ClientSecret = authorization.ClientSecret ?? _account.ClientSecret },
            Scopes = [_account.Scope],
            Clock = new TimeProviderClock(_time),
        });
        var credential = new UserCredential(flow, authorization.Account, new TokenResponse { RefreshToken = authorization.RefreshToken });
        return new State(authorization, credential, source);
    }

    internal static Exception Describe(TokenResponseException ex) => ex.Error?.Error switch
    {
        "invalid_grant" => new AuthorizationRequiredException(
            $"Google refused the refresh token (invalid_grant: {ex.Error.ErrorDescription}). Authorize the account again. " +
            "If this happens every 7 days, the app's consent screen is still in Testing: publish it (In production) and authorize again."),
        "invalid_client" or "unauthorized_client" => new AuthorizationRequiredException(
            $"Google refused the OAuth client ({ex.Error.Error}: {ex.Error.ErrorDescription}). Check the client ID and secret (Relay:Google:ClientId and ClientSecret)."),
        _ => new TokenRefreshException($"Token refresh failed ({ex.Error?.Error ?? ex.StatusCode.ToString()}: {ex.Error?.ErrorDescription}).", ex),
    };

    private sealed record State(StoredAuthorization? Authorization, UserCredential? Credential, string Source)
    {
        public static readonly State None = new(null, null, "none");
    }

    /// <summary>Points the flow at configured endpoints (Google's by default, a local fake in tests).</summary>
    internal sealed class EndpointInitializer(string authorizationUrl, string tokenUrl, string revocationUrl)
        : GoogleAuthorizationCodeFlow.Initializer(authorizationUrl, tokenUrl, revocationUrl);
}
