namespace Relay.Outbound.GmailApi;

internal static partial class GmailApiLog
{
    [LoggerMessage(4101, LogLevel.Warning, "The Gmail API refused the access token of {Account} ({Status}); refreshing it and trying once more")]
    public static partial void TokenRejected(ILogger logger, string account, int status);

    [LoggerMessage(4102, LogLevel.Debug, "The Gmail API took a message of {Size} bytes from {Account} ({UploadType} upload): id {GmailId}")]
    public static partial void Sent(ILogger logger, string account, long size, string uploadType, string gmailId);

    public static void Refused(ILogger logger, string account, string answer) => RefusedCore(logger, account, ClientText.Clean(answer));

    [LoggerMessage(4103, LogLevel.Debug, "The Gmail API did not take the message from {Account}: {Answer}")]
    private static partial void RefusedCore(ILogger logger, string account, string answer);
}
