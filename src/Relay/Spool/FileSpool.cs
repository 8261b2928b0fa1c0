using System.Buffers;
using Microsoft.Extensions.Options;
using Relay.Outbound;

namespace Relay.Spool;

/// <summary>
/// The durable queue on the data volume (see <see cref="SpoolFolders"/> for its layout). An entry is one file, its
/// envelope then its message (<see cref="SpoolFile"/>). A new one is written under <c>incoming</c>, flushed to disk and
/// renamed into its folder; then the folder is synced, once for all the entries that arrived meanwhile
/// (<see cref="FolderSync"/>). An update writes the entry anew under <c>incoming</c> and renames it over the old file;
/// a move between folders is an update in place, then one rename. The in-memory side (what is due, what is being
/// delivered) is <see cref="SpoolIndex"/>.
/// </summary>
internal sealed partial class FileSpool
{
    private readonly TimeProvider _time;
    private readonly SpoolOptions _options;
    private readonly ILogger<FileSpool> _logger;
    private readonly SpoolFolders _folders;
    private readonly SpoolIndex _index;
    private readonly Dictionary<string, FolderSync> _syncs;
    private readonly Lock _startGate = new();
    private bool _started;

    public FileSpool(IOptions<RelayOptions> relay, IOptions<SpoolOptions> options, TimeProvider time, ILogger<FileSpool> logger)
    {
        _time = time;
        _options = options.Value;
        _logger = logger;
        _folders = new SpoolFolders(relay.Value.DataPath);
        _index = new SpoolIndex(time);
        _syncs = new[] { _folders.Queue, _folders.Dead, _folders.Delivered }.ToDictionary(folder => folder, folder => new FolderSync(folder));
    }

    public string Root => _folders.Root;
    private string Queue => _folders.Queue;
    private string Dead => _folders.Dead;

    /// <summary>
    /// Crash recovery (<see cref="SpoolRecovery"/>), once: run by <see cref="StartupSequence"/>, or by the first
    /// enqueue, lease or count when the spool is used without the host.
    /// </summary>
    public void Start()
    {
        lock (_startGate)
        {
            if (_started)
            {
                return;
            }

            var (waiting, dead) = SpoolRecovery.Recover(_folders, _logger);
            waiting.ForEach(_index.Requeue);
            dead.ForEach(_index.RememberDead);
            _started = true;
        }
    }

    private SpoolIndex Index
    {
        get
        {
            Start();
            return _index;
        }
    }

    /// <summary>Messages waiting for delivery (queued, deferred or being delivered).</summary>
    public int Count => Index.Count;

    /// <summary>Entries handed out by <see cref="LeaseAsync"/> and not yet given back: messages being delivered right now.</summary>
    public int LeasedCount => Index.LeasedCount;

    /// <summary>
    /// Stores a message (<paramref name="message"/> then <paramref name="suffix"/>) durably. When this returns, the message
    /// survives a crash; only then may the client get its 250.
    /// </summary>
    public async Task<SpoolEntry> EnqueueAsync(SpoolEntry envelope, ReadOnlySequence<byte> message, ReadOnlyMemory<byte> suffix, CancellationToken cancellationToken)
    {
        var index = Index;
        var entry = envelope with
        {
            Id = NewId(),
            Size = message.Length + suffix.Length,
            State = SpoolState.Queued,
            QueuedAt = envelope.ReceivedAt,
            NextAttemptAt = envelope.ReceivedAt,
        };
        await PublishAsync(entry, Queue, async (file, ct) =>
        {
            foreach (var segment in message)
            {
                await file.WriteAsync(segment, ct);
            }

            await file.WriteAsync(suffix, ct);
        }, cancellationToken);
        index.Requeue(entry);
        return entry;
    }

    /// <summary>Waits for the next entry that is due and hands it out; no one else gets it until it is completed, deferred, dead-lettered or released.</summary>
    public Task<SpoolEntry> LeaseAsync(IReadOnlyList<string> accounts, CancellationToken cancellationToken) => Index.LeaseAsync(accounts, cancellationToken);

    /// <summary>Null when a file can be written to the spool now; otherwise why not (disk full, permissions).</summary>
    public string? WriteProbe()
    {
        var probe = Path.Combine(_folders.Incoming, $"probe-{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(_folders.Incoming);
            File.WriteAllBytes(probe, [0]);
            File.Delete(probe);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ex.Message;
        }
    }

    /// <summary>The entry's message, exactly as it was received.</summary>
    public Stream OpenMessage(SpoolEntry entry) => SpoolFile.OpenMessage(SpoolFolders.Entry(entry.State == SpoolState.Dead ? Dead : Queue, entry.Id));

    /// <summary>The message was delivered: removes it, or moves it to <c>spool/delivered</c> when archiving.</summary>
    public async Task CompleteAsync(SpoolEntry entry, string upstreamReply, CancellationToken cancellationToken)
    {
        if (_options.Delivered == DeliveredMessages.Archive)
        {
            var delivered = entry.WithAttempt(_time.GetUtcNow(), DeliveryResult.Delivered, upstreamReply) with { LastError = null };
            await MoveAsync(delivered, Queue, _folders.Delivered, cancellationToken);
        }
        else
        {
            File.Delete(SpoolFolders.Entry(Queue, entry.Id));
        }

        _index.Forget(entry.Id);
    }

