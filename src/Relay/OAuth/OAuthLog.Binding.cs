namespace Relay.OAuth;

internal static partial class OAuthLog
{
    [LoggerMessage(5101, LogLevel.Warning, "Authorization refused: the state was presented by someone other than who started the flow ({Starter})")]
    public static partial void ForeignCaller(ILogger logger, string starter);

    [LoggerMessage(5102, LogLevel.Information, "Authorization for {Account} would replace {Current}: waiting for the operator's confirmation")]
    public static partial void ReplacementAwaitingConfirmation(ILogger logger, string account, string current);

    [LoggerMessage(5103, LogLevel.Warning, "{Account} replaced {Previous}; the replaced authorization was revoked at Google")]
    public static partial void ReplacedAndRevoked(ILogger logger, string account, string previous);

    [LoggerMessage(5104, LogLevel.Error, "{Account} replaced {Previous}, but Google did not revoke the replaced authorization: remove the app's access at https://myaccount.google.com/permissions signed in as the replaced account")]
    public static partial void ReplacedRevokeFailed(ILogger logger, string account, string previous, Exception? exception);

    [LoggerMessage(5105, LogLevel.Information, "The authorization for {Account} was not used (not confirmed) and was revoked at Google")]
    public static partial void UnusedRevoked(ILogger logger, string account);

    [LoggerMessage(5106, LogLevel.Warning, "{Account} replaced {Previous}; the replaced authorization was forgotten. Microsoft has no revocation for an app: remove its consent at https://myapps.microsoft.com (or https://account.live.com/consent/Manage) signed in as the replaced account")]
    public static partial void ReplacedAndForgotten(ILogger logger, string account, string previous);
}
