using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Relay.Spool;

/// <summary>
/// The durable queue on the data volume. Each message is two files in <c>spool/queue</c>: <c>ID.eml</c>, the bytes
/// exactly as received and never rewritten, and <c>ID.json</c>, its <see cref="SpoolEntry"/>. Both are written
/// under <c>spool/incoming</c>, flushed to disk, then renamed into the queue, the envelope last: an entry exists
/// once its envelope does. Envelope updates replace the file atomically.
/// </summary>
internal sealed partial class FileSpool
{
    private static JsonSerializerOptions Json => SpoolJson.Options;

    private readonly TimeProvider _time;
    private readonly SpoolOptions _options;
    private readonly ILogger<FileSpool> _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SpoolEntry> _entries = new(StringComparer.Ordinal);
    private readonly SortedSet<(DateTimeOffset Due, string Id)> _ready = [];
    private readonly HashSet<string> _leased = new(StringComparer.Ordinal);

    /// <summary>The dead letters' envelopes, kept in memory so that listing and counting them reads no file.</summary>
    private readonly Dictionary<string, SpoolEntry> _dead = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = NewSignal();
    private bool _started;

    public FileSpool(IOptions<RelayOptions> relay, IOptions<SpoolOptions> options, TimeProvider time, ILogger<FileSpool> logger)
    {
        _time = time;
        _options = options.Value;
        _logger = logger;
        Root = Path.GetFullPath(Path.Combine(relay.Value.DataPath, "spool"));
        Incoming = Path.Combine(Root, "incoming");
        Queue = Path.Combine(Root, "queue");
        Delivered = Path.Combine(Root, "delivered");
        Dead = Path.Combine(Root, "dead");
        Corrupt = Path.Combine(Root, "corrupt");
    }

    /// <summary>
    /// Crash recovery (see <see cref="Recover"/>), once: run by <see cref="StartupSequence"/>, or by the first
    /// <see cref="EnqueueAsync"/>, <see cref="LeaseAsync"/> or count when the spool is used without the host.
    /// </summary>
    public void Start()
    {
        lock (_gate)
        {
            if (!_started)
            {
                Recover();
                _started = true;
            }
        }
    }

    public string Root { get; }
    private string Incoming { get; }
    private string Queue { get; }
    private string Delivered { get; }
    private string Dead { get; }
    private string Corrupt { get; }

