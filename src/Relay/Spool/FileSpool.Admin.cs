using System.Text.Json;
using System.Text.RegularExpressions;

namespace Relay.Spool;

/// <summary>What an operator can do to the queue: look, retry, delete.</summary>
internal sealed partial class FileSpool
{
    /// <summary>Every entry waiting for delivery (from memory: no disk read).</summary>
    public IReadOnlyList<SpoolEntry> Waiting()
    {
        lock (_gate)
        {
            return [.. _entries.Values];
        }
    }

    /// <summary>Every entry waiting for delivery and every dead letter (from memory), oldest first.</summary>
    public IReadOnlyList<SpoolEntry> List() =>
        [.. Waiting().Concat(ReadDead()).OrderBy(entry => entry.ReceivedAt).ThenBy(entry => entry.Id, StringComparer.Ordinal)];

    public SpoolEntry? Find(string id)
    {
        if (!IsId(id))
        {
            return null;
        }

        lock (_gate)
        {
            return _entries.TryGetValue(id, out var queued) ? queued : _dead.GetValueOrDefault(id);
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

    /// <summary>Makes an entry due now: a deferred one goes first in line, a dead one goes back to the queue.</summary>
    public async Task<SpoolChange> RetryAsync(string id, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (!IsId(id))
        {
            return SpoolChange.NotFound;
        }

        lock (_gate)
        {
            if (_entries.TryGetValue(id, out var queued))
            {
                if (_leased.Contains(id))
                {
                    return SpoolChange.Busy(id);
                }

                _ready.Remove((queued.NextAttemptAt, id));
                var due = queued with { NextAttemptAt = now };
                _entries[id] = due;
                _ready.Add((now, id));
                SignalLocked();
                return SpoolChange.Done(due);
            }
        }

        SpoolEntry? dead;
        lock (_gate)
        {
            dead = _dead.GetValueOrDefault(id);
        }

        if (dead is null)
        {
            return SpoolChange.NotFound;
        }

        var revived = dead with { State = SpoolState.Queued, QueuedAt = now, NextAttemptAt = now };
        await MoveOutAsync(revived, Dead, Queue, cancellationToken);
        lock (_gate)
        {
            _dead.Remove(id);
        }

        Requeue(revived);
        return SpoolChange.Done(revived);
    }

    /// <summary>Puts every dead letter back in the queue; returns how many.</summary>
    public async Task<int> RetryAllDeadAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var dead in ReadDead())
        {
            if ((await RetryAsync(dead.Id, cancellationToken)).Result == SpoolChangeResult.Done)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Removes an entry for good (queued or dead), unless it is being delivered right now.</summary>
    public Task<SpoolChange> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!IsId(id))
        {
            return Task.FromResult(SpoolChange.NotFound);
        }

        lock (_gate)
        {
            if (_entries.TryGetValue(id, out var queued))
            {
                if (_leased.Contains(id))
                {
                    return Task.FromResult(SpoolChange.Busy(id));
                }

                File.Delete(EnvelopePath(Queue, id));
                File.Delete(MessagePath(Queue, id));
                _ready.Remove((queued.NextAttemptAt, id));
                _entries.Remove(id);
                SignalLocked();
                return Task.FromResult(SpoolChange.Done(queued));
            }
        }

        SpoolEntry? dead;
        lock (_gate)
        {
            if (!_dead.Remove(id, out dead))
            {
                return Task.FromResult(SpoolChange.NotFound);
            }
        }

        File.Delete(EnvelopePath(Dead, id));
        File.Delete(MessagePath(Dead, id));
        return Task.FromResult(SpoolChange.Done(dead));
    }

    /// <summary>The header block of an entry's message (read up to its end, not the body); null when the file cannot be read.</summary>
    public async Task<MimeKit.HeaderList?> ReadHeadersAsync(SpoolEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = OpenMessage(entry);
            return await MimeKit.HeaderList.LoadAsync(stream, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    private IReadOnlyList<SpoolEntry> ReadDead()
    {
        lock (_gate)
        {
            return [.. _dead.Values];
        }
    }

    private static SpoolEntry? ReadEnvelope(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<SpoolEntry>(File.ReadAllBytes(path), Json);
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool IsId(string id) => IdPattern().IsMatch(id);

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex IdPattern();
}

internal enum SpoolChangeResult
{
    Done,
    NotFound,

    /// <summary>The entry is being delivered right now: try again in a moment.</summary>
    Busy,
}

/// <summary>What an operator's retry or delete came to; <see cref="Entry"/> is the entry as it now is (or was) when done.</summary>
internal sealed record SpoolChange(SpoolChangeResult Result, SpoolEntry? Entry, string? Reason)
{
    public static readonly SpoolChange NotFound = new(SpoolChangeResult.NotFound, null, null);

    public static SpoolChange Done(SpoolEntry entry) => new(SpoolChangeResult.Done, entry, null);

    public static SpoolChange Busy(string id) => new(SpoolChangeResult.Busy, null, $"Message {id} is being delivered right now; try again in a moment.");
}
