using Microsoft.Extensions.Time.Testing;

namespace Relay.Testing;

/// <summary>
/// A fake clock that knows its pending timers, so a test can move it straight to the next moment something is due
/// (a retry, a hold's probe, a quota window) instead of stepping blindly: no time passes in the middle of an attempt
/// that is not waiting on the clock, and a long wait costs one jump.
/// </summary>
public sealed class SteppingClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Lock _gate = new();
    private readonly HashSet<Tracked> _timers = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var tracked = new Tracked(this);
        tracked.Inner = base.CreateTimer(s => { tracked.Fired(); callback(s); }, state, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        tracked.Change(dueTime, period);
        return tracked;
    }

    /// <summary>The earliest time a pending timer is due, or null when nothing waits on this clock.</summary>
    public DateTimeOffset? NextDue()
    {
        lock (_gate)
        {
            return _timers.Select(t => t.DueAt).Where(due => due is not null).Min();
        }
    }

    /// <summary>Every time a pending timer is due at.</summary>
    public IReadOnlyList<DateTimeOffset> PendingDueTimes()
    {
        lock (_gate)
        {
            return [.. _timers.Select(t => t.DueAt).OfType<DateTimeOffset>().Order()];
        }
    }

    /// <summary>Moves the clock to the next due time (firing what is due then); false when no timer is pending.</summary>
    public bool AdvanceToNextDue()
    {
        if (NextDue() is not { } due)
        {
            return false;
        }

        var now = GetUtcNow();
        Advance(due > now ? due - now : TimeSpan.Zero);
        return true;
    }

    private sealed class Tracked(SteppingClock clock) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public ITimer Inner { get; set; } = null!;
        public DateTimeOffset? DueAt { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._gate)
            {
                _period = period;
                DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : clock.GetUtcNow() + dueTime;
                if (DueAt is null)
                {
                    clock._timers.Remove(this);
                }
                else
                {
                    clock._timers.Add(this);
                }
            }

            return Inner.Change(dueTime, period);
        }

        public void Fired()
        {
            lock (clock._gate)
            {
                if (_period == Timeout.InfiniteTimeSpan || _period == TimeSpan.Zero)
                {
                    DueAt = null;
                    clock._timers.Remove(this);
                }
                else
                {
                    DueAt = (DueAt ?? clock.GetUtcNow()) + _period;
                }
            }
        }

        public void Dispose()
        {
            lock (clock._gate)
            {
                DueAt = null;
                clock._timers.Remove(this);
            }

            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
