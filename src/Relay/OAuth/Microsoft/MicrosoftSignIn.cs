using Microsoft.Identity.Client;
using Relay.Accounts;

namespace Relay.OAuth.Microsoft;

/// <summary>
/// The delegated authorization of one Microsoft account: MSAL's confidential client with the token cache kept, encrypted,
/// in the account's <see cref="TokenStore"/> file (<see cref="StoredAuthorization.TokenCache"/>; never in clear). Access
/// tokens for each resource (Exchange Online SMTP, Graph) come from the same refresh token through
/// <c>AcquireTokenSilent</c>, one at a time. A refused refresh marks the authorization's <see cref="StoredAuthorization.Problem"/>
/// (kept, never deleted) and asks for a new authorization.
/// </summary>
internal sealed class MicrosoftSignIn
{
    private readonly MicrosoftOptions _options;
    private readonly TokenStore _store;
    private readonly IMsalHttpClientFactory _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>One write or delete of the token file at a time, each checking the state it writes is still current.</summary>
    private readonly SemaphoreSlim _storeGate = new(1, 1);
    private readonly Lock _lock = new();
    private State? _state;
    private DateTimeOffset? _expiresAt;

    public MicrosoftSignIn(Account account, MicrosoftOptions options, TokenStore store, IMsalHttpClientFactory http, TimeProvider time, ILogger logger)
    {
        Settings = account;
        _options = options;
        _store = store;
        _http = http;
        _time = time;
        _logger = logger;
    }

    public Account Settings { get; }

    public event Action? Changed;

    public string? Account => Current.Authorization?.Account;

    public void Load()
    {
        lock (_lock)
        {
            _state ??= Build(_store.Load());
        }
    }

    /// <summary>The client id and secret for a new authorization: those entered on the page last time, else configuration.</summary>
    public (string? ClientId, string? ClientSecret) Client =>
        Current.Authorization is { ClientSecret: { } secret } stored ? (stored.ClientId, secret) : (Settings.ClientId, Settings.ClientSecret);

    public TokenStatus Status
    {
        get
        {
            var authorization = Current.Authorization;
            return new TokenStatus(authorization?.Account, authorization is null ? "none" : "web", authorization?.AuthorizedAt, authorization?.LastRefreshAt,
                authorization is null ? null : _expiresAt, authorization?.Problem);
        }
    }

    public string Remedy => $"authorize {Account ?? "the Microsoft account"} again on the web page or with '{Settings.AuthorizeCommand}'";

    private State Current
    {
        get
        {
            lock (_lock)
            {
                return _state ??= Build(_store.Load());
            }
        }
    }

    /// <summary>A client for a new authorization (its consent address, its code exchange), with a token cache of its own.</summary>
    public IConfidentialClientApplication NewClient(string clientId, string clientSecret, string redirectUri) =>
        MsalApps.Builder(_options, Settings, clientId, _http).WithClientSecret(clientSecret).WithRedirectUri(redirectUri).Build();

