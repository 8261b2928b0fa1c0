using SmtpServer;
using SmtpServer.Protocol;

namespace Relay.Inbound;

/// <summary>
/// Graceful stop of the listener: once draining, a new transaction gets 421 and its session closes, while messages
/// already in DATA finish and get their 250 (stopping SmtpServer outright would cut them off and make clients send twice).
/// </summary>
internal sealed class InboundDrain
{
    private const string InDataKey = "Relay:InData";
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inData;
    private volatile bool _draining;

    public int InData => Volatile.Read(ref _inData);

    /// <summary>Refuses new transactions from now on; completes once no message is being received, or after <paramref name="timeout"/>.</summary>
    public async Task DrainAsync(TimeSpan timeout, TimeProvider time)
    {
        _draining = true;
        if (InData == 0)
        {
            return;
        }

        await _idle.Task.WaitAsync(timeout, time).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    public void Track(ISessionContext context)
    {
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

    /// <summary>Called when a session ends whichever way, in case DATA never completed.</summary>
    public void Untrack(ISessionContext context)
    {
        if (context.Properties.Remove(InDataKey) && Interlocked.Decrement(ref _inData) == 0 && _draining)
        {
            _idle.TrySetResult();
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
