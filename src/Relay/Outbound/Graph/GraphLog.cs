namespace Relay.Outbound.Graph;

internal static partial class GraphLog
{
    [LoggerMessage(4201, LogLevel.Warning, "Microsoft Graph refused the access token of {Account} ({Status}); refreshing it and trying once more")]
    public static partial void TokenRejected(ILogger logger, string account, int status);

    public static void Accepted(ILogger logger, string spoolId, string? messageId, long size, int recipientCount, string account, string fromAction, int status) =>
        AcceptedCore(logger, spoolId, ClientText.CleanOrNull(messageId), size, recipientCount, account, fromAction, status);

    [LoggerMessage(4202, LogLevel.Information, "Sent {SpoolId} (Message-ID {MessageId}, {Size} bytes, {RecipientCount} recipient(s)) as {Account}, From {FromAction}: " +
        "accepted by Microsoft Graph ({Status}); Graph reports no delivery, a failure comes back later as a bounce to the mailbox")]
    private static partial void AcceptedCore(ILogger logger, string spoolId, string? messageId, long size, int recipientCount, string account, string fromAction, int status);

    public static void Refused(ILogger logger, string account, string answer) => RefusedCore(logger, account, ClientText.Clean(answer));

    [LoggerMessage(4203, LogLevel.Debug, "Microsoft Graph did not take the message from {Account}: {Answer}")]
    private static partial void RefusedCore(ILogger logger, string account, string answer);

    [LoggerMessage(4204, LogLevel.Information, "{SpoolId} is {Size} bytes, over Microsoft Graph's {Limit} (a 4 MB request): it goes by SMTP as {Account} (LargeMessagesBySmtp)")]
    public static partial void LargeBySmtp(ILogger logger, string spoolId, long size, long limit, string account);
}
