using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Relay.Accounts;
using Relay.OAuth;
using Relay.Outbound;
using Relay.Spool;

namespace Relay.Notify;

/// <summary>
/// Looks at the relay every <see cref="CheckInterval"/> and tells the operator (<see cref="INotifier"/>s) when delivery
/// to an account has been held too long, when an account must be authorized again, when the Testing limit is near, and
/// which messages went to the dead letters. Each condition is told at most once per <see cref="RepeatAfter"/> and account. A notification
/// the relay wrote itself never leads to another one: its own dead letter is logged, not told.
/// </summary>
internal sealed class NotifyWatcher(
    AccountSet accounts,
    DeliveryEvents events,
    FileSpool spool,
    IEnumerable<INotifier> notifiers,
    IOptions<NotifyOptions> options,
    IOptions<OutboundOptions> outbound,
    TimeProvider time,
    ILogger<NotifyWatcher> logger) : BackgroundService
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan RepeatAfter = TimeSpan.FromHours(1);
    private const int DigestLines = 20;

    private readonly INotifier[] _notifiers = [.. notifiers.Where(n => n.Enabled)];
    private readonly Dictionary<(NotificationKind Kind, string? Account), DateTimeOffset> _lastTold = [];
    private readonly List<DeadLetterNote> _newDead = [];

    /// <summary>Raised after each check (for tests on a fake clock: the check ran, whatever it told).</summary>
    internal event Action? Checked;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_notifiers.Length == 0)
        {
            return;
        }

        var settings = options.Value;
        NotifyLog.Started(logger, settings.To ?? "(none)", WebhookNotifier.HostOf(settings.WebhookUrl), settings.HeldAfter);
        events.Recorded += OnRecorded;
        try
        {
            using var timer = new PeriodicTimer(CheckInterval, time);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await CheckAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            events.Recorded -= OnRecorded;
        }
    }

    /// <summary>One look: tells what is due now.</summary>
    internal async Task CheckAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var account in accounts.All)
        {
            await CheckAsync(account, now, cancellationToken);
        }

        if (Due(NotificationKind.DeadLetters, null, now) && TakeNewDead() is { Count: > 0 } dead)
        {
            await TellAsync(Digest(dead, accounts.ForNotices.Tokens.Account, now), null, now, cancellationToken);
        }

        Checked?.Invoke();
    }

    private async Task CheckAsync(RelayAccount relayAccount, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (tokens, name) = (relayAccount.Tokens, relayAccount.Name);
        var status = tokens.Status;
        if (relayAccount.Gate.State is { Reason: not HoldReason.None, HeldSince: { } since } state && now - since >= options.Value.HeldAfter && Due(NotificationKind.Held, name, now))
        {
            await TellAsync(Held(state, since, status.Account, state.Remedy ?? tokens.Remedy, now), name, now, cancellationToken);
        }

        if (status is { Account: { } account, Problem: { } problem } && Due(NotificationKind.Reauthorize, name, now))
        {
            await TellAsync(Reauthorize(relayAccount.Settings.ProviderName, account, problem, tokens.Remedy, now), name, now, cancellationToken);
        }
        else if (TokenHealth.TestingWarning(relayAccount, time) is { } warning && Due(NotificationKind.TestingLimit, name, now))
        {
            await TellAsync(new Notification(NotificationKind.TestingLimit, now, status.Account, $"Relay: the authorization of {status.Account} may end soon", warning), name, now, cancellationToken);
        }
    }

    private bool Due(NotificationKind kind, string? account, DateTimeOffset now) => !_lastTold.TryGetValue((kind, account), out var last) || now - last >= RepeatAfter;

    private async Task TellAsync(Notification notification, string? account, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Counted as told whatever the channels make of it: a failing channel must not turn into a message a minute.
        _lastTold[(notification.Kind, account)] = now;
        NotifyLog.Notifying(logger, notification.Kind, notification.Subject);
        foreach (var notifier in _notifiers)
        {
            await notifier.SendAsync(notification, cancellationToken);
        }
    }

    private void OnRecorded(SpoolEntry entry, DeliveryOutcome outcome)
    {
        var now = time.GetUtcNow();
        var dead = outcome.Result switch
        {
            DeliveryResult.Rejected => [new DeadLetterNote(entry.Id, entry.MailFrom, entry.Recipients, outcome.Reply, now)],
            DeliveryResult.Deferred when now - entry.QueuedAt >= outbound.Value.MaxAge =>
                [new DeadLetterNote(entry.Id, entry.MailFrom, entry.Recipients, $"expired after {outbound.Value.MaxAge.TotalDays:0.#} day(s); last error: {outcome.Reply}", now)],
            DeliveryResult.PartiallyDelivered when outcome.Refused.Where(r => r.IsPermanent).ToList() is { Count: > 0 } refused =>
                [new DeadLetterNote(entry.Id, entry.MailFrom, [.. refused.Select(r => r.Address)], $"refused for these recipients (a copy split from {entry.Id}): {string.Join("; ", refused)}", now)],
            _ => Array.Empty<DeadLetterNote>(),
        };
        if (dead.Length == 0)
        {
            return;
        }

        if (entry.Notification)
        {
            // Never a notification about a notification: that is how loops start.
            NotifyLog.NotificationFailed(logger, entry.Id, outcome.Result.ToString(), outcome.Reply);
            return;
        }

        lock (_newDead)
        {
            _newDead.AddRange(dead);
        }
    }

    private List<DeadLetterNote> TakeNewDead()
    {
        lock (_newDead)
        {
            var taken = _newDead.ToList();
            _newDead.Clear();
            return taken;
        }
    }

    private Notification Held(GateState state, DateTimeOffset since, string? account, string remedy, DateTimeOffset now)
    {
        var (what, fix) = state.Reason == HoldReason.Quota
            ? ("the account's sending limit is reached", "Nothing, if the limit frees by itself (a rolling 24 hours, or a minute). If it does not, send less, or set the account's Quota (Relay:Quota) to its real limit.")
            : ("the upstream refuses the account's authorization", $"{Sentence(remedy)} Until then this e-mail waits in the queue too, unless another account of the relay can send it; the webhook is the channel that works meanwhile.");
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Delivery through {account ?? "(no account)"} has been held since {since:yyyy-MM-dd HH:mm} UTC ({Minutes(now - since)}): {what}.")
            .AppendLine(CultureInfo.InvariantCulture, $"Detail: {state.Detail}")
            .AppendLine(CultureInfo.InvariantCulture, $"{spool.Count} message(s) wait in the queue; nothing is lost. Next try: {state.NextTryAt:yyyy-MM-dd HH:mm} UTC.")
            .AppendLine(CultureInfo.InvariantCulture, $"What to do: {fix}")
            .ToString();
        return new Notification(NotificationKind.Held, now, account, $"Relay: delivery held for {Minutes(now - since)} ({what})", text)
        {
            HoldReason = state.Reason.ToString().ToLowerInvariant(),
            HeldSince = since,
            Queued = spool.Count,
        };
    }

    private Notification Reauthorize(string provider, string account, string problem, string remedy, DateTimeOffset now)
    {
        var fix = Sentence(remedy);
        var text = $"{provider} no longer accepts the authorization of {account}: {problem}{Environment.NewLine}" +
                   $"Mail is kept in the queue ({spool.Count} message(s)) and goes out once this is fixed.{Environment.NewLine}What to do: {fix}{Environment.NewLine}";
        return new Notification(NotificationKind.Reauthorize, now, account, $"Relay: {account} must be authorized again", text) { Queued = spool.Count };
    }

    private static Notification Digest(List<DeadLetterNote> dead, string? account, DateTimeOffset now)
    {
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"{dead.Count} message(s) went to the dead letters and will not be tried again:");
        foreach (var note in dead.Take(DigestLines))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {note.Id} at {note.At:yyyy-MM-dd HH:mm} UTC, from {note.From ?? "<>"} to {string.Join(", ", note.Recipients)}: {note.Reason}");
        }

        if (dead.Count > DigestLines)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- and {dead.Count - DigestLines} more (relay queue list).");
        }

        text.AppendLine("See them with `relay queue show ID`; once the cause is fixed, `relay queue retry ID` sends one again.");
        return new Notification(NotificationKind.DeadLetters, now, account, $"Relay: {dead.Count} new dead letter(s)", text.ToString()) { DeadLetters = dead };
    }

    /// <summary>The token source's remedy ("authorize … again …") as a sentence.</summary>
    private static string Sentence(string remedy) => remedy.Length == 0 ? remedy : char.ToUpperInvariant(remedy[0]) + remedy[1..].TrimEnd('.') + ".";

    private static string Minutes(TimeSpan span) =>
        span >= TimeSpan.FromHours(2) ? $"{(int)span.TotalHours} hours" : $"{(int)span.TotalMinutes} minutes";
}
