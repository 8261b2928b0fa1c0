using Microsoft.Extensions.Options;
using MimeKit;
using Relay.OAuth;
using Relay.Rewrite;
using Relay.Spool;

namespace Relay.Outbound;

/// <summary>
/// Takes due messages from the spool, rewrites them and sends them upstream, <see cref="OutboundOptions.Concurrency"/>
/// at a time, each loop on its own reused connection; then records the outcome in the spool. Every outcome is a
/// value (see <see cref="DeliveryClassifier"/>): one bad message never stops a loop.
/// </summary>
internal sealed class DeliveryWorker(
    FileSpool spool,
    IAccessTokenSource tokens,
    RetrySchedule retry,
    DeliveryGate gate,
    QuotaGuard quota,
    DeliveryEvents events,
    IOptions<OutboundOptions> outbound,
    IOptions<AccountOptions> account,
    IOptions<RewriteOptions> rewrite,
    TimeProvider time,
    IServiceProvider services,
    ILogger<DeliveryWorker> logger) : BackgroundService
{
    /// <summary>On shutdown, how long a message already being sent may take to finish before it is cut off (and sent again after the restart).</summary>
    public static readonly TimeSpan InFlightGrace = TimeSpan.FromSeconds(20);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A new authorization ends a hold at once, and is what the worker waits for when there is no account yet.
        var accountChanged = new SemaphoreSlim(0);
        tokens.Changed += () =>
        {
            gate.Open();
            accountChanged.Release();
        };
        while (tokens.Account is null)
        {
            OutboundLog.NoAccount(logger);
            try
            {
                await accountChanged.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        var options = outbound.Value;
        OutboundLog.Started(logger, tokens.Account, options.Host, options.Port, options.Concurrency);

        // Stopping ends the taking of new messages at once; messages already being sent get InFlightGrace to finish,
        // so that a "docker stop" does not cut a message Gmail may already have, which would then go out twice.
        using var sendAbort = new CancellationTokenSource();
        await using var _ = stoppingToken.Register(() => sendAbort.CancelAfter(InFlightGrace));
        await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(_ => RunLoopAsync(stoppingToken, sendAbort.Token)));
        await SaveQuotaAsync(force: true);
    }

    private async Task RunLoopAsync(CancellationToken stoppingToken, CancellationToken sendAbort)
    {
        await Task.Yield();
        await using var connection = ActivatorUtilities.CreateInstance<GmailConnection>(services);
        while (!stoppingToken.IsCancellationRequested)
        {
            SpoolEntry entry;
            try
            {
                var pass = await gate.WaitAsync(stoppingToken);
                entry = await spool.LeaseAsync(stoppingToken);
                if (!gate.StillOpenFor(pass))
                {
                    // Another worker's outcome held the queue while this one waited for a message: no attempt now.
                    spool.Release(entry);
                    continue;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            // Read per message: the account may be authorized again, replaced or revoked while the relay runs.
            if (tokens.Account is not { } sender)
            {
                await RecordAsync("(no account)", entry, DeliveryOutcome.NeedsAuthorization("No Google account is authorized."));
                continue;
            }

            if (quota.TryReserve(entry.Recipients.Count, out var reservation) is { } freesAt)
            {
                var (messages, recipients, messageLimit, recipientLimit) = quota.Usage;
                gate.Hold(HoldReason.Quota, $"{messages}/{messageLimit} messages and {recipients}/{recipientLimit} recipients in the last 24 hours (Relay:Quota)", sender, freesAt);
                spool.Release(entry); // after the hold, so no worker takes it back before the hold is seen
                continue;
            }

            DeliveryOutcome outcome;
            try
            {
                outcome = await DeliverAsync(connection, sender, entry, sendAbort);
            }
            catch (OperationCanceledException) when (sendAbort.IsCancellationRequested)
            {
                // Cut off at shutdown: give it back unattempted; it goes out after the restart.
                quota.Cancel(reservation);
                spool.Release(entry);
                return;
            }

            if (outcome.Result is DeliveryResult.Delivered or DeliveryResult.PartiallyDelivered)
            {
                await SaveQuotaAsync(force: false);
            }
            else
            {
                quota.Cancel(reservation);
            }

            await RecordAsync(sender, entry, outcome);
        }
    }

    private async Task SaveQuotaAsync(bool force)
    {
        try
        {
            await quota.SaveAsync(force, CancellationToken.None);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The counters stay right in memory; only a restart would forget the last ones. Gmail's own 550 5.4.5 still holds the queue.
            OutboundLog.QuotaNotSaved(logger, ex.Message);
        }
    }

    private async Task<DeliveryOutcome> DeliverAsync(GmailConnection connection, string sender, SpoolEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            byte[] raw;
            await using (var stream = spool.OpenMessage(entry))
            {
                raw = new byte[stream.Length];
                await stream.ReadExactlyAsync(raw, cancellationToken);
            }

            var (reply, refused, rewritten, changes, messageId) = await connection.SendAsync(
                raw, message => FromRewriter.Rewrite(message, sender, account.Value.Aliases, rewrite.Value.AddReplyTo), entry.Recipients, cancellationToken);
            if (changes.Count > 0)
            {
                OutboundLog.PartsReencoded(logger, entry.Id, string.Join("; ", changes));
            }

            var fromAction = rewritten.FromRewritten ? $"rewritten from {rewritten.OriginalFrom?.Address}" : "kept";
            OutboundLog.Delivered(logger, entry.Id, messageId, entry.Size, entry.Recipients.Count - refused.Count, sender, fromAction, DeliveryClassifier.OneLine(reply));
            return DeliveryOutcome.Delivered(reply, refused);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return DeliveryClassifier.Classify(ex);
        }
    }

    private async Task RecordAsync(string sender, SpoolEntry entry, DeliveryOutcome outcome)
    {
        var cancellationToken = CancellationToken.None; // an outcome is always written down, even while stopping
        try
        {
            switch (outcome.Result)
            {
                case DeliveryResult.Delivered:
                    gate.Open();
                    await spool.CompleteAsync(entry, outcome.Reply, cancellationToken);
                    break;
                case DeliveryResult.PartiallyDelivered:
                    gate.Open();
                    await SplitRefusedAsync(entry, outcome.Refused, cancellationToken);
                    await spool.CompleteAsync(entry, outcome.Reply, cancellationToken);
                    break;
                case DeliveryResult.Deferred when time.GetUtcNow() - entry.QueuedAt >= outbound.Value.MaxAge:
                    var expired = await spool.DeadLetterAsync(entry, $"Expired after {outbound.Value.MaxAge.TotalDays:0.#} day(s) in the queue; last error: {outcome.Reply}", cancellationToken);
                    OutboundLog.Expired(logger, entry.Id, expired.Attempts, time.GetUtcNow() - entry.QueuedAt, outcome.Reply);
                    break;
                case DeliveryResult.Deferred:
                    var deferred = await spool.DeferAsync(entry, retry.NextAttempt(entry.Attempts + 1), outcome.Reply, cancellationToken);
                    OutboundLog.Deferred(logger, entry.Id, deferred.Attempts, deferred.NextAttemptAt, outcome.Reply);
                    break;
                case DeliveryResult.Rejected:
                    await spool.DeadLetterAsync(entry, outcome.Reply, cancellationToken);
                    OutboundLog.Rejected(logger, entry.Id, outcome.Reply);
                    break;
                case DeliveryResult.NeedsAuthorization:
                    gate.Hold(HoldReason.Authorization, outcome.Reply, sender, remedy: tokens.Remedy);
                    spool.Release(entry); // after the hold: a worker already waiting for a message must not try it again at once
                    break;
                case DeliveryResult.QuotaReached:
                    gate.Hold(HoldReason.Quota, outcome.Reply, sender);
                    spool.Release(entry);
                    break;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The outcome could not be written: keep the entry as it was on disk and try again later.
            OutboundLog.RecordFailed(logger, entry.Id, ex.Message);
            spool.Release(entry);
        }

        events.Publish(entry, outcome);
    }

    /// <summary>Recipients refused while others took the message: a dead letter for the permanent refusals, a new queued entry for the temporary ones.</summary>
    private async Task SplitRefusedAsync(SpoolEntry entry, IReadOnlyList<RecipientRefusal> refused, CancellationToken cancellationToken)
    {
        foreach (var group in refused.GroupBy(refusal => refusal.IsPermanent))
        {
            var reason = string.Join("; ", group);
            var recipients = group.Select(refusal => refusal.Address).ToList();
            if (group.Key)
            {
                var dead = await spool.SplitAsync(entry, recipients, SpoolState.Dead, time.GetUtcNow(), reason, cancellationToken);
                OutboundLog.RecipientsSplit(logger, entry.Id, recipients.Count, "moved to the dead-letter folder", dead.Id, reason);
            }
            else
            {
                var queued = await spool.SplitAsync(entry, recipients, SpoolState.Deferred, retry.NextAttempt(entry.Attempts + 1), reason, cancellationToken);
                OutboundLog.RecipientsSplit(logger, entry.Id, recipients.Count, "queued again", queued.Id, reason);
            }
        }
    }
}