    /// <summary>Messages waiting for delivery (queued, deferred or being delivered).</summary>
    public int Count
    {
        get
        {
            Start();
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Entries handed out by <see cref="LeaseAsync"/> and not yet given back: messages being delivered right now.</summary>
    public int LeasedCount
    {
        get
        {
            Start();
            lock (_gate)
            {
                return _leased.Count;
            }
        }
    }

    /// <summary>
    /// Stores a message (<paramref name="message"/> then <paramref name="suffix"/>) durably. When this returns, the message
    /// survives a crash; only then may the client get its 250.
    /// </summary>
    public async Task<SpoolEntry> EnqueueAsync(SpoolEntry envelope, ReadOnlySequence<byte> message, ReadOnlyMemory<byte> suffix, CancellationToken cancellationToken)
    {
        Start();
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
        Requeue(entry);
        return entry;
    }

    /// <summary>Waits for the next entry that is due and hands it out; no one else gets it until it is completed, deferred, dead-lettered or released.</summary>
    public async Task<SpoolEntry> LeaseAsync(CancellationToken cancellationToken)
    {
        Start();
        while (true)
        {
            Task changed;
            TimeSpan wait;
            lock (_gate)
            {
                if (_ready.Count > 0)
                {
                    var (due, id) = _ready.Min;
                    var now = _time.GetUtcNow();
                    if (due <= now)
                    {
                        _ready.Remove(_ready.Min);
                        _leased.Add(id);
                        return _entries[id];
                    }

                    wait = due - now;
                }
                else
                {
                    wait = Timeout.InfiniteTimeSpan;
                }

                changed = _changed.Task;
            }

            await Signal.WaitAsync(changed, wait, _time, cancellationToken);
        }
    }

    /// <summary>Null when a file can be written to the spool now; otherwise why not (disk full, permissions).</summary>
    public string? WriteProbe()
    {
        var probe = Path.Combine(Incoming, $"probe-{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(Incoming);
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
        new FileStream(MessagePath(entry.State == SpoolState.Dead ? Dead : Queue, entry.Id), FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);

    /// <summary>The message was delivered: removes it, or moves it to <c>spool/delivered</c> when archiving.</summary>
    public async Task CompleteAsync(SpoolEntry entry, string upstreamReply, CancellationToken cancellationToken)
    {
        if (_options.Delivered == DeliveredMessages.Archive)
        {
            var delivered = entry.WithAttempt(_time.GetUtcNow(), "Delivered", upstreamReply) with { LastError = null };
            await MoveOutAsync(delivered, Queue, Delivered, cancellationToken);
        }
        else
        {
            // The envelope goes first: without it the entry no longer exists, and a stray .eml is swept at start.
            File.Delete(EnvelopePath(Queue, entry.Id));
            File.Delete(MessagePath(Queue, entry.Id));
        }

        Forget(entry.Id);
    }

    /// <summary>A temporary failure: counts the attempt and makes the entry due again at <paramref name="nextAttemptAt"/>.</summary>
    public async Task<SpoolEntry> DeferAsync(SpoolEntry entry, DateTimeOffset nextAttemptAt, string reason, CancellationToken cancellationToken)
    {
        var deferred = entry.WithAttempt(_time.GetUtcNow(), "Deferred", reason) with { NextAttemptAt = nextAttemptAt, LastError = reason, State = SpoolState.Deferred };
        await DurableFile.ReplaceAsync(EnvelopePath(Queue, entry.Id), JsonSerializer.SerializeToUtf8Bytes(deferred, Json), cancellationToken);
        Requeue(deferred);
        return deferred;
    }

    /// <summary>Gives a leased entry back untouched (no attempt counted), due again at once.</summary>
    public void Release(SpoolEntry entry) => Requeue(entry);

    /// <summary>A permanent failure: moves the entry to <c>spool/dead</c> with the reason, out of the delivery queue.</summary>
    public async Task<SpoolEntry> DeadLetterAsync(SpoolEntry entry, string reason, CancellationToken cancellationToken)
    {
        var dead = entry.WithAttempt(_time.GetUtcNow(), "Rejected", reason) with { LastError = reason, State = SpoolState.Dead };
        await MoveOutAsync(dead, Queue, Dead, cancellationToken);
        Forget(entry.Id);
        RememberDead(dead);
        return dead;
    }

    /// <summary>
    /// A new entry for some of <paramref name="entry"/>'s recipients (those the upstream refused while it took the
    /// others), with a copy of the message: queued again for a temporary refusal, dead for a permanent one.
    /// </summary>
    public async Task<SpoolEntry> SplitAsync(SpoolEntry entry, IReadOnlyList<string> recipients, SpoolState state, DateTimeOffset nextAttemptAt, string reason, CancellationToken cancellationToken)
    {
        var split = entry.WithAttempt(_time.GetUtcNow(), state == SpoolState.Dead ? "Rejected" : "Deferred", reason) with
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
            RememberDead(split);
        }
        else
        {
            Requeue(split);
        }

        return split;
    }

    /// <summary>
    /// Makes a new entry exist in <paramref name="folder"/>: message and envelope written under <c>incoming</c> and
    /// flushed to disk, renamed into the folder (the envelope last: an entry exists once its envelope does), the folder
    /// synced. On failure nothing is left behind.
    /// </summary>
    private async Task PublishAsync(SpoolEntry entry, string folder, Func<Stream, CancellationToken, Task> writeMessage, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Incoming);
        Directory.CreateDirectory(folder);
        var incomingMessage = MessagePath(Incoming, entry.Id);
        var incomingEnvelope = EnvelopePath(Incoming, entry.Id);
        try
        {
            await DurableFile.WriteAsync(incomingMessage, writeMessage, cancellationToken);
            await DurableFile.WriteAsync(incomingEnvelope, JsonSerializer.SerializeToUtf8Bytes(entry, Json), cancellationToken);
            File.Move(incomingMessage, MessagePath(folder, entry.Id));
            File.Move(incomingEnvelope, EnvelopePath(folder, entry.Id));
            DurableFile.SyncFolder(folder);
        }
        catch
        {
            TryDelete(incomingMessage, incomingEnvelope, MessagePath(folder, entry.Id));
            throw;
        }
    }

    private async Task MoveOutAsync(SpoolEntry entry, string from, string to, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(to);
        await DurableFile.ReplaceAsync(EnvelopePath(from, entry.Id), JsonSerializer.SerializeToUtf8Bytes(entry, Json), cancellationToken);
        File.Move(MessagePath(from, entry.Id), MessagePath(to, entry.Id), overwrite: true);
        File.Move(EnvelopePath(from, entry.Id), EnvelopePath(to, entry.Id), overwrite: true);
        DurableFile.SyncFolder(to);
    }

    private void Requeue(SpoolEntry entry)
    {
        lock (_gate)
        {
            _leased.Remove(entry.Id);
            _entries[entry.Id] = entry;
            _ready.Add((entry.NextAttemptAt, entry.Id));
            SignalLocked();
        }
    }

    private void RememberDead(SpoolEntry dead)
    {
        lock (_gate)
        {
            _dead[dead.Id] = dead;
        }
    }

    private void Forget(string id)
    {
        lock (_gate)
        {
            _entries.Remove(id);
            _leased.Remove(id);
            SignalLocked();
        }
    }

    private void SignalLocked()
    {
        var changed = _changed;
        _changed = NewSignal();
        changed.TrySetResult();
    }

    /// <summary>
    /// Rebuilds the queue from disk. Whatever sits in <c>incoming</c> was never acknowledged with a 250, so it is
    /// dropped (the client still has it). An envelope that cannot be read is moved to <c>spool/corrupt</c>.
    /// </summary>
    private void Recover()
    {
        Directory.CreateDirectory(Root);
        if (Directory.Exists(Incoming))
        {
            Directory.Delete(Incoming, recursive: true);
        }

        Directory.CreateDirectory(Incoming);
        Directory.CreateDirectory(Queue);
        foreach (var leftover in Directory.EnumerateFiles(Queue, "*.tmp"))
        {
            File.Delete(leftover);
        }

        foreach (var envelopeFile in Directory.EnumerateFiles(Queue, "*.json"))
        {
            var id = Path.GetFileNameWithoutExtension(envelopeFile);
            var entry = ReadEnvelope(envelopeFile);
            if (entry is null || entry.Id != id || !File.Exists(MessagePath(Queue, id)))
            {
                MoveAsideCorrupt(id);
                continue;
            }

            if (entry.QueuedAt == default)
            {
                entry = entry with { QueuedAt = entry.ReceivedAt };
            }

            _entries[id] = entry;
            _ready.Add((entry.NextAttemptAt, id));
        }

        foreach (var message in Directory.EnumerateFiles(Queue, "*.eml"))
        {
            if (!_entries.ContainsKey(Path.GetFileNameWithoutExtension(message)))
            {
                // Its envelope never made it into the queue: the client got no 250 for it.
                File.Delete(message);
            }
        }

        if (Directory.Exists(Dead))
        {
            foreach (var envelopeFile in Directory.EnumerateFiles(Dead, "*.json"))
            {
                if (ReadEnvelope(envelopeFile) is { } dead && dead.Id == Path.GetFileNameWithoutExtension(envelopeFile))
                {
                    _dead[dead.Id] = dead with { State = SpoolState.Dead };
                }
            }
        }

        SpoolLog.Recovered(_logger, _entries.Count, Root);
    }

    private void MoveAsideCorrupt(string id)
    {
        Directory.CreateDirectory(Corrupt);
        foreach (var path in new[] { EnvelopePath(Queue, id), MessagePath(Queue, id) })
        {
            if (File.Exists(path))
            {
                File.Move(path, Path.Combine(Corrupt, Path.GetFileName(path)), overwrite: true);
            }
        }

        SpoolLog.CorruptEntry(_logger, id, Corrupt);
    }

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
    private static string MessagePath(string folder, string id) => Path.Combine(folder, id + ".eml");
    private static string EnvelopePath(string folder, string id) => Path.Combine(folder, id + ".json");
    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
