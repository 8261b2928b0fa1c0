using SmtpServer;
using SmtpServer.Protocol;

namespace Relay.Inbound;

/// <summary>
/// Graceful stop of the listener: once draining, a session waiting for its next command, or starting a new transaction,
/// gets 421 and is closed, while messages already in DATA finish and get their 250 (stopping SmtpServer outright would
/// cut them off and make clients send twice).
/// </summary>
internal sealed class InboundDrain
{
    private const string InDataKey = "Relay:InData";
    private readonly TaskCompletionSource _quiet = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private int _inData;
    private int _sessions;
    private volatile bool _draining;

    public int InData => Volatile.Read(ref _inData);

    /// <summary>Cancelled when draining starts: sessions waiting for their next command are then told 421 and closed (see <see cref="SessionReader"/>).</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>
    /// Refuses new transactions from now on and tells sessions waiting for a command to go (421); completes once every
    /// session has ended (messages in DATA finish first), or after <paramref name="timeout"/>.
    /// </summary>
    public async Task DrainAsync(TimeSpan timeout, TimeProvider time)
    {
        _draining = true;
        await _stopping.CancelAsync();
        if (Volatile.Read(ref _sessions) == 0)
        {
            return;
        }

        await _quiet.Task.WaitAsync(timeout, time).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    public void Track(ISessionContext context)
    {
        Interlocked.Increment(ref _sessions);
        context.CommandExecuting += (_, e) =>
        {
            if (e.Command is DataCommand && context.Properties.TryAdd(InDataKey, true))
            {
                Interlocked.Increment(ref _inData);
            }
        };
        context.CommandExecuted += (_, e) =>
        {
            if (e.Command is DataCommand)
            {
                Untrack(context);
            }
        };
    }

    /// <summary>Called when a session ends, whichever way (DATA may never have completed).</summary>
    public void Ended(ISessionContext context)
    {
        Untrack(context);
        if (Interlocked.Decrement(ref _sessions) == 0 && _draining)
        {
            _quiet.TrySetResult();
        }
    }

    private void Untrack(ISessionContext context)
    {
        if (context.Properties.Remove(InDataKey))
        {
            Interlocked.Decrement(ref _inData);
        }
    }

    /// <summary>While draining, a new transaction gets 421 and its session closes.</summary>
    public void ThrowIfDraining()
    {
        if (_draining)
        {
            throw new SmtpResponseException(new SmtpResponse(SmtpReplyCode.ServiceUnavailable, "4.3.2 Relay is restarting, try again later"), quit: true);
        }
    }
}
