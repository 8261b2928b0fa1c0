using Microsoft.Extensions.Options;
using Relay.OAuth;
using Relay.Spool;

namespace Relay.Outbound;

/// <summary>
/// Takes due messages from the spool and has them delivered, <see cref="OutboundOptions.Concurrency"/> at a time, each
/// loop on its own reused connection: it waits for an account and for the queue to be open, reserves the sending quota,
/// runs a <see cref="DeliveryAttempt"/> and has its outcome recorded (<see cref="OutcomeRecorder"/>). Every outcome is
/// a value: one bad message never stops a loop.
/// </summary>
internal sealed class DeliveryWorker(
    FileSpool spool,
    IAccessTokenSource tokens,
    DeliveryGate gate,
    QuotaGuard quota,
    DeliveryAttempt attempt,
    OutcomeRecorder recorder,
    IOptions<OutboundOptions> outbound,
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
                await recorder.RecordAsync("(no account)", entry, DeliveryOutcome.NeedsAuthorization("No Google account is authorized."));
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
                outcome = await attempt.RunAsync(connection, sender, entry, sendAbort);
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

            await recorder.RecordAsync(sender, entry, outcome);
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
}
