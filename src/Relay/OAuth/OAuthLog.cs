namespace Relay.OAuth;

internal static partial class OAuthLog
{
    [LoggerMessage(5001, LogLevel.Information, "Access token for {Account} refreshed, valid for {ExpiresInSeconds} s")]
    public static partial void AccessTokenRefreshed(ILogger logger, string account, long? expiresInSeconds);
}