    /// <summary>
    /// A temporary failure: counts the attempt and makes the entry due again at <paramref name="nextAttemptAt"/>. When the
    /// disk cannot take the updated entry (full, say), the attempt is counted in memory only: the wait still holds.
    /// </summary>
    public async Task<SpoolEntry> DeferAsync(SpoolEntry entry, DateTimeOffset nextAttemptAt, string reason, CancellationToken cancellationToken)
    {
        var deferred = entry.WithAttempt(_time.GetUtcNow(), DeliveryResult.Deferred, reason) with { NextAttemptAt = nextAttemptAt, LastError = reason, State = SpoolState.Deferred };
        await TryRewriteAsync(deferred, Queue, "failed attempt", cancellationToken);
        _index.Requeue(deferred);
        return deferred;
    }

    /// <summary>Gives a leased entry back untouched (no attempt counted), due again at once.</summary>
    public void Release(SpoolEntry entry) => _index.Requeue(entry);

    /// <summary>A permanent failure: moves the entry to <c>spool/dead</c> with the reason, out of the delivery queue.</summary>
    public async Task<SpoolEntry> DeadLetterAsync(SpoolEntry entry, string reason, CancellationToken cancellationToken)
    {
        var dead = entry.WithAttempt(_time.GetUtcNow(), DeliveryResult.Rejected, reason) with { LastError = reason, State = SpoolState.Dead };
        await MoveAsync(dead, Queue, Dead, cancellationToken);
        _index.Forget(entry.Id);
        _index.RememberDead(dead);
        return dead;
    }

    /// <summary>
    /// A new entry for some of <paramref name="entry"/>'s recipients (those the upstream refused while it took the
    /// others), with a copy of the message: queued again for a temporary refusal, dead for a permanent one.
    /// </summary>
    public async Task<SpoolEntry> SplitAsync(SpoolEntry entry, IReadOnlyList<string> recipients, SpoolState state, DateTimeOffset nextAttemptAt, string reason, CancellationToken cancellationToken)
    {
        var split = entry.WithAttempt(_time.GetUtcNow(), state == SpoolState.Dead ? DeliveryResult.Rejected : DeliveryResult.Deferred, reason) with
        {
            Id = NewId(),
            Recipients = recipients,
            State = state,
            NextAttemptAt = nextAttemptAt,
            LastError = reason,
        };
        await using (var source = OpenMessage(entry))
        {
            await PublishAsync(split, state == SpoolState.Dead ? Dead : Queue, source.CopyToAsync, cancellationToken);
        }

        if (state == SpoolState.Dead)
        {
            _index.RememberDead(split);
        }
        else
        {
            _index.Requeue(split);
        }

        return split;
    }

    /// <summary>
    /// Writes <paramref name="entry"/> under <c>incoming</c> (with what <paramref name="writeMessage"/> writes), flushes
    /// it to disk, renames it into <paramref name="folder"/> (over an older version of it, if any) and syncs the folder.
    /// On failure nothing is left behind, and an older version is untouched.
    /// </summary>
    private async Task PublishAsync(SpoolEntry entry, string folder, Func<Stream, CancellationToken, Task> writeMessage, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_folders.Incoming);
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(_folders.Incoming, $"{entry.Id}.{Guid.NewGuid():N}.tmp");
        try
        {
            await SpoolFile.WriteAsync(temporary, entry, writeMessage, cancellationToken);
            File.Move(temporary, SpoolFolders.Entry(folder, entry.Id), overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }

        // The entry is in place now: the wait for its folder's sync is not given up, or the caller would record as
        // failed (and the index say otherwise than the disk) what is already there.
        await _syncs[folder].SyncAsync(CancellationToken.None);
    }

    /// <summary>
    /// Replaces an entry's file in <paramref name="folder"/> with one holding <paramref name="entry"/> and the same
    /// message (a copy of it: an update needs room for the message once more). When the disk refuses it, that is logged
    /// and the old file stays as it was.
    /// </summary>
    private async Task TryRewriteAsync(SpoolEntry entry, string folder, string change, CancellationToken cancellationToken)
    {
        try
        {
            await using var message = SpoolFile.OpenMessage(SpoolFolders.Entry(folder, entry.Id));
            await PublishAsync(entry, folder, message.CopyToAsync, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            SpoolLog.UpdateNotWritten(_logger, entry.Id, change, ex.Message);
        }
    }

    /// <summary>
    /// Moves an entry to another folder with its new envelope: rewritten in place, then renamed into the other folder.
    /// When the rewrite cannot be written, the entry moves as it was (its folder says where it is; its file lacks the
    /// last change), so that a delivered or refused message never stays due.
    /// </summary>
    private async Task MoveAsync(SpoolEntry entry, string from, string to, CancellationToken cancellationToken)
    {
        await TryRewriteAsync(entry, from, $"move to {Path.GetFileName(to)}", cancellationToken);
        Directory.CreateDirectory(to);
        File.Move(SpoolFolders.Entry(from, entry.Id), SpoolFolders.Entry(to, entry.Id), overwrite: true);
        await _syncs[to].SyncAsync(CancellationToken.None); // moved: as in PublishAsync, the wait is not given up
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static string NewId() => Guid.CreateVersion7().ToString("N");
}
