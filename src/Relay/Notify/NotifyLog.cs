namespace Relay.Notify;

internal static partial class NotifyLog
{
    [LoggerMessage(8001, LogLevel.Information, "Notifications on: e-mail to {To}, webhook to {WebhookHost}, held delivery told after {HeldAfter}")]
    public static partial void Started(ILogger logger, string to, string webhookHost, TimeSpan heldAfter);

    [LoggerMessage(8002, LogLevel.Information, "Telling the operator: {Kind}: {Subject}")]
    public static partial void Notifying(ILogger logger, NotificationKind kind, string subject);

    [LoggerMessage(8003, LogLevel.Information, "Notification e-mail {SpoolId} ({Kind}) queued for {To}")]
    public static partial void MailQueued(ILogger logger, string spoolId, NotificationKind kind, string to);

    [LoggerMessage(8004, LogLevel.Warning, "Notification e-mail ({Kind}) not sent: there is no account to send it from. Set Relay:Account:Address or authorize an account; " +
        "the webhook (Relay:Notify:WebhookUrl) works without one")]
    public static partial void NoSender(ILogger logger, NotificationKind kind);

    [LoggerMessage(8005, LogLevel.Warning, "Notification e-mail ({Kind}) could not be queued: {Reason}")]
    public static partial void MailNotQueued(ILogger logger, NotificationKind kind, string reason);

    [LoggerMessage(8006, LogLevel.Information, "The notification e-mail {SpoolId} was not delivered ({Result}: {Reply}); notifications never notify about themselves, see the queue")]
    public static partial void NotificationFailed(ILogger logger, string spoolId, string result, string reply);

    [LoggerMessage(8007, LogLevel.Debug, "Webhook POST of {Kind} to {WebhookHost} failed, attempt {Attempt} of {Attempts}: {Reason}")]
    public static partial void WebhookRetry(ILogger logger, NotificationKind kind, string webhookHost, int attempt, int attempts, string reason);

    [LoggerMessage(8008, LogLevel.Information, "Webhook POST of {Kind} to {WebhookHost} done (attempt {Attempt})")]
    public static partial void WebhookSent(ILogger logger, NotificationKind kind, string webhookHost, int attempt);

    [LoggerMessage(8009, LogLevel.Warning, "Webhook notification {Kind} to {WebhookHost} given up after {Attempts} attempt(s): {Reason}")]
    public static partial void WebhookGivenUp(ILogger logger, NotificationKind kind, string webhookHost, int attempts, string reason);

    [LoggerMessage(8010, LogLevel.Warning, "Webhook queue full ({Capacity} waiting): the oldest notification was dropped")]
    public static partial void WebhookQueueFull(ILogger logger, int capacity);
}
