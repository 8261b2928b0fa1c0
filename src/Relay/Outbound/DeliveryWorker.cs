using Microsoft.Extensions.Options;
using Relay.Accounts;
using Relay.Spool;

namespace Relay.Outbound;

/// <summary>
/// Takes due messages from the spool and has them delivered: for each account, <see cref="OutboundOptions.Concurrency"/>
/// loops, each with its own transport (<see cref="IMessageTransport"/>, a reused connection for SMTP), taking only that
/// account's messages. A loop waits for its account to be authorized and not held, reserves the account's sending
/// quota, sends, and has the outcome recorded (<see cref="OutcomeRecorder"/>). Every outcome is a value: one bad
/// message never stops a loop, and one account's hold never stops another's.
/// </summary>
internal sealed class DeliveryWorker(
    FileSpool spool,
    AccountSet accounts,
    OutcomeRecorder recorder,
    DeliveryEvents events,
    IOptions<OutboundOptions> outbound,
    IServiceProvider services,
    TimeProvider time,
    ILogger<DeliveryWorker> logger) : BackgroundService
{
    /// <summary>
    /// How often messages of an account that is no longer configured are looked at for <see cref="OutboundOptions.MaxAge"/>
    /// (days): a few hours late is nothing against it, and a relay that wakes less often costs less.
    /// </summary>
    public static readonly TimeSpan UnroutedCheckInterval = TimeSpan.FromHours(6);

    /// <summary>On shutdown, how long a message already being sent may take to finish before it is cut off (and sent again after the restart).</summary>
    public static readonly TimeSpan InFlightGrace = TimeSpan.FromSeconds(20);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ReportUnrouted();

        // Stopping ends the taking of new messages at once; messages already being sent get InFlightGrace to finish,
        // so that a "docker stop" does not cut a message Gmail may already have, which would then go out twice.
        using var sendAbort = new CancellationTokenSource();
        await using var _ = stoppingToken.Register(() => sendAbort.CancelAfter(InFlightGrace));
        await Task.WhenAll(accounts.All.Select(account => RunAccountAsync(account, stoppingToken, sendAbort.Token)).Append(ExpireUnroutedAsync(stoppingToken)));
    }

    /// <summary>
    /// Messages of an account that is no longer configured wait, as a hold would keep them; like any message they leave
    /// the queue for the dead letters once older than <see cref="OutboundOptions.MaxAge"/> (checked at start, then every <see cref="UnroutedCheckInterval"/>).
    /// </summary>
    private async Task ExpireUnroutedAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(UnroutedCheckInterval, time);
        try
        {
            do
            {
                var maxAge = outbound.Value.MaxAge;
                foreach (var entry in spool.Waiting().Where(entry => accounts.For(entry) is null && time.GetUtcNow() - entry.QueuedAt >= maxAge))
                {
                    var reason = $"Expired after {maxAge.TotalDays:0.#} day(s) in the queue: it goes out as the account '{entry.Account ?? "(default)"}', which is not configured (Relay:Accounts, Relay:Routing:Default).";
                    try
                    {
                        if ((await spool.ExpireAsync(entry.Id, reason, stoppingToken)).Result == SpoolChangeResult.Done)
                        {
                            OutboundLog.Expired(logger, entry.Id, entry.Attempts, time.GetUtcNow() - entry.QueuedAt, reason);
                            events.Publish(entry, DeliveryOutcome.Rejected(reason));
                        }
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        OutboundLog.RecordFailed(logger, entry.Id, ex.Message); // it waits; the next check tries again
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RunAccountAsync(RelayAccount account, CancellationToken stoppingToken, CancellationToken sendAbort)
    {
        await Task.Yield();
        var tokens = account.Tokens;

        // A new authorization ends a hold at once, and is what the loops wait for when there is no account yet.
        var accountChanged = new SemaphoreSlim(0);
        tokens.Changed += () =>
        {
            account.Gate.Open();
            accountChanged.Release();
        };
        while (tokens.Account is null)
        {
            if (accounts.Several)
            {
                OutboundLog.NoAccountFor(logger, account.Settings.ProviderName, account.Name);
            }
            else
            {
                OutboundLog.NoAccount(logger);
            }
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
        OutboundLog.Started(logger, account.Name, tokens.Account, account.Settings.Transport.ToString(), options.Concurrency);
        var keys = accounts.SpoolKeys(account);
        await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(_ => RunLoopAsync(account, keys, stoppingToken, sendAbort)));
        await SaveQuotaAsync(account, force: true);
    }

    private async Task RunLoopAsync(RelayAccount account, IReadOnlyList<string> keys, CancellationToken stoppingToken, CancellationToken sendAbort)
    {
        await Task.Yield();
        var (gate, quota) = (account.Gate, account.Quota);
        await using var transport = IMessageTransport.For(account, services);
        while (!stoppingToken.IsCancellationRequested)
        {
            SpoolEntry entry;
            try
            {
                var pass = await gate.WaitAsync(stoppingToken);
                entry = await spool.LeaseAsync(keys, stoppingToken);
                if (!gate.StillOpenFor(pass))
                {
                    // Another loop's outcome held the account while this one waited for a message: no attempt now.
                    spool.Release(entry);
                    continue;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            // Read per message: the account may be authorized again, replaced or revoked while the relay runs.
            if (account.Tokens.Account is not { } sender)
            {
                await recorder.RecordAsync(account, "(no account)", entry, DeliveryOutcome.NeedsAuthorization($"No {account.Settings.ProviderName} account is authorized for the relay's account '{account.Name}'."));
                continue;
            }

            if (quota.TryReserve(entry.Recipients.Count, out var reservation) is { } freesAt)
            {
                gate.Hold(HoldReason.Quota, $"{quota.Describe()} (Relay:Quota)", sender, freesAt);
                spool.Release(entry); // after the hold, so no loop takes it back before the hold is seen
                continue;
            }

            DeliveryOutcome outcome;
            try
            {
                outcome = await transport.SendAsync(sender, entry, sendAbort);
            }
            catch (OperationCanceledException) when (sendAbort.IsCancellationRequested)
            {
                // Cut off at shutdown: give it back unattempted; it goes out after the restart.
                quota.Cancel(reservation);
                spool.Release(entry);
                return;
            }
            catch (Exception ex)
            {
                // A transport promises outcomes, not exceptions; should one escape, it is this message's outcome, and
                // the loop (and every other account's) goes on.
                outcome = DeliveryClassifier.Classify(ex, account.Settings.Provider);
            }

            if (outcome.Result is DeliveryResult.Delivered or DeliveryResult.PartiallyDelivered)
            {
                await SaveQuotaAsync(account, force: false);
            }
            else
            {
                quota.Cancel(reservation);
            }

            await recorder.RecordAsync(account, sender, entry, outcome);
        }
    }

    /// <summary>Messages queued for an account that is no longer configured wait; say so once at start, with the fix.</summary>
    private void ReportUnrouted()
    {
        foreach (var group in spool.Waiting().Where(entry => accounts.For(entry) is null).GroupBy(entry => entry.Account ?? "(default)", StringComparer.OrdinalIgnoreCase))
        {
            OutboundLog.AccountMissing(logger, group.Count(), group.Key);
        }
    }

    private async Task SaveQuotaAsync(RelayAccount account, bool force)
    {
        try
        {
            await account.Quota.SaveAsync(force, CancellationToken.None);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The counters stay right in memory; only a restart would forget the last ones. Gmail's own 550 5.4.5 still holds the queue.
            OutboundLog.QuotaNotSaved(logger, ex.Message);
        }
    }
}
