using Microsoft.Extensions.Options;
using MimeKit;
using Relay.OAuth;
using Relay.Rewrite;
using Relay.Spool;

namespace Relay.Outbound;

/// <summary>
/// Takes due messages from the spool, rewrites them and sends them upstream, <see cref="OutboundOptions.Concurrency"/>
/// at a time, each loop on its own reused connection; then records the outcome in the spool.
/// </summary>
internal sealed class DeliveryWorker(
    FileSpool spool,
    IAccessTokenSource tokens,
    RetrySchedule retry,
    DeliveryEvents events,
    IOptions<OutboundOptions> outbound,
    IOptions<AccountOptions> account,
    IOptions<RewriteOptions> rewrite,
    TimeProvider time,
    IServiceProvider services,
    ILogger<DeliveryWorker> logger) : BackgroundService
{
    private long _heldUntilTicks;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (tokens.Account is not { } sender)
        {
            OutboundLog.NoAccount(logger);
            return;
        }

        var options = outbound.Value;
        OutboundLog.Started(logger, sender, options.Host, options.Port, options.Concurrency);
        await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(_ => RunLoopAsync(sender, stoppingToken)));
    }

    private async Task RunLoopAsync(string sender, CancellationToken stoppingToken)
    {
        await Task.Yield();
        await using var connection = ActivatorUtilities.CreateInstance<GmailConnection>(services);
        while (!stoppingToken.IsCancellationRequested)
        {
            SpoolEntry entry;
            try
            {
                await WaitWhileHeldAsync(stoppingToken);
                entry = await spool.LeaseAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            DeliveryOutcome outcome;
            try
            {
                outcome = await DeliverAsync(connection, sender, entry, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Shutting down mid-send: give it back unattempted; it goes out after the restart.
                spool.Release(entry);
                return;
            }

            await RecordAsync(entry, outcome);
        }
    }

    private async Task<DeliveryOutcome> DeliverAsync(GmailConnection connection, string sender, SpoolEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            MimeMessage message;
            await using (var stream = spool.OpenMessage(entry))
            {
                message = await MimeMessage.LoadAsync(stream, cancellationToken);
            }

            var rewritten = FromRewriter.Rewrite(message, sender, account.Value.Aliases, rewrite.Value.AddReplyTo);
            var recipients = entry.Recipients.Select(address => new MailboxAddress(string.Empty, address));
            var reply = await connection.SendAsync(message, rewritten.EnvelopeSender, recipients, cancellationToken);
            var fromAction = rewritten.FromRewritten ? $"rewritten from {rewritten.OriginalFrom?.Address}" : "kept";
            OutboundLog.Delivered(logger, entry.Id, message.MessageId, entry.Size, entry.Recipients.Count, sender, fromAction, reply.ReplaceLineEndings(" "));
            return DeliveryOutcome.Delivered(reply);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return DeliveryClassifier.Classify(ex);
        }
    }

    private async Task RecordAsync(SpoolEntry entry, DeliveryOutcome outcome)
    {
        try
        {
            switch (outcome.Result)
            {
                case DeliveryResult.Delivered:
                    await spool.CompleteAsync(entry, CancellationToken.None);
                    break;
                case DeliveryResult.Deferred:
                    var deferred = await spool.DeferAsync(entry, retry.NextAttempt(entry.Attempts + 1), outcome.Reply, CancellationToken.None);
                    OutboundLog.Deferred(logger, entry.Id, deferred.Attempts, deferred.NextAttemptAt, outcome.Reply);
                    break;
                case DeliveryResult.Rejected:
                    await spool.DeadLetterAsync(entry, outcome.Reply, CancellationToken.None);
                    OutboundLog.Rejected(logger, entry.Id, outcome.Reply);
                    break;
                case DeliveryResult.NeedsAuthorization:
                    spool.Release(entry);
                    Hold(outcome.Reply);
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

    /// <summary>Stops every loop from taking messages for a while: without a usable token, each attempt would fail the same way.</summary>
    private void Hold(string reason)
    {
        var until = time.GetUtcNow() + outbound.Value.AuthorizationRetryDelay;
        var previous = Interlocked.Exchange(ref _heldUntilTicks, until.UtcTicks);
        if (previous < time.GetUtcNow().UtcTicks)
        {
            OutboundLog.HeldForAuthorization(logger, reason, until);
        }
    }

    private async Task WaitWhileHeldAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var remaining = new DateTimeOffset(Interlocked.Read(ref _heldUntilTicks), TimeSpan.Zero) - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            await Task.Delay(remaining, time, cancellationToken);
        }
    }
}
