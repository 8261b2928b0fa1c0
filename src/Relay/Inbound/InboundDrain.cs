using System.Collections.Concurrent;
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
    private readonly ConcurrentDictionary<ISessionContext, byte> _sessions = new();
    private readonly TaskCompletionSource _quiet = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private volatile bool _draining;

    /// <summary>Sessions receiving a message right now (see <see cref="SocketPipe.InData"/>).</summary>
    public int InData => _sessions.Keys.Count(session => session.Pipe is SocketPipe { InData: true });

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
        if (_sessions.IsEmpty)
        {
            return;
        }

        await _quiet.Task.WaitAsync(timeout, time).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    public void Track(ISessionContext context) => _sessions.TryAdd(context, 0);

    /// <summary>Called when a session ends, whichever way.</summary>
    public void Ended(ISessionContext context)
    {
        if (_sessions.TryRemove(context, out _) && _sessions.IsEmpty && _draining)
        {
            _quiet.TrySetResult();
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
