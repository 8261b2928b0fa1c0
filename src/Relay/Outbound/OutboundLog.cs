namespace Relay.Outbound;

internal static partial class OutboundLog
{
    // Replies and Message-IDs may quote what a client sent: cleaned of control characters (ClientText) before they are logged.
    public static void Delivered(ILogger logger, string spoolId, string? messageId, long size, int recipientCount, string account, string fromAction, string upstreamReply) =>
        DeliveredCore(logger, spoolId, ClientText.CleanOrNull(messageId), size, recipientCount, account, fromAction, ClientText.Clean(upstreamReply));

    public static void Deferred(ILogger logger, string spoolId, int attempts, DateTimeOffset nextAttemptAt, string reason) =>
        DeferredCore(logger, spoolId, attempts, nextAttemptAt, ClientText.Clean(reason));

    public static void Rejected(ILogger logger, string spoolId, string reason) =>
        RejectedCore(logger, spoolId, ClientText.Clean(reason));

    public static void Expired(ILogger logger, string spoolId, int attempts, TimeSpan age, string reason) =>
        ExpiredCore(logger, spoolId, attempts, age, ClientText.Clean(reason));

    public static void RecipientsSplit(ILogger logger, string spoolId, int refusedCount, string disposition, string splitId, string reason) =>
        RecipientsSplitCore(logger, spoolId, refusedCount, disposition, splitId, ClientText.Clean(reason));

    [LoggerMessage(4001, LogLevel.Information, "Delivered {SpoolId} (Message-ID {MessageId}, {Size} bytes, {RecipientCount} recipient(s)) as {Account}, From {FromAction}: {UpstreamReply}")]
    private static partial void DeliveredCore(ILogger logger, string spoolId, string? messageId, long size, int recipientCount, string account, string fromAction, string upstreamReply);

    [LoggerMessage(4002, LogLevel.Warning, "Deferred {SpoolId} after attempt {Attempts}, next attempt at {NextAttemptAt:u}: {Reason}")]
    private static partial void DeferredCore(ILogger logger, string spoolId, int attempts, DateTimeOffset nextAttemptAt, string reason);

    [LoggerMessage(4003, LogLevel.Error, "Rejected {SpoolId} permanently, moved to the dead-letter folder: {Reason}")]
    private static partial void RejectedCore(ILogger logger, string spoolId, string reason);

    [LoggerMessage(4004, LogLevel.Error, "Delivery is on hold: {Reason} Mail keeps being accepted and spooled; nothing is lost. " +
        "To fix it, {Remedy}. The next try is at {NextTryAt:u}.")]
    public static partial void HeldForAuthorization(ILogger logger, string reason, string remedy, DateTimeOffset nextTryAt);

    [LoggerMessage(4005, LogLevel.Warning, "The upstream refused the access token of {Account} ({UpstreamReply}; challenge {ChallengeJson}); refreshing it and trying once more")]
    public static partial void TokenRejected(ILogger logger, string account, string challengeJson, string upstreamReply);

    [LoggerMessage(4006, LogLevel.Debug, "Upstream connection no longer usable ({Reason}); reconnecting")]
    public static partial void ConnectionStale(ILogger logger, string reason);

    [LoggerMessage(4007, LogLevel.Warning, "No Google account is authorized yet, so nothing is delivered: mail is accepted and kept in the spool until one is. " +
        "Authorize one on the web page (the link is in this log), with 'relay authorize', or give Relay:Account:Address and Relay:Google:RefreshToken.")]
    public static partial void NoAccount(ILogger logger);

    [LoggerMessage(4017, LogLevel.Warning, "No {Provider} account is authorized yet for the relay's account {RelayAccount}, so nothing is delivered for it: its mail is accepted and kept in the spool until one is. " +
        "Authorize it on the web page (the link is in this log) or with 'relay authorize --account {RelayAccount}'.")]
    public static partial void NoAccountFor(ILogger logger, string provider, string relayAccount);

    [LoggerMessage(4008, LogLevel.Information, "Delivering as {Account} (the relay's account {RelayAccount}) through {Transport} with {Concurrency} loop(s)")]
    public static partial void Started(ILogger logger, string relayAccount, string account, string transport, int concurrency);

    [LoggerMessage(4016, LogLevel.Warning, "{Count} queued message(s) go out as the account {RelayAccount}, which is not configured: they wait, and go to the dead letters once older than Relay:Outbound:MaxAge. Add the account back to Relay:Accounts, or delete them with 'relay queue delete'")]
    public static partial void AccountMissing(ILogger logger, int count, string relayAccount);

    [LoggerMessage(4009, LogLevel.Error, "The outcome of {SpoolId} could not be written to the spool ({Reason}); it stays queued as it was")]
    public static partial void RecordFailed(ILogger logger, string spoolId, string reason);

    [LoggerMessage(4010, LogLevel.Warning, "Delivery is on hold: the sending limit for {Account} is reached ({Reason}). Mail keeps being accepted and spooled; " +
        "delivery resumes by itself when the limit's window frees (up to 24 h). The next try is at {NextTryAt:u}.")]
    public static partial void HeldForQuota(ILogger logger, string account, string reason, DateTimeOffset nextTryAt);

    [LoggerMessage(4011, LogLevel.Information, "Delivery resumes: the hold for {HoldReason} that began at {HeldSince:u} is over")]
    public static partial void HoldEnded(ILogger logger, string holdReason, DateTimeOffset heldSince);

    [LoggerMessage(4012, LogLevel.Error, "Gave up on {SpoolId} after {Attempts} attempt(s) over {Age}; moved to the dead-letter folder. Last error: {Reason}")]
    private static partial void ExpiredCore(ILogger logger, string spoolId, int attempts, TimeSpan age, string reason);

    [LoggerMessage(4013, LogLevel.Warning, "{SpoolId}: the upstream refused {RefusedCount} recipient(s) and took the others; the refused ones were {Disposition} as {SplitId}: {Reason}")]
    private static partial void RecipientsSplitCore(ILogger logger, string spoolId, int refusedCount, string disposition, string splitId, string reason);

    [LoggerMessage(4014, LogLevel.Warning, "The quota counters could not be saved ({Reason}); they stay counted in memory")]
    public static partial void QuotaNotSaved(ILogger logger, string reason);

    public static void PartsReencoded(ILogger logger, string spoolId, string changes) => PartsReencodedCore(logger, spoolId, ClientText.Clean(changes));

    [LoggerMessage(4015, LogLevel.Warning, "{SpoolId}: the upstream cannot carry part of this message as received, so that part alone was changed: {Changes}")]
    private static partial void PartsReencodedCore(ILogger logger, string spoolId, string changes);
}
