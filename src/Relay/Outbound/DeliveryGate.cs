using Microsoft.Extensions.Options;

namespace Relay.Outbound;

internal enum HoldReason
{
    None,
    Authorization,
    Quota,
}

/// <summary>The state of the gate, for the status page, readiness and logs.</summary>
/// <param name="Remedy">For an authorization hold: what the operator does about it, when the upstream's answer says (else the token source's).</param>
internal sealed record GateState(HoldReason Reason, string? Detail, DateTimeOffset? HeldSince, DateTimeOffset? NextTryAt, string? Remedy = null);

/// <summary>
/// Holds the whole queue while delivering cannot work for any message (the account needs authorizing again, Gmail's
/// sending limit is reached): no message is attempted and no attempt is counted, mail keeps being accepted. After the
/// hold time one message probes again; <see cref="Open"/> (a delivery that worked, a new authorization) ends the hold.
/// The log says what is wrong when the hold starts, then again every <see cref="ReminderInterval"/>, not per message.
/// </summary>
internal sealed class DeliveryGate(TimeProvider time, IOptions<OutboundOptions> options, ILogger<DeliveryGate> logger)
{
    public static readonly TimeSpan ReminderInterval = TimeSpan.FromHours(1);

    private readonly Lock _lock = new();
    private GateState _state = new(HoldReason.None, null, null, null);
    private DateTimeOffset _lastReminder;
    private long _holds;
    private TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public GateState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    /// <param name="until">When the hold ends by itself (the quota window frees); otherwise one message probes after the reason's delay.</param>
    /// <param name="remedy">For an authorization hold: what the operator does about it (<see cref="OAuth.IAccessTokenSource.Remedy"/>).</param>
    public void Hold(HoldReason reason, string detail, string account, DateTimeOffset? until = null, string? remedy = null)
    {
        var now = time.GetUtcNow();
        var delay = until is { } end && end > now ? end - now : Delay(reason);
        bool starting, remind;
        lock (_lock)
        {
            starting = _state.Reason != reason;
            remind = !starting && now - _lastReminder >= ReminderInterval;
            _state = new GateState(reason, detail, starting ? now : _state.HeldSince, now + delay, remedy);
            _holds++;
            if (starting || remind)
            {
                _lastReminder = now;
            }
        }

        if (!starting && !remind)
        {
            return;
        }

        if (reason == HoldReason.Quota)
        {
            OutboundLog.HeldForQuota(logger, account, detail, now + delay);
        }
        else
        {
            OutboundLog.HeldForAuthorization(logger, detail, remedy ?? $"authorize {account} again", now + delay);
        }
    }

    /// <summary>Ends a hold (a message went through, or the account was authorized again).</summary>
    public void Open()
    {
        TaskCompletionSource opened;
        lock (_lock)
        {
            if (_state.Reason == HoldReason.None)
            {
                return;
            }

            OutboundLog.HoldEnded(logger, _state.Reason.ToString(), _state.HeldSince ?? time.GetUtcNow());
            _state = new GateState(HoldReason.None, null, null, null);
            opened = _opened;
            _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        opened.TrySetResult();
    }

    private TimeSpan Delay(HoldReason reason) =>
        reason == HoldReason.Quota ? options.Value.QuotaRetryDelay : options.Value.AuthorizationRetryDelay;

    /// <summary>
    /// Whether a caller that passed <see cref="WaitAsync"/> (which returned <paramref name="pass"/>) may still deliver:
    /// false once a hold was (re)started since, e.g. by another worker's outcome while this one waited for a message.
    /// </summary>
    public bool StillOpenFor(long pass)
    {
        lock (_lock)
        {
            return _holds == pass;
        }
    }

    /// <summary>
    /// Returns at once when not held; otherwise when the hold ends, or when the hold time is up, to one caller only,
    /// which then tries one message (a probe). The value returned is the pass to give <see cref="StillOpenFor"/>.
    /// </summary>
    public async Task<long> WaitAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task opened;
            TimeSpan wait;
            lock (_lock)
            {
                var now = time.GetUtcNow();
                if (_state.NextTryAt is not { } next)
                {
                    return _holds;
                }

                if (next <= now)
                {
                    // This caller probes; the others wait for its outcome (Open, or the next Hold).
                    _state = _state with { NextTryAt = now + Delay(_state.Reason) };
                    return _holds;
                }

                wait = next - now;
                opened = _opened.Task;
            }

            await Signal.WaitAsync(opened, wait, time, cancellationToken);
        }
    }
}