    /// <summary>
    /// An access token for <paramref name="scope"/>: MSAL's cached one while it has five minutes left, else a refresh;
    /// <paramref name="force"/> refreshes whatever its age; a <paramref name="rejected"/> token is refreshed only if it is
    /// still the current one (however many deliveries report it, one refresh).
    /// </summary>
    public async Task<string> TokenAsync(string scope, bool force, string? rejected, CancellationToken cancellationToken)
    {
        var state = Current;
        if (state.App is not { } app)
        {
            throw new AuthorizationRequiredException(state.Authorization?.Problem ?? "No Microsoft account is authorized yet.");
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var account = state.Authorization!.HomeAccountId is { } id ? await app.GetAccountAsync(id) : null;
            if (account is null)
            {
                throw await RefusedAsync(state, new AuthorizationRequiredException(
                    $"The stored authorization of {state.Authorization.Account} holds no Microsoft sign-in. {Capitalized(Remedy)}."), cancellationToken);
            }

            var result = await MsalApps.AcquireAsync(forced => app.AcquireTokenSilent([scope], account).WithForceRefresh(forced).ExecuteAsync(cancellationToken), force, rejected);

            _expiresAt = result.ExpiresOn;
            if (result.AuthenticationResultMetadata?.TokenSource == TokenSource.IdentityProvider)
            {
                OAuthLog.AccessTokenRefreshed(_logger, state.Authorization.Account, (long)(result.ExpiresOn - _time.GetUtcNow()).TotalSeconds);
            }

            return result.AccessToken;
        }
        catch (MsalUiRequiredException ex)
        {
            throw await RefusedAsync(state, new AuthorizationRequiredException(
                $"Microsoft refused the refresh token ({MsalApps.Reason(ex)}). {Capitalized(Remedy)}. It happens when the password changed, an " +
                "administrator revoked the sessions or the consent, a Conditional Access policy applies, or the authorization went unused for 90 days."), cancellationToken);
        }
        catch (MsalServiceException ex) when (ex.ErrorCode is "invalid_client" or "unauthorized_client")
        {
            throw await RefusedAsync(state, new AuthorizationRequiredException(
                $"Microsoft refused the app registration ({MsalApps.Reason(ex)}). Check the Application (client) ID and the client secret value " +
                "(Entra ID → App registrations → Certificates & secrets: a secret expires; give the new one's Value, not its Secret ID), then authorize again."), cancellationToken);
        }
        catch (Exception ex) when (ex is MsalException or HttpRequestException)
        {
            throw MsalApps.Failed("Token refresh", ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A new authorization: stored encrypted, used from now on. Returns the one it replaced, if any.</summary>
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
                _state = Build(authorization);
                _expiresAt = null;
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

    /// <summary>Forgets the authorization (Microsoft has no endpoint for an app to revoke its refresh token).</summary>
    public async Task ForgetAsync(CancellationToken cancellationToken)
    {
        string? account;
        await _storeGate.WaitAsync(cancellationToken);
        try
        {
            lock (_lock)
            {
                account = Current.Authorization?.Account;
                if (account is null)
                {
                    return;
                }

                _state = State.None;
                _expiresAt = null;
            }

            _store.Delete(); // under the store's gate: a save of the forgotten authorization still under way cannot write it back
        }
        finally
        {
            _storeGate.Release();
        }

        OAuthLog.Forgotten(_logger, account);
        Changed?.Invoke();
    }

    private async Task<AuthorizationRequiredException> RefusedAsync(State state, AuthorizationRequiredException refused, CancellationToken cancellationToken)
    {
        await SaveIfCurrentAsync(state, authorization => authorization with { Problem = refused.Message }, cancellationToken);
        return refused;
    }

    /// <summary>Keeps what changed, in memory and on disk, unless the authorization was replaced meanwhile.</summary>
    private async Task SaveIfCurrentAsync(State state, Func<StoredAuthorization, StoredAuthorization> change, CancellationToken cancellationToken)
    {
        await _storeGate.WaitAsync(cancellationToken);
        try
        {
            StoredAuthorization updated;
            lock (_lock)
            {
                if (!ReferenceEquals(_state?.App, state.App) || _state!.Authorization is not { } current)
                {
                    return; // replaced or forgotten meanwhile: what it held must not be written back
                }

                updated = change(current);
                _state = _state with { Authorization = updated };
            }

            await _store.SaveAsync(updated, cancellationToken);
        }
        finally
        {
            _storeGate.Release();
        }
    }

    private State Build(StoredAuthorization? authorization)
    {
        if (authorization is null)
        {
            return State.None;
        }

        var secret = authorization.ClientSecret ?? Settings.ClientSecret;
        if (string.IsNullOrEmpty(secret))
        {
            return new State(authorization with { Problem = authorization.Problem ?? "No client secret is known for this account: authorize it again and give the client secret value." }, null);
        }

        var app = MsalApps.Builder(_options, Settings, authorization.ClientId, _http).WithClientSecret(secret).Build();
        var state = new State(authorization, app);
        var loaded = false;
        app.UserTokenCache.SetBeforeAccess(args =>
        {
            if (!loaded && authorization.TokenCache is { } bytes)
            {
                args.TokenCache.DeserializeMsalV3(bytes);
            }

            loaded = true;
        });
        app.UserTokenCache.SetAfterAccessAsync(args => args.HasStateChanged
            ? SaveIfCurrentAsync(state, current => current with { TokenCache = args.TokenCache.SerializeMsalV3(), LastRefreshAt = _time.GetUtcNow(), Problem = null }, args.CancellationToken)
            : Task.CompletedTask);
        return state;
    }

    private static string Capitalized(string text) => char.ToUpperInvariant(text[0]) + text[1..];

    private sealed record State(StoredAuthorization? Authorization, IConfidentialClientApplication? App)
    {
        public static readonly State None = new(null, null);
    }
}
