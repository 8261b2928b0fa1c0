using Prometheus;
using Relay.Accounts;
using Relay.Inbound;
using Relay.OAuth;
using Relay.Outbound;
using Relay.Spool;

namespace Relay.Web;

/// <summary>
/// What <c>/metrics</c> exposes, in Prometheus' text format through prometheus-net, on a registry of this host's own
/// (not the process-wide default). Counters move as things happen; gauges are read at each scrape. What is per account
/// carries an <c>account</c> label, the relay's name of the account.
/// </summary>
internal sealed class RelayMetrics
{
    private readonly Counter _received;
    private readonly Counter _outcomes;
    private readonly Histogram _latency;

    public RelayMetrics(InboundCounters inbound, DeliveryEvents events, FileSpool spool, AccountSet accounts, TimeProvider time)
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        _received = factory.CreateCounter("relay_messages_received_total", "Messages accepted from clients (answered 250 after the spool write).");
        _outcomes = factory.CreateCounter("relay_delivery_attempts_total", "Delivery attempts by outcome: delivered, partiallydelivered, deferred, rejected (dead letter), needsauthorization, quotareached.", "outcome", "account");
        _latency = factory.CreateHistogram("relay_delivery_latency_seconds", "From acceptance to the upstream's acceptance (Gmail's or Office 365's 250, the Gmail API's or Microsoft Graph's answer).",
            new HistogramConfiguration { Buckets = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21600, 86400] });
        var queued = factory.CreateGauge("relay_queue_depth", "Messages waiting for delivery.");
        var oldest = factory.CreateGauge("relay_queue_oldest_age_seconds", "Age of the oldest message waiting for delivery (0 when none).");
        var accountQueued = factory.CreateGauge("relay_account_queue_depth", "Messages waiting for delivery as each account (one account's backlog while the others flow).", "account");
        var dead = factory.CreateGauge("relay_dead_letters", "Messages in the dead-letter folder.");
        var held = factory.CreateGauge("relay_delivery_held", "1 while an account's delivery is held, by reason.", "reason", "account");
        var authorized = factory.CreateGauge("relay_account_authorized", "1 when an account is authorized and its token usable.", "account");
        var tokenExpiry = factory.CreateGauge("relay_access_token_expiry_timestamp_seconds", "When the current access token expires (Unix time; 0 when none).", "account");
        var lastRefresh = factory.CreateGauge("relay_token_last_refresh_timestamp_seconds", "When a token was last refreshed (Unix time; 0 when never).", "account");
        var testingWarning = factory.CreateGauge("relay_authorization_testing_warning", "1 from day 5 to day 7 after an authorization: a consent screen left in Testing ends it on day 7.", "account");
        var spoolWritable = factory.CreateGauge("relay_spool_writable", "1 when a file can be written to the spool (checked at each scrape), 0 when not (disk full, permissions).");
        var quotaUsed = factory.CreateGauge("relay_quota_used", "Sent in the rolling 24 hours, by kind (messages, recipients).", "kind", "account");
        var quotaLimit = factory.CreateGauge("relay_quota_limit", "Limits for the rolling 24 hours, by kind (messages, recipients).", "kind", "account");

        inbound.MessageAccepted += () => _received.Inc();
        events.Recorded += (entry, outcome) =>
        {
            _outcomes.WithLabels(outcome.Result.ToString().ToLowerInvariant(), accounts.For(entry)?.Name ?? entry.Account ?? "").Inc();
            if (outcome.Result is DeliveryResult.Delivered or DeliveryResult.PartiallyDelivered)
            {
                _latency.Observe((time.GetUtcNow() - entry.ReceivedAt).TotalSeconds);
            }
        };

        Registry.AddBeforeCollectCallback(() =>
        {
            // Per scrape: the queue from memory, the dead letters counted by name, no envelope read from disk.
            var waiting = spool.Waiting();
            queued.Set(waiting.Count);
            oldest.Set(waiting.Count == 0 ? 0 : (time.GetUtcNow() - waiting.Min(e => e.ReceivedAt)).TotalSeconds);
            dead.Set(spool.DeadCount);
            spoolWritable.Set(spool.WriteProbe() is null ? 1 : 0);
            var byAccount = waiting.CountBy(entry => accounts.For(entry)?.Name ?? "").ToDictionary(StringComparer.OrdinalIgnoreCase);
            foreach (var account in accounts.All)
            {
                var name = account.Name;
                accountQueued.WithLabels(name).Set(byAccount.GetValueOrDefault(name));
                var hold = account.Gate.State.Reason;
                foreach (var reason in Enum.GetValues<HoldReason>().Where(r => r != HoldReason.None))
                {
                    held.WithLabels(reason.ToString().ToLowerInvariant(), name).Set(hold == reason ? 1 : 0);
                }

                var status = account.Tokens.Status;
                authorized.WithLabels(name).Set(status.Usable ? 1 : 0);
                tokenExpiry.WithLabels(name).Set(status.AccessTokenExpiresAt?.ToUnixTimeSeconds() ?? 0);
                lastRefresh.WithLabels(name).Set(status.LastRefreshAt?.ToUnixTimeSeconds() ?? 0);
                testingWarning.WithLabels(name).Set(TokenHealth.TestingWarning(account, time) is null ? 0 : 1);
                var usage = account.Quota.Usage;
                quotaUsed.WithLabels("messages", name).Set(usage.Messages);
                quotaUsed.WithLabels("recipients", name).Set(usage.Recipients);
                quotaLimit.WithLabels("messages", name).Set(usage.MessageLimit);
                quotaLimit.WithLabels("recipients", name).Set(usage.RecipientLimit);
            }
        });
    }

    public CollectorRegistry Registry { get; }
}
