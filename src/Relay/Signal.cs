namespace Relay;

/// <summary>The one "wait until due or signalled" of the relay (the spool's due index, the delivery gate).</summary>
internal static class Signal
{
    /// <summary>
    /// Returns when <paramref name="signalled"/> completes or <paramref name="wait"/> has passed on <paramref name="time"/>
    /// (<see cref="Timeout.InfiniteTimeSpan"/>: only the signal), whichever comes first; throws when cancelled.
    /// The caller looks again at what it waits for either way.
    /// </summary>
    public static async Task WaitAsync(Task signalled, TimeSpan wait, TimeProvider time, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await Task.WhenAny(signalled, Task.Delay(wait, time, stop.Token));
        await stop.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
    }
}
