using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Responses;
using Relay.Accounts;

namespace Relay.OAuth;

/// <summary>
/// Google Workspace without a browser: a service account with domain-wide delegation acts as
/// the account's address (JWT bearer grant at the key's <c>token_uri</c>). No consent, no 7-day Testing limit.
/// </summary>
internal sealed class ServiceAccountTokenSource : IAccessTokenSource
{
    private readonly Lazy<ServiceAccountCredential> _credential;
    private readonly TimeProvider _time;
    private readonly ILogger<ServiceAccountTokenSource> _logger;
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private DateTimeOffset? _lastRefresh;
    private string? _problem;

    private readonly string _scope;
    private readonly string _keySetting;

    public ServiceAccountTokenSource(Account account, TimeProvider time, ILogger<ServiceAccountTokenSource> logger)
    {
        _time = time;
        _logger = logger;
        Account = account.Address!;
        _scope = account.Scope;
        _keySetting = account.IsDefaultName ? "Relay:Google:ServiceAccountKeyFile" : $"ServiceAccountKeyFile of the account {account.Name} in Relay:Accounts";
        var keyFile = account.ServiceAccountKeyFile!;
        _credential = new(() =>
        {
            var key = CredentialFactory.FromFile<ServiceAccountCredential>(keyFile);
            var credential = (ServiceAccountCredential)key.ToGoogleCredential().CreateWithUser(Account).CreateScoped(_scope).UnderlyingCredential;
            OAuthLog.ServiceAccount(logger, credential.Id, Account);
            return credential;
        });
    }

    /// <summary>Reads the key file, once (<see cref="StartupSequence"/>); the first use reads it otherwise.</summary>
    public void Load() => _ = _credential.Value;

    public string Account { get; }

    private ServiceAccountCredential Credential => _credential.Value;

    string? IAccessTokenSource.Account => Account;

    public event Action? Changed
    {
        add { }
        remove { }
    }

    public string Remedy =>
        $"check the service account key ({_keySetting}) and that the Workspace admin allows its client ID the scope {_scope} " +
        $"for {Account} (Admin console: Security > Access and data control > API controls > Domain-wide delegation)";

    public TokenStatus Status => new(
        Account,
        "service account " + Credential.Id,
        null,
        _lastRefresh,
        Credential.Token is { } token ? new DateTimeOffset(token.IssuedUtc, TimeSpan.Zero).AddSeconds(token.ExpiresInSeconds ?? 0) : null,
        _problem);

    public async Task<string> GetAccessTokenAsync(CancellationToken cancellationToken)
    {
        try
        {
            var before = Credential.Token?.AccessToken;
            var token = await Credential.GetAccessTokenForRequestAsync(cancellationToken: cancellationToken);
            Note(before, token);
            return token;
        }
        catch (TokenResponseException ex)
        {
            throw Refused(ex);
        }
    }

    public bool Authorizable => false;

    public Task<string> RefreshNowAsync(CancellationToken cancellationToken) => RefreshRejectedAsync(Credential.Token?.AccessToken ?? "", cancellationToken);

    public Task RevokeAsync(CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"{Account} sends with a service account given in configuration: remove its key from the configuration, or its client ID from the Workspace admin console's domain-wide delegation, to stop it.");

    public async Task<string> RefreshRejectedAsync(string rejectedToken, CancellationToken cancellationToken)
    {
        await _refreshGate.WaitAsync(cancellationToken);
        try
        {
            if (Credential.Token?.AccessToken is { } current && current != rejectedToken)
            {
                return current;
            }

            await Credential.RequestAccessTokenAsync(cancellationToken);
            Note(rejectedToken, Credential.Token!.AccessToken);
            return Credential.Token.AccessToken;
        }
        catch (TokenResponseException ex)
        {
            throw Refused(ex);
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    private void Note(string? before, string token)
    {
        _problem = null;
        if (before != token)
        {
            _lastRefresh = _time.GetUtcNow();
            OAuthLog.AccessTokenRefreshed(_logger, Account, Credential.Token?.ExpiresInSeconds);
        }
    }

    private Exception Refused(TokenResponseException ex)
    {
        var described = ex.Error?.Error is "unauthorized_client" or "access_denied" or "invalid_grant"
            ? new AuthorizationRequiredException(
                $"Google refused the service account {Credential.Id} for {Account} ({ex.Error.Error}: {ex.Error.ErrorDescription}). In the Google Workspace admin console " +
                $"(Security → API controls → Domain-wide delegation), authorize its client ID for {_scope}, and check that the account exists in that domain.")
            : GoogleAccessTokenSource.Describe(ex);
        _problem = described is AuthorizationRequiredException ? described.Message : null;
        return described;
    }
}
