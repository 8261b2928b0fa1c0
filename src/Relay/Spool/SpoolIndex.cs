namespace Relay.Spool;

/// <summary>
/// The spool in memory: every entry waiting for delivery, ordered by when it is due within its account (so that a held
/// account's backlog never stands in another's way), the ones handed out to a delivery loop (leased), and the dead letters. Nothing here touches a file; <see cref="FileSpool"/> changes the index after
/// the disk.
/// </summary>
internal sealed class SpoolIndex(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SpoolEntry> _waiting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedSet<(DateTimeOffset Due, string Id)>> _due = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _leased = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SpoolEntry> _dead = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = NewSignal();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    public int LeasedCount
    {
        get
        {
            lock (_gate)
            {
                return _leased.Count;
            }
        }
    }

    public int DeadCount
    {
        get
        {
            lock (_gate)
            {
                return _dead.Count;
            }
        }
    }

    public IReadOnlyList<SpoolEntry> Waiting()
    {
        lock (_gate)
        {
            return [.. _waiting.Values];
        }
    }

    public IReadOnlyList<SpoolEntry> DeadLetters()
    {
        lock (_gate)
        {
            return [.. _dead.Values];
        }
    }

    public SpoolEntry? Find(string id)
    {
        lock (_gate)
        {
            return _waiting.TryGetValue(id, out var waiting) ? waiting : _dead.GetValueOrDefault(id);
        }
    }

    /// <summary>Adds or replaces a waiting entry, not leased, due at its <see cref="SpoolEntry.NextAttemptAt"/>.</summary>
    public void Requeue(SpoolEntry entry)
    {
        lock (_gate)
        {
            if (_waiting.TryGetValue(entry.Id, out var old))
            {
                Due(old).Remove((old.NextAttemptAt, old.Id));
            }

            _leased.Remove(entry.Id);
            _dead.Remove(entry.Id);
            _waiting[entry.Id] = entry;
            Due(entry).Add((entry.NextAttemptAt, entry.Id));
            SignalLocked();
        }
    }

    /// <summary>A waiting entry left the queue (delivered, dead, deleted).</summary>
    public void Forget(string id)
    {
        lock (_gate)
        {
            if (_waiting.Remove(id, out var old))
            {
                Due(old).Remove((old.NextAttemptAt, id));
            }

            _leased.Remove(id);
            SignalLocked();
        }
    }

    public void RememberDead(SpoolEntry dead)
    {
        lock (_gate)
        {
            _dead[dead.Id] = dead;
        }
    }

    public bool ForgetDead(string id, out SpoolEntry? dead)
    {
        lock (_gate)
        {
            return _dead.Remove(id, out dead);
        }
    }

    /// <summary>
    /// Takes a waiting entry out of the index unless it is leased (then <see cref="SpoolChange.Busy"/>), so that no loop
    /// can lease it while its files go; null when there is no such waiting entry.
    /// </summary>
    public SpoolChange? TryRemoveWaiting(string id)
    {
        lock (_gate)
        {
            if (!_waiting.TryGetValue(id, out var entry))
            {
                return null;
            }

            if (_leased.Contains(id))
            {
                return SpoolChange.Busy(id);
            }

            _waiting.Remove(id);
            Due(entry).Remove((entry.NextAttemptAt, id));
            SignalLocked();
            return SpoolChange.Done(entry);
        }
    }

    /// <summary>Makes a waiting entry due now (first in line); null when there is no such waiting entry.</summary>
    public SpoolChange? TryMakeDue(string id, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!_waiting.TryGetValue(id, out var entry))
            {
                return null;
            }

            if (_leased.Contains(id))
            {
                return SpoolChange.Busy(id);
            }

            var due = entry with { NextAttemptAt = now };
            Due(entry).Remove((entry.NextAttemptAt, id));
            _waiting[id] = due;
            Due(due).Add((now, id));
            SignalLocked();
            return SpoolChange.Done(due);
        }
    }

    /// <summary>
    /// Waits for the next entry that is due for one of <paramref name="accounts"/> (<see cref="SpoolEntry.Account"/>; ""
    /// for entries that name none) and leases it: no one else gets it until it is requeued or forgotten.
    /// </summary>
    public async Task<SpoolEntry> LeaseAsync(IReadOnlyList<string> accounts, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            TimeSpan wait;
            lock (_gate)
            {
                SortedSet<(DateTimeOffset Due, string Id)>? first = null;
                foreach (var account in accounts)
                {
                    if (_due.TryGetValue(account, out var due) && due.Count > 0 && (first is null || due.Min.CompareTo(first.Min) < 0))
                    {
                        first = due;
                    }
                }

                if (first is not null)
                {
                    var (due, id) = first.Min;
                    var now = time.GetUtcNow();
                    if (due <= now)
                    {
                        first.Remove(first.Min);
                        _leased.Add(id);
                        return _waiting[id];
                    }

                    wait = due - now;
                }
                else
                {
                    wait = Timeout.InfiniteTimeSpan;
                }

                changed = _changed.Task;
            }

            await Signal.WaitAsync(changed, wait, time, cancellationToken);
        }
    }

    /// <summary>The account's due order, made on first use (the caller holds the lock).</summary>
    private SortedSet<(DateTimeOffset Due, string Id)> Due(SpoolEntry entry)
    {
        var account = entry.Account ?? "";
        if (!_due.TryGetValue(account, out var due))
        {
            _due[account] = due = [];
        }

        return due;
    }

    private void SignalLocked()
    {
        var changed = _changed;
        _changed = NewSignal();
        changed.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
