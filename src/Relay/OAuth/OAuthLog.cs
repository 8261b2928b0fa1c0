namespace Relay.OAuth;

internal static partial class OAuthLog
{
    [LoggerMessage(5001, LogLevel.Information, "Access token for {Account} refreshed, valid for {ExpiresInSeconds} s")]
    public static partial void AccessTokenRefreshed(ILogger logger, string account, long? expiresInSeconds);

    [LoggerMessage(5002, LogLevel.Warning, "Generated a new encryption key at {KeyPath}; it encrypts the stored tokens (Google and Microsoft). Keep it apart from the data folder and its backups " +
        "(a Docker secret or another volume, then set Relay:Secrets:KeyFile), and keep a copy: without it the account must be authorized again.")]
    public static partial void KeyGenerated(ILogger logger, string keyPath);

    [LoggerMessage(5003, LogLevel.Error, "The stored authorization at {StorePath} cannot be read ({Reason}): was the encryption key (Relay:Secrets:KeyFile) changed? Authorize the account again.")]
    public static partial void StoreUnreadable(ILogger logger, string storePath, string reason);

    [LoggerMessage(5004, LogLevel.Information, "{Account} is authorized; delivery uses it from now on")]
    public static partial void Authorized(ILogger logger, string account);

    [LoggerMessage(5005, LogLevel.Warning, "The authorization of {Account} was revoked at Google and forgotten; nothing is delivered until an account is authorized again")]
    public static partial void Revoked(ILogger logger, string account);

    [LoggerMessage(5006, LogLevel.Information, "Authorization completed for {Account}")]
    public static partial void AuthorizationCompleted(ILogger logger, string account);

    /// <summary>The reason may quote the callback's query (error, state), which anyone can send: cleaned of control characters.</summary>
    public static void AuthorizationFailed(ILogger logger, string reason) => AuthorizationFailedCore(logger, ClientText.Clean(reason));

    [LoggerMessage(5007, LogLevel.Warning, "Authorization failed: {Reason}")]
    private static partial void AuthorizationFailedCore(ILogger logger, string reason);

    [LoggerMessage(5008, LogLevel.Warning, "{Warning}")]
    public static partial void TestingWarning(ILogger logger, string warning);

    [LoggerMessage(5009, LogLevel.Information, "Keep-alive refresh of {Account} done (Google drops refresh tokens left unused for six months)")]
    public static partial void KeepAlive(ILogger logger, string account);

    [LoggerMessage(5010, LogLevel.Warning, "Keep-alive refresh of {Account} failed: {Reason}")]
    public static partial void KeepAliveFailed(ILogger logger, string account, string reason);

    [LoggerMessage(5011, LogLevel.Information, "Using the service account {ServiceAccount} to send as {Account} (domain-wide delegation)")]
    public static partial void ServiceAccount(ILogger logger, string serviceAccount, string account);

    [LoggerMessage(5012, LogLevel.Warning, "The authorization of {Account} was forgotten (Microsoft has no revocation for an app: the consent stays until removed in My Apps or at account.live.com/consent/Manage); nothing is delivered until an account is authorized again")]
    public static partial void Forgotten(ILogger logger, string account);
}
