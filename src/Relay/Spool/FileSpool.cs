using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Relay.Outbound;

namespace Relay.Spool;

/// <summary>
/// The durable queue on the data volume (see <see cref="SpoolFolders"/> for its layout). A new message is written
/// straight into its folder and flushed to disk; its envelope is written under <c>incoming</c>, flushed, and renamed
/// beside it; then the folder is synced, once for all the messages that arrived meanwhile (<see cref="FolderSync"/>).
/// An entry exists once its envelope does. Envelope updates replace the file atomically; moves between folders go
/// message first, envelope last. The in-memory side (what is due, what is being delivered) is <see cref="SpoolIndex"/>.
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

    public Stream OpenMessage(SpoolEntry entry) =>
        new FileStream(SpoolFolders.Message(entry.State == SpoolState.Dead ? Dead : Queue, entry.Id), FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan);

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
            // The envelope goes first: without it the entry no longer exists, and a stray .eml is swept at start.
            File.Delete(SpoolFolders.Envelope(Queue, entry.Id));
            File.Delete(SpoolFolders.Message(Queue, entry.Id));
        }

        _index.Forget(entry.Id);
    }

    /// <summary>A temporary failure: counts the attempt and makes the entry due again at <paramref name="nextAttemptAt"/>.</summary>
    public async Task<SpoolEntry> DeferAsync(SpoolEntry entry, DateTimeOffset nextAttemptAt, string reason, CancellationToken cancellationToken)
    {
        var deferred = entry.WithAttempt(_time.GetUtcNow(), DeliveryResult.Deferred, reason) with { NextAttemptAt = nextAttemptAt, LastError = reason, State = SpoolState.Deferred };
        await DurableFile.ReplaceAsync(SpoolFolders.Envelope(Queue, entry.Id), Serialize(deferred), cancellationToken);
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
    /// Makes a new entry exist in <paramref name="folder"/>: the message written there and flushed to disk, the envelope
    /// written under <c>incoming</c>, flushed and renamed beside it (an entry exists once its envelope does), the folder
    /// synced. On failure nothing is left behind.
    /// </summary>
    private async Task PublishAsync(SpoolEntry entry, string folder, Func<Stream, CancellationToken, Task> writeMessage, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_folders.Incoming);
        Directory.CreateDirectory(folder);
        var message = SpoolFolders.Message(folder, entry.Id);
        var incomingEnvelope = SpoolFolders.Envelope(_folders.Incoming, entry.Id);
        try
        {
            await DurableFile.WriteAsync(message, writeMessage, cancellationToken);
            await DurableFile.WriteAsync(incomingEnvelope, Serialize(entry), cancellationToken);
            File.Move(incomingEnvelope, SpoolFolders.Envelope(folder, entry.Id));
        }
        catch
        {
            TryDelete(incomingEnvelope, message);
            throw;
        }

        // The entry exists now: the wait for its folder's sync is not given up, or the caller would record as failed
        // (and the index say otherwise than the disk) what is already there.
        await _syncs[folder].SyncAsync(CancellationToken.None);
    }

    /// <summary>Moves an entry to another folder with its new envelope: the envelope rewritten in place, then the message moved, then the envelope (see <see cref="SpoolRecovery"/>).</summary>
    private async Task MoveAsync(SpoolEntry entry, string from, string to, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(to);
        await DurableFile.ReplaceAsync(SpoolFolders.Envelope(from, entry.Id), Serialize(entry), cancellationToken);
        File.Move(SpoolFolders.Message(from, entry.Id), SpoolFolders.Message(to, entry.Id), overwrite: true);
        File.Move(SpoolFolders.Envelope(from, entry.Id), SpoolFolders.Envelope(to, entry.Id), overwrite: true);
        await _syncs[to].SyncAsync(CancellationToken.None); // moved: as in PublishAsync, the wait is not given up
    }

    private static byte[] Serialize(SpoolEntry entry) => JsonSerializer.SerializeToUtf8Bytes(entry, SpoolJson.Options);

    private static void TryDelete(params string[] paths)
    {
        foreach (var path in paths)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static string NewId() => Guid.CreateVersion7().ToString("N");
}
