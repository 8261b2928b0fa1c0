using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Identity.Client;
using Relay.Accounts;

namespace Relay.OAuth.Microsoft;

/// <summary>
/// A Microsoft account that sends with the app's own credentials (<see cref="Account.AppOnly"/>): client credentials
/// with the client secret or a certificate (PEM with its key, or PKCS#12), scope <c>.default</c> of the transport's
/// resource. No person's consent (an administrator grants the application permission), nothing to authorize or revoke;
/// it sends as the configured Address. MSAL keeps the token in memory and refreshes it before expiry.
/// </summary>
internal sealed class MicrosoftAppOnlyTokenSource : IAccessTokenSource
{
    private readonly Account _settings;
    private readonly string _scope;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lazy<(IConfidentialClientApplication? App, string Credential, string? Problem)> _app;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DateTimeOffset? _lastRefresh;
    private DateTimeOffset? _expiresAt;
    private string? _problem;

    public MicrosoftAppOnlyTokenSource(Account account, string scope, MicrosoftOptions options, IMsalHttpClientFactory http, TimeProvider time, ILogger logger)
        : this(account, scope, new(() => Build(account, options, http)), time, logger)
    {
    }

    private MicrosoftAppOnlyTokenSource(
        Account account, string scope, Lazy<(IConfidentialClientApplication? App, string Credential, string? Problem)> app, TimeProvider time, ILogger logger)
    {
        _settings = account;
        _scope = scope;
        _time = time;
        _logger = logger;
        _app = app;
    }

    /// <summary>The same app (one credential read, one MSAL app and its token cache) for another resource's scope.</summary>
    public MicrosoftAppOnlyTokenSource ForScope(string scope) => new(_settings, scope, _app, _time, _logger);

    public string Account => _settings.Address!;

    string? IAccessTokenSource.Account => Account;

    public event Action? Changed
    {
        add { }
        remove { }
    }

    public bool Authorizable => false;

    /// <summary>Reads the certificate, once (<see cref="StartupSequence"/>); the first use reads it otherwise.</summary>
    public void Load() => _ = _app.Value;

    public TokenStatus Status => new(Account, "app-only, " + _app.Value.Credential, null, _lastRefresh, _expiresAt, _app.Value.Problem ?? _problem);

    public string Remedy =>
        $"check the app registration of account '{_settings.Name}': its {(_settings.CertificateFile is null ? "client secret" : "certificate")} " +
        $"(Entra ID → App registrations → Certificates & secrets), and that an administrator granted the application permission " +
        $"{(_settings.Transport == AccountTransport.Graph ? "Mail.Send (Microsoft Graph)" : "SMTP.SendAsApp (Office 365 Exchange Online)")} with admin consent";

    public Task<string> GetAccessTokenAsync(CancellationToken cancellationToken) => TokenAsync(false, null, cancellationToken);

    public Task<string> RefreshRejectedAsync(string rejectedToken, CancellationToken cancellationToken) => TokenAsync(false, rejectedToken, cancellationToken);

    public Task<string> RefreshNowAsync(CancellationToken cancellationToken) => TokenAsync(true, null, cancellationToken);

    public Task RevokeAsync(CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"{Account} sends with the app's own credentials given in configuration (AppOnly): remove them from the configuration, " +
                                            "or the application permission in Entra ID, to stop it.");

    private async Task<string> TokenAsync(bool force, string? rejected, CancellationToken cancellationToken)
    {
        var (app, _, problem) = _app.Value;
        if (app is null)
        {
            throw new AuthorizationRequiredException(problem!);
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var result = await MsalApps.AcquireAsync(forced => app.AcquireTokenForClient([_scope]).WithForceRefresh(forced).ExecuteAsync(cancellationToken), force, rejected);

            _problem = null;
            _expiresAt = result.ExpiresOn;
            if (result.AuthenticationResultMetadata?.TokenSource == TokenSource.IdentityProvider)
            {
                _lastRefresh = _time.GetUtcNow();
                OAuthLog.AccessTokenRefreshed(_logger, Account, (long)(result.ExpiresOn - _time.GetUtcNow()).TotalSeconds);
            }

            return result.AccessToken;
        }
        catch (MsalServiceException ex) when (ex.ErrorCode is "invalid_client" or "unauthorized_client" or "invalid_scope" or "invalid_grant" or "invalid_request")
        {
            _problem = $"Microsoft refused the app's credentials for {Account} ({MsalApps.Reason(ex)}): {Remedy}.";
            throw new AuthorizationRequiredException(_problem);
        }
        catch (Exception ex) when (ex is MsalException or HttpRequestException)
        {
            throw MsalApps.Failed("Token request", ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static (IConfidentialClientApplication?, string, string?) Build(Account account, MicrosoftOptions options, IMsalHttpClientFactory http)
    {
        var builder = MsalApps.Builder(options, account, account.ClientId!, http);
        if (account.CertificateFile is not { } file)
        {
            return (builder.WithClientSecret(account.ClientSecret!).Build(), "client secret", null);
        }

        try
        {
            var certificate = LoadCertificate(file);
            return (builder.WithCertificate(certificate, sendX5C: true).Build(), $"certificate {certificate.Thumbprint}", null);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (null, "certificate", $"The certificate file {file} of account '{account.Name}' cannot be used ({ex.Message}). Give a PEM file with the certificate " +
                                         "and its unencrypted private key, or a PKCS#12 (.pfx) file without password, whose certificate is uploaded to the app registration.");
        }
    }

    /// <summary>A PEM file (certificate and private key) or a PKCS#12 file without password; either must hold the private key.</summary>
    internal static X509Certificate2 LoadCertificate(string file)
    {
        var bytes = File.ReadAllBytes(file);
        var certificate = System.Text.Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 64)).Contains("-----BEGIN", StringComparison.Ordinal)
            && System.Text.Encoding.ASCII.GetString(bytes) is var pem
                ? X509Certificate2.CreateFromPem(pem, pem) // the certificate and its key, from the one file
                : X509CertificateLoader.LoadPkcs12(bytes, null);
        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new CryptographicException("it holds no private key");
        }

        return certificate;
    }
}
