using System.Text.RegularExpressions;

namespace Relay.Spool;

/// <summary>What an operator can do to the queue: look, retry, delete.</summary>
internal sealed partial class FileSpool
{
    /// <summary>Every entry waiting for delivery (from memory: no disk read).</summary>
    public IReadOnlyList<SpoolEntry> Waiting() => Index.Waiting();

    /// <summary>Every entry waiting for delivery and every dead letter (from memory), oldest first.</summary>
    public IReadOnlyList<SpoolEntry> List() =>
        [.. Index.Waiting().Concat(Index.DeadLetters()).OrderBy(entry => entry.ReceivedAt).ThenBy(entry => entry.Id, StringComparer.Ordinal)];

    public SpoolEntry? Find(string id) => IsId(id) ? Index.Find(id) : null;

    public int DeadCount => Index.DeadCount;

    /// <summary>Makes an entry due now: a deferred one goes first in line, a dead one goes back to the queue.</summary>
    public async Task<SpoolChange> RetryAsync(string id, CancellationToken cancellationToken)
    {
        if (!IsId(id))
        {
            return SpoolChange.NotFound;
        }

        var now = _time.GetUtcNow();
        if (Index.TryMakeDue(id, now) is { } waiting)
        {
            return waiting;
        }

        // Out of the dead letters first, so that a second retry at the same time finds nothing to move.
        if (!Index.ForgetDead(id, out var dead))
        {
            return SpoolChange.NotFound;
        }

        var revived = dead! with { State = SpoolState.Queued, QueuedAt = now, NextAttemptAt = now };
        try
        {
            await MoveAsync(revived, Dead, Queue, cancellationToken);
        }
        catch
        {
            Index.RememberDead(dead);
            throw;
        }

        Index.Requeue(revived);
        return SpoolChange.Done(revived);
    }

    /// <summary>Puts every dead letter back in the queue; returns how many.</summary>
    public async Task<int> RetryAllDeadAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var dead in Index.DeadLetters())
        {
            if ((await RetryAsync(dead.Id, cancellationToken)).Result == SpoolChangeResult.Done)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Removes an entry for good (queued or dead), unless it is being delivered right now; gone from the disk when this returns.</summary>
    public async Task<SpoolChange> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!IsId(id))
        {
            return SpoolChange.NotFound;
        }

        // Out of the index first, so that no delivery loop can take it while its files go.
        var (change, folder) = Index.TryRemoveWaiting(id) is { } waiting ? (waiting, Queue)
            : Index.ForgetDead(id, out var dead) ? (SpoolChange.Done(dead!), Dead)
            : (SpoolChange.NotFound, null);
        if (change.Result == SpoolChangeResult.Done)
        {
            File.Delete(SpoolFolders.Entry(folder!, id));
            await _syncs[folder!].SyncAsync(CancellationToken.None); // or a power cut could bring back, and deliver, what the operator deleted
        }

        return change;
    }

    /// <summary>
    /// Moves a waiting entry that no delivery loop takes (its account is no longer configured) to the dead letters with
    /// <paramref name="reason"/>; <see cref="SpoolChangeResult.Busy"/> when it is being delivered after all.
    /// </summary>
    public async Task<SpoolChange> ExpireAsync(string id, string reason, CancellationToken cancellationToken)
    {
        var change = Index.TryRemoveWaiting(id);
        if (change is not { Result: SpoolChangeResult.Done, Entry: { } entry })
        {
            return change ?? SpoolChange.NotFound;
        }

        try
        {
            return SpoolChange.Done(await DeadLetterAsync(entry, reason, cancellationToken));
        }
        catch
        {
            Index.Requeue(entry); // its file is where it was: it waits as before
            throw;
        }
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
