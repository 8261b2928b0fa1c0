using Microsoft.Extensions.Options;
using Relay.Accounts;
using Relay.Spool;

namespace Relay.Outbound;

/// <summary>
/// Writes down what an attempt came to: the message leaves the queue (delivered, or dead with the reason), waits for
/// its next attempt, or goes back untouched behind a hold of its account's messages. An outcome is always recorded, even
/// while stopping; when the spool cannot be written, the entry stays as it was on disk and is tried again.
/// </summary>
internal sealed class OutcomeRecorder(
    FileSpool spool,
    RetrySchedule retry,
    DeliveryEvents events,
    IOptions<OutboundOptions> outbound,
    TimeProvider time,
    ILogger<OutcomeRecorder> logger)
{
    public async Task RecordAsync(RelayAccount account, string sender, SpoolEntry entry, DeliveryOutcome outcome)
    {
        var gate = account.Gate;
        var cancellationToken = CancellationToken.None;
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
                    var next = retry.NextAttempt(entry.Attempts + 1);
                    if (outcome.RetryAfter is { } wait && time.GetUtcNow() + wait > next)
                    {
                        next = time.GetUtcNow() + wait; // never sooner than the upstream asked
                    }

                    var deferred = await spool.DeferAsync(entry, next, outcome.Reply, cancellationToken);
                    OutboundLog.Deferred(logger, entry.Id, deferred.Attempts, deferred.NextAttemptAt, outcome.Reply);
                    break;
                case DeliveryResult.Rejected:
                    await spool.DeadLetterAsync(entry, outcome.Reply, cancellationToken);
                    OutboundLog.Rejected(logger, entry.Id, outcome.Reply);
                    break;
                case DeliveryResult.NeedsAuthorization:
                    gate.Hold(HoldReason.Authorization, outcome.Reply, sender, remedy: outcome.Remedy ?? account.Tokens.Remedy);
                    spool.Release(entry); // after the hold: a worker already waiting for a message must not try it again at once
                    break;
                case DeliveryResult.QuotaReached:
                    gate.Hold(HoldReason.Quota, outcome.Reply, sender, until: outcome.RetryAfter is { } after ? time.GetUtcNow() + after : null);
                    spool.Release(entry);
                    break;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
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
