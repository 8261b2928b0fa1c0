using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Relay.Spool;

namespace Relay.Tests.Spool;

public sealed class FileSpoolTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("relay-spool-test-").FullName;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));

    private string Queue => Path.Combine(_data, "spool", "queue");

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private FileSpool NewSpool(DeliveredMessages delivered = DeliveredMessages.Delete)
    {
        var spool = Construct(delivered);
        spool.Start();
        return spool;
    }

    private FileSpool Construct(DeliveredMessages delivered = DeliveredMessages.Delete, string? dataPath = null) => new(
        Options.Create(new RelayOptions { DataPath = dataPath ?? _data }),
        Options.Create(new SpoolOptions { Delivered = delivered }),
        _clock,
        NullLogger<FileSpool>.Instance);

    [Fact]
    public void Construction_TouchesNoFile_StartRecovers()
    {
        var missing = Path.Combine(_data, "not-yet");
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(Path.Combine(_data, "spool", "incoming")).FullName, "half.eml"), "never acknowledged");

        var spool = Construct(dataPath: missing);
        var existing = Construct();

        Assert.False(Directory.Exists(missing));
        Assert.True(File.Exists(Path.Combine(_data, "spool", "incoming", "half.eml")));
        spool.Start();
        existing.Start();
        Assert.True(Directory.Exists(Path.Combine(missing, "spool", "queue")));
        Assert.False(File.Exists(Path.Combine(_data, "spool", "incoming", "half.eml")));
    }

    private Task<SpoolEntry> EnqueueAsync(FileSpool spool, string body = "Subject: hi\r\n\r\nbody") =>
        spool.EnqueueAsync(
            new SpoolEntry { Id = "", MailFrom = "app@legacy.lan", Recipients = ["a@example.org", "bcc@example.org"], ClientAddress = "10.0.0.9", ReceivedAt = _clock.GetUtcNow() },
            new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(body)),
            "\r\n"u8.ToArray(),
            CancellationToken.None);

    private string EntryFile(string folder, string id) => Path.Combine(_data, "spool", folder, id + ".entry");

    private static async Task<byte[]> MessageBytesAsync(FileSpool spool, SpoolEntry entry)
    {
        await using var message = spool.OpenMessage(entry);
        using var copy = new MemoryStream();
        await message.CopyToAsync(copy);
        return copy.ToArray();
    }

    [Fact]
    public async Task Enqueue_WritesOneFile_TheEnvelopeLineThenTheMessageBytes_AndLeavesNothingInIncoming()
    {
        var spool = NewSpool();

        var entry = await EnqueueAsync(spool);

        var file = await File.ReadAllBytesAsync(EntryFile("queue", entry.Id));
        var lineEnd = Array.IndexOf(file, (byte)'\n');
        var envelope = System.Text.Json.JsonDocument.Parse(file.AsMemory(0, lineEnd)).RootElement;
        Assert.Equal(entry.Id, envelope.GetProperty("id").GetString());
        Assert.Equal(["a@example.org", "bcc@example.org"], envelope.GetProperty("recipients").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("Subject: hi\r\n\r\nbody\r\n", Encoding.ASCII.GetString(file.AsSpan(lineEnd + 1)));
        Assert.Equal("Subject: hi\r\n\r\nbody\r\n", Encoding.ASCII.GetString(await MessageBytesAsync(spool, entry)));
        Assert.Equal([EntryFile("queue", entry.Id)], Directory.GetFiles(Queue));
        Assert.Empty(Directory.GetFiles(Path.Combine(_data, "spool", "incoming")));
        Assert.Equal(21, entry.Size);
        Assert.Equal(1, spool.Count);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(EntryFile("queue", entry.Id)));
        }
    }

    [Fact]
    public async Task Defer_RewritesTheEntry_SameMessageBytes_NewEnvelope_NothingLeftInIncoming()
    {
        var spool = NewSpool();
        var body = "Subject: caf\u00e9\r\n\r\nbare\nLF and a long line " + new string('x', 2000) + "\r\n.dot\r\n";
        await EnqueueAsync(spool, body);
        var leased = await spool.LeaseAsync([""], CancellationToken.None);

        var reason = "421-4.7.0 Réessayez\r\n421 4.7.0 plus tard\n\u2028fin";

        var deferred = await spool.DeferAsync(leased, _clock.GetUtcNow().AddMinutes(5), reason, CancellationToken.None);

        Assert.Equal(Encoding.UTF8.GetBytes(body + "\r\n"), await MessageBytesAsync(spool, deferred));
        Assert.Equal(reason, SpoolFile.Read(EntryFile("queue", deferred.Id))!.LastError);
        var file = await File.ReadAllBytesAsync(EntryFile("queue", deferred.Id));
        Assert.Equal(Encoding.UTF8.GetBytes(body + "\r\n"), file[(Array.IndexOf(file, (byte)'\n') + 1)..]); // the envelope is one line, whatever its text
        Assert.Single(Directory.GetFiles(Queue));
        Assert.Empty(Directory.GetFiles(Path.Combine(_data, "spool", "incoming")));
    }

    [Fact]
    public async Task AnEnvelopeLongerThanOneRead_IsReadWhole_AndTheMessageStreamStartsRightAfterIt()
    {
        var spool = NewSpool();
        var body = "Subject: many\r\n\r\n" + new string('b', 10_000);
        // 300 recipients: an envelope line of some 9 KB, longer than the first 4 KB read.
        var recipients = Enumerable.Range(0, 300).Select(i => $"recipient-number-{i}@example.org").ToList();
        var entry = await spool.EnqueueAsync(
            new SpoolEntry { Id = "", MailFrom = "app@legacy.lan", Recipients = recipients, ReceivedAt = _clock.GetUtcNow() },
            new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(body)), ReadOnlyMemory<byte>.Empty, CancellationToken.None);

        Assert.True(Array.IndexOf(await File.ReadAllBytesAsync(EntryFile("queue", entry.Id)), (byte)'\n') > 4096);
        Assert.Equal(recipients, NewSpool().Find(entry.Id)!.Recipients);
        await using var message = spool.OpenMessage(entry);
        Assert.Equal(entry.Size, message.Length);
        message.Position = 15; // "Subject: many\r\n" is 15 bytes
        var piece = new byte[3];
        Assert.Equal(3, await message.ReadAsync(piece));
        Assert.Equal("\r\nb", Encoding.ASCII.GetString(piece));
        message.Position = 0;
        Assert.Equal(body, await new StreamReader(message).ReadToEndAsync());
    }

    [Fact]
    public async Task WhenTheDiskRefusesAnUpdate_TheEntryIsKept_ADeferralStillWaits_AndADeadLetterStillLeavesTheQueue()
    {
        var spool = NewSpool();
        var deferredOne = await EnqueueAsync(spool, "Subject: deferred\r\n\r\nbody");
        var deadOne = await EnqueueAsync(spool, "Subject: dead\r\n\r\nbody");
        var incoming = Path.Combine(_data, "spool", "incoming");
        Directory.Delete(incoming);
        await File.WriteAllTextAsync(incoming, "not a folder"); // no update can be written now

        var deferred = await spool.DeferAsync(await spool.LeaseAsync([""], CancellationToken.None), _clock.GetUtcNow().AddMinutes(5), "421 later", CancellationToken.None);
        var dead = await spool.DeadLetterAsync(await spool.LeaseAsync([""], CancellationToken.None), "550 no", CancellationToken.None);

        Assert.Equal(deferredOne.Id, deferred.Id);
        Assert.False(spool.LeaseAsync([""], CancellationToken.None).IsCompleted); // it waits its 5 minutes, not due at once
        Assert.Equal(deadOne.Id, dead.Id);
        Assert.True(File.Exists(EntryFile("dead", dead.Id)));
        Assert.False(File.Exists(EntryFile("queue", dead.Id)));
        Assert.Equal("Subject: deferred\r\n\r\nbody\r\n", Encoding.ASCII.GetString(await MessageBytesAsync(spool, deferred)));
        File.Delete(incoming);
        var restarted = NewSpool();
        Assert.Equal(deferred.Id, Assert.Single(restarted.Waiting()).Id);
        Assert.Equal(SpoolState.Dead, restarted.Find(dead.Id)!.State); // its folder says so, though its file lacks the reason
    }

    [Fact]
    public async Task Recovery_TheFolderDecidesTheState_WhenACrashCameBetweenAnUpdateAndItsMove()
    {
        var spool = NewSpool();
        var leaving = await EnqueueAsync(spool, "Subject: leaving\r\n\r\nbody");
        var returning = await EnqueueAsync(spool, "Subject: returning\r\n\r\nbody");
        await spool.DeadLetterAsync(await spool.LeaseAsync([""], CancellationToken.None), "550 no", CancellationToken.None);
        await spool.DeadLetterAsync(await spool.LeaseAsync([""], CancellationToken.None), "550 no", CancellationToken.None);
        // Cut before the rename: one rewritten as dead but still in the queue, one rewritten as queued but still dead.
        File.Move(EntryFile("dead", leaving.Id), EntryFile("queue", leaving.Id));
        await spool.RetryAsync(returning.Id, CancellationToken.None);
        File.Move(EntryFile("queue", returning.Id), EntryFile("dead", returning.Id));

        var restarted = NewSpool();

        Assert.Equal(SpoolState.Queued, restarted.Find(leaving.Id)!.State);
        Assert.Equal(SpoolState.Dead, restarted.Find(returning.Id)!.State);
        Assert.Equal(1, restarted.Count);
        Assert.Equal(1, restarted.DeadCount);
    }

    [Fact]
    public async Task NewSpoolOnTheSameFolder_PicksUpEveryUndeliveredEntry()
    {
        var first = NewSpool();
        var a = await EnqueueAsync(first);
        var b = await EnqueueAsync(first);
        await first.DeferAsync(await first.LeaseAsync([""], CancellationToken.None), _clock.GetUtcNow().AddMinutes(5), "421 try later", CancellationToken.None);

        var restarted = NewSpool();

        Assert.Equal(2, restarted.Count);
        var due = await restarted.LeaseAsync([""], CancellationToken.None);
        Assert.Equal(b.Id, due.Id); // a was deferred, b is due now
        _clock.Advance(TimeSpan.FromMinutes(5));
        var later = await restarted.LeaseAsync([""], CancellationToken.None);
        Assert.Equal(a.Id, later.Id);
        Assert.Equal(1, later.Attempts);
        Assert.Equal("421 try later", later.LastError);
        Assert.Equal(["a@example.org", "bcc@example.org"], later.Recipients);
    }

    [Fact]
    public async Task Recovery_CorruptOrHalfWrittenEntries_AreMovedAsideOrDropped_AndTheRestIsKept()
    {
        var spool = NewSpool();
        var good = await EnqueueAsync(spool);
        await File.WriteAllTextAsync(Path.Combine(Queue, "0cutenvelope.entry"), "{ \"id\": \"0cutenv"); // no end to its first line
        await File.WriteAllTextAsync(Path.Combine(Queue, "0badenvelope.entry"), "{ \"id\": 12\nSubject: x\r\n\r\n");
        await File.WriteAllTextAsync(Path.Combine(Queue, "0oldbadenvelope.json"), "{ \"id\": \"0badenv");
        await File.WriteAllTextAsync(Path.Combine(Queue, "0oldbadenvelope.eml"), "Subject: x\r\n\r\n");
        await File.WriteAllTextAsync(Path.Combine(Queue, "0orphan.eml"), "never acknowledged");
        await File.WriteAllTextAsync(Path.Combine(_data, "spool", "incoming", "0partial.entry"), "cut off mid-wr");

        var restarted = NewSpool();

        Assert.Equal(1, restarted.Count);
        Assert.Equal(good.Id, (await restarted.LeaseAsync([""], CancellationToken.None)).Id);
        var corrupt = Path.Combine(_data, "spool", "corrupt");
        Assert.True(File.Exists(Path.Combine(corrupt, "0cutenvelope.entry")));
        Assert.True(File.Exists(Path.Combine(corrupt, "0badenvelope.entry")));
        Assert.True(File.Exists(Path.Combine(corrupt, "0oldbadenvelope.json")) && File.Exists(Path.Combine(corrupt, "0oldbadenvelope.eml")));
        Assert.Equal([EntryFile("queue", good.Id)], Directory.GetFiles(Queue));
        Assert.Empty(Directory.GetFiles(Path.Combine(_data, "spool", "incoming")));
    }

    /// <summary>Writes an entry as versions before .entry files kept it: <c>ID.json</c> in one folder, <c>ID.eml</c> in another.</summary>
    private SpoolEntry WriteOldEntry(string envelopeFolder, string messageFolder, string body, SpoolState state = SpoolState.Queued)
    {
        var entry = new SpoolEntry
        {
            Id = Guid.CreateVersion7().ToString("N"),
            MailFrom = "app@legacy.lan",
            Recipients = ["a@example.org", "bcc@example.org"],
            ClientAddress = "10.0.0.9",
            Account = "scanner",
            ReceivedAt = _clock.GetUtcNow(),
            QueuedAt = _clock.GetUtcNow(),
            NextAttemptAt = _clock.GetUtcNow().AddMinutes(4),
            Size = Encoding.UTF8.GetByteCount(body),
            State = state,
            Attempts = 2,
            LastError = "421 4.7.0 later",
            History = [new SpoolAttempt(_clock.GetUtcNow().AddMinutes(-2), Relay.Outbound.DeliveryResult.Deferred, "421 4.7.0 later")],
        };
        var spool = Path.Combine(_data, "spool");
        File.WriteAllBytes(Path.Combine(Directory.CreateDirectory(Path.Combine(spool, envelopeFolder)).FullName, entry.Id + ".json"), System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(entry, SpoolJson.Options));
        File.WriteAllBytes(Path.Combine(Directory.CreateDirectory(Path.Combine(spool, messageFolder)).FullName, entry.Id + ".eml"), Encoding.UTF8.GetBytes(body));
        return entry;
    }

    [Fact]
    public async Task Recovery_TurnsAnEarlierVersionsEntries_IntoEntryFiles_ByteForByte()
    {
        var body = "Subject: caf\u00e9\r\nContent-Transfer-Encoding: 8bit\r\n\r\nbare\nLF, " + new string('x', 1500) + "\r\n.\r\n..dot\r\n";
        var waiting = WriteOldEntry("queue", "queue", body);
        var dead = WriteOldEntry("dead", "dead", "Subject: dead\r\n\r\nbody\r\n", SpoolState.Dead);
        var halfDone = WriteOldEntry("queue", "queue", "Subject: half\r\n\r\nbody\r\n");
        var oldPair = new[] { ".json", ".eml" }.Select(extension => (Path.Combine(Queue, halfDone.Id + extension), File.ReadAllBytes(Path.Combine(Queue, halfDone.Id + extension)))).ToList();
        var started = NewSpool();
        // The converted entry changes (an attempt counted), then a crash is played back as if it had come after the .entry
        // was in place and before the old pair went: the next start finds both, and must keep the .entry, not the pair.
        var entryFile = EntryFile("queue", halfDone.Id);
        await using (var message = started.OpenMessage(started.Find(halfDone.Id)!))
        {
            await SpoolFile.WriteAsync(entryFile + ".new", started.Find(halfDone.Id)! with { Attempts = 3, LastError = "421 after the conversion" }, message.CopyToAsync, CancellationToken.None);
        }

        File.Move(entryFile + ".new", entryFile, overwrite: true);
        oldPair.ForEach(file => File.WriteAllBytes(file.Item1, file.Item2));

        var restarted = NewSpool();

        Assert.Equal(2, started.Count);
        Assert.Equal(2, restarted.Count);
        Assert.Equal("Subject: half\r\n\r\nbody\r\n", Encoding.UTF8.GetString(await MessageBytesAsync(restarted, restarted.Find(halfDone.Id)!)));
        Assert.Equal((3, "421 after the conversion"), (restarted.Find(halfDone.Id)!.Attempts, restarted.Find(halfDone.Id)!.LastError));
        Assert.Equal(Encoding.UTF8.GetBytes(body), await MessageBytesAsync(restarted, restarted.Find(waiting.Id)!));
        var converted = restarted.Find(waiting.Id)!;
        Assert.Equal(waiting with { Recipients = converted.Recipients, History = converted.History }, converted);
        Assert.Equal(waiting.Recipients, converted.Recipients);
        Assert.Equal(waiting.History, converted.History);
        Assert.Equal(SpoolState.Dead, restarted.Find(dead.Id)!.State);
        Assert.Equal("Subject: dead\r\n\r\nbody\r\n", Encoding.UTF8.GetString(await MessageBytesAsync(restarted, restarted.Find(dead.Id)!)));
        Assert.Empty(Directory.GetFiles(Path.Combine(_data, "spool"), "*.eml", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(Path.Combine(_data, "spool"), "*.json", SearchOption.AllDirectories));
    }

    [Fact]
    public void Recovery_LeavesAnEarlierVersionsUnreadableDeadLetterAndItsArchive_AsTheyAre()
    {
        var unreadable = WriteOldEntry("dead", "dead", "Subject: dead\r\n\r\nbody\r\n", SpoolState.Dead);
        File.WriteAllText(Path.Combine(_data, "spool", "dead", unreadable.Id + ".json"), "{ \"id\": \"cut");
        var archived = WriteOldEntry("delivered", "delivered", "Subject: sent\r\n\r\nbody\r\n");
        var files = Directory.GetFiles(Path.Combine(_data, "spool"), "*", SearchOption.AllDirectories).ToDictionary(path => path, File.ReadAllBytes);

        var restarted = NewSpool();

        Assert.Equal(0, restarted.DeadCount);
        Assert.Equal(4, files.Count); // the two pairs, each byte as it was
        Assert.All(files, file => Assert.Equal(file.Value, File.ReadAllBytes(file.Key)));
        Assert.Contains(Path.Combine(_data, "spool", "delivered", archived.Id + ".eml"), files.Keys);
        Assert.Empty(Directory.GetFiles(Path.Combine(_data, "spool"), "*.entry", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Recovery_ReadsAnEnvelopeAsTheEarlierVersionWroteIt()
    {
        // Written by the relay of 2026-11-30 before .entry files (commit 199e174), field for field: indented, camelCase, enums as names.
        const string id = "01a22ec849417d308d232da5aaa1678e";
        var queue = Directory.CreateDirectory(Queue).FullName;
        File.WriteAllText(Path.Combine(queue, id + ".json"), """
            {
              "id": "01a22ec849417d308d232da5aaa1678e",
              "mailFrom": "app@legacy.lan",
              "recipients": [
                "alice@example.org",
                "\"john doe\"@example.org"
              ],
              "clientAddress": "127.0.0.1",
              "account": "default",
              "receivedAt": "2026-11-30T23:26:48.1234567+00:00",
              "queuedAt": "2026-11-30T23:26:48.1234567+00:00",
              "size": 24,
              "attempts": 1,
              "nextAttemptAt": "2026-11-30T23:27:48+00:00",
              "lastError": "421 4.7.0 Try again later",
              "state": "Deferred",
              "notification": false,
              "history": [
                {
                  "at": "2026-11-30T23:26:48.5+00:00",
                  "result": "Deferred",
                  "reply": "421 4.7.0 Try again later"
                }
              ]
            }
            """);
        File.WriteAllText(Path.Combine(queue, id + ".eml"), "Subject: before\r\n\r\nbody\r\n");

        var restarted = NewSpool();

        var entry = restarted.Find(id)!;
        Assert.Equal(["alice@example.org", "\"john doe\"@example.org"], entry.Recipients);
        Assert.Equal(("default", 1, SpoolState.Deferred, "421 4.7.0 Try again later"), (entry.Account, entry.Attempts, entry.State, entry.LastError));
        Assert.Equal(DateTimeOffset.Parse("2026-11-30T23:27:48+00:00", System.Globalization.CultureInfo.InvariantCulture), entry.NextAttemptAt);
        Assert.Equal(Relay.Outbound.DeliveryResult.Deferred, Assert.Single(entry.History).Result);
        Assert.Equal("Subject: before\r\n\r\nbody\r\n", Encoding.UTF8.GetString(await MessageBytesAsync(restarted, entry)));
    }

    [Fact]
    public async Task Recovery_FinishesAnEarlierVersionsMoveCutBetweenMessageAndEnvelope_InBothDirections()
    {
        // Versions before .entry files moved the message first, the envelope last. Cut between the two: one on its way into
        // the dead letters (envelope still in the queue), one out of them (message already in the queue).
        var leaving = WriteOldEntry("queue", "dead", "Subject: leaving\r\n\r\nbody", SpoolState.Dead);
        var retried = WriteOldEntry("dead", "queue", "Subject: retried\r\n\r\nbody");

        var restarted = NewSpool();

        Assert.Equal(1, restarted.DeadCount);
        Assert.True(File.Exists(EntryFile("dead", leaving.Id)));
        Assert.Equal(retried.Id, Assert.Single(restarted.Waiting()).Id);
        using var message = new StreamReader(restarted.OpenMessage(restarted.Find(retried.Id)!));
        Assert.StartsWith("Subject: retried", await message.ReadToEndAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recovery_DropsADeadLetterCopyCutBeforeItsEnvelope_AndKeepsTheOriginal()
    {
        var spool = NewSpool();
        var original = await EnqueueAsync(spool, "Subject: split\r\n\r\nbody");
        var dead = Path.Combine(_data, "spool", "dead");
        Directory.CreateDirectory(dead);
        var orphan = Path.Combine(dead, "0123456789abcdef0123456789abcdef.eml"); // a split's message, written before its envelope
        await File.WriteAllTextAsync(orphan, "Subject: split\r\n\r\nbody");

        var restarted = NewSpool();

        Assert.False(File.Exists(orphan));
        Assert.Equal(original.Id, Assert.Single(restarted.Waiting()).Id);
        Assert.Equal(0, restarted.DeadCount);
    }

    [Fact]
    public async Task ManyMessagesAtOnce_EachIsDurableWhenEnqueueReturns()
    {
        var spool = NewSpool();

        var entries = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => EnqueueAsync(spool, $"Subject: {i}\r\n\r\nbody"))));

        Assert.Equal(40, entries.Select(e => e.Id).Distinct().Count());
        Assert.All(entries, e => Assert.True(File.Exists(EntryFile("queue", e.Id))));
        Assert.Equal(40, NewSpool().Count);
    }

    [Fact]
    public async Task Lease_WaitsUntilTheEntryIsDue()
    {
        var spool = NewSpool();
        var entry = await EnqueueAsync(spool);
        var leased = await spool.LeaseAsync([""], CancellationToken.None);
        await spool.DeferAsync(leased, _clock.GetUtcNow().AddMinutes(1), "busy", CancellationToken.None);

        var waiting = spool.LeaseAsync([""], CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        _clock.Advance(TimeSpan.FromSeconds(59));
        Assert.False(waiting.IsCompleted);
        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(entry.Id, (await waiting.WaitAsync(TimeSpan.FromSeconds(10))).Id);
    }

    [Fact]
    public async Task Lease_WakesUpWhenAMessageArrives()
    {
        var spool = NewSpool();
        var waiting = spool.LeaseAsync([""], CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        var entry = await EnqueueAsync(spool);

        Assert.Equal(entry.Id, (await waiting.WaitAsync(TimeSpan.FromSeconds(10))).Id);
    }

    [Fact]
    public async Task Complete_DeletesOrArchives()
    {
        var deleting = NewSpool();
        var gone = await EnqueueAsync(deleting);
        await deleting.CompleteAsync(await deleting.LeaseAsync([""], CancellationToken.None), "250 OK", CancellationToken.None);
        Assert.Empty(Directory.GetFiles(Queue));
        Assert.Equal(0, deleting.Count);

        var archiving = NewSpool(DeliveredMessages.Archive);
        var kept = await EnqueueAsync(archiving);
        await archiving.CompleteAsync(await archiving.LeaseAsync([""], CancellationToken.None), "250 OK", CancellationToken.None);
        Assert.Equal("250 OK", SpoolFile.Read(EntryFile("delivered", kept.Id))!.History[^1].Reply);
        Assert.False(File.Exists(EntryFile("delivered", gone.Id)));
        Assert.Empty(Directory.GetFiles(Queue));
    }

    [Fact]
    public async Task DeadLetter_MovesTheEntryOutOfTheQueueWithTheReason()
    {
        var spool = NewSpool();
        var entry = await EnqueueAsync(spool);

        var dead = await spool.DeadLetterAsync(await spool.LeaseAsync([""], CancellationToken.None), "550 5.1.1 no such user", CancellationToken.None);

        Assert.Equal(SpoolState.Dead, dead.State);
        Assert.Equal(0, spool.Count);
        Assert.Equal("550 5.1.1 no such user", SpoolFile.Read(EntryFile("dead", entry.Id))!.LastError);
        Assert.Equal("Subject: hi\r\n\r\nbody\r\n", Encoding.ASCII.GetString(await MessageBytesAsync(spool, dead)));
        Assert.Equal(0, NewSpool().Count);
    }

    [Fact]
    public async Task Release_GivesTheEntryBackWithoutCountingAnAttempt()
    {
        var spool = NewSpool();
        await EnqueueAsync(spool);
        var leased = await spool.LeaseAsync([""], CancellationToken.None);

        spool.Release(leased);

        var again = await spool.LeaseAsync([""], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(leased.Id, again.Id);
        Assert.Equal(0, again.Attempts);
    }

    [Fact]
    public async Task Split_CopiesTheMessageForSomeRecipients_QueuedOrDead()
    {
        var spool = NewSpool();
        var leased = await LeaseNewAsync(spool);

        var dead = await spool.SplitAsync(leased, ["a@example.org"], SpoolState.Dead, _clock.GetUtcNow(), "550 5.1.1 no such user", CancellationToken.None);
        var again = await spool.SplitAsync(leased, ["bcc@example.org"], SpoolState.Deferred, _clock.GetUtcNow().AddMinutes(1), "450 4.2.1 busy", CancellationToken.None);
        await spool.CompleteAsync(leased, "250 OK", CancellationToken.None);

        Assert.Equal("Subject: hi\r\n\r\nbody\r\n", Encoding.ASCII.GetString(await MessageBytesAsync(spool, dead)));
        Assert.Equal("Subject: hi\r\n\r\nbody\r\n", Encoding.ASCII.GetString(await MessageBytesAsync(spool, again)));
        Assert.Equal(["a@example.org"], spool.Find(dead.Id)!.Recipients);
        Assert.Equal(SpoolState.Dead, spool.Find(dead.Id)!.State);
        Assert.Equal(1, spool.Count);
        _clock.Advance(TimeSpan.FromMinutes(1));
        var next = await spool.LeaseAsync([""], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(again.Id, next.Id);
        Assert.Equal(["bcc@example.org"], next.Recipients);
        Assert.Equal("450 4.2.1 busy", Assert.Single(next.History).Reply);
    }

    [Fact]
    public async Task Retry_DeadLetterGoesBackToTheQueue_DeferredOneBecomesDueNow()
    {
        var spool = NewSpool();
        var deadEntry = await spool.DeadLetterAsync(await LeaseNewAsync(spool), "550 no", CancellationToken.None);
        var deferred = await spool.DeferAsync(await LeaseNewAsync(spool), _clock.GetUtcNow().AddHours(1), "421 later", CancellationToken.None);
        _clock.Advance(TimeSpan.FromDays(6));

        var revived = (await spool.RetryAsync(deadEntry.Id, CancellationToken.None)).Entry;
        var hurried = (await spool.RetryAsync(deferred.Id, CancellationToken.None)).Entry;

        Assert.Equal(SpoolState.Queued, revived!.State);
        Assert.Equal(_clock.GetUtcNow(), revived.QueuedAt); // the maximum age counts again from now
        Assert.Equal(_clock.GetUtcNow(), hurried!.NextAttemptAt);
        Assert.Equal(2, spool.Count);
        Assert.Equal(0, spool.DeadCount);
        Assert.True(File.Exists(EntryFile("queue", revived.Id)));
        Assert.False(File.Exists(EntryFile("dead", revived.Id)));
        Assert.Equal(2, NewSpool().Count);
        Assert.Equal(SpoolChange.NotFound, await spool.RetryAsync("0123456789abcdef0123456789abcdef", CancellationToken.None));
        Assert.Equal(SpoolChange.NotFound, await spool.RetryAsync("../queue/x", CancellationToken.None));
    }

    [Fact]
    public async Task Delete_RemovesQueuedAndDeadEntries_ButNotOneBeingDelivered()
    {
        var spool = NewSpool();
        var dead = await spool.DeadLetterAsync(await LeaseNewAsync(spool), "550 no", CancellationToken.None);
        var leased = await LeaseNewAsync(spool);
        var queued = await EnqueueAsync(spool);

        Assert.Equal(SpoolChangeResult.Done, (await spool.DeleteAsync(dead.Id, CancellationToken.None)).Result);
        Assert.Equal(SpoolChangeResult.Done, (await spool.DeleteAsync(queued.Id, CancellationToken.None)).Result);
        Assert.Equal(SpoolChangeResult.Busy, (await spool.DeleteAsync(leased.Id, CancellationToken.None)).Result);
        Assert.Equal(SpoolChange.NotFound, await spool.DeleteAsync(dead.Id, CancellationToken.None));
        Assert.Equal([leased.Id], spool.List().Select(e => e.Id));
        Assert.False(File.Exists(EntryFile("dead", dead.Id)));
        Assert.False(File.Exists(EntryFile("queue", queued.Id)));
        Assert.Equal([leased.Id], NewSpool().List().Select(e => e.Id));
    }

    [Fact]
    public async Task Expire_MovesAWaitingEntryToTheDeadLetters_AndWhenTheMoveFails_ItWaitsAsBefore()
    {
        var spool = NewSpool();
        var entry = await EnqueueAsync(spool);
        var dead = Path.Combine(_data, "spool", "dead");
        await File.WriteAllTextAsync(dead, "not a folder"); // the move cannot happen

        await Assert.ThrowsAnyAsync<IOException>(() => spool.ExpireAsync(entry.Id, "account gone", CancellationToken.None));

        Assert.Equal(entry.Id, Assert.Single(spool.Waiting()).Id);
        Assert.True(File.Exists(EntryFile("queue", entry.Id)));
        File.Delete(dead);
        var expired = await spool.ExpireAsync(entry.Id, "account gone", CancellationToken.None);
        Assert.Equal(SpoolChangeResult.Done, expired.Result);
        Assert.Equal("account gone", SpoolFile.Read(EntryFile("dead", entry.Id))!.LastError);
        Assert.Empty(spool.Waiting());
        Assert.Equal(1, NewSpool().DeadCount);
    }

    /// <summary>Enqueues a message and leases it; call it when nothing else is due.</summary>
    private async Task<SpoolEntry> LeaseNewAsync(FileSpool spool)
    {
        var entry = await EnqueueAsync(spool);
        var leased = await spool.LeaseAsync([""], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(entry.Id, leased.Id);
        return leased;
    }

    [Theory]
    [InlineData("../canary")]
    [InlineData("../../canary")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")]
    public async Task AdminOperations_TakeOnlyLowercaseHexIds_SoATraversalTouchesNoFile(string id)
    {
        var spool = NewSpool();
        await EnqueueAsync(spool);
        // What "../canary" would name from spool/dead, and "../../canary" from there: spool/canary and <data>/canary.
        var canaries = new[] { Path.Combine(_data, "spool", "canary"), Path.Combine(_data, "canary") };
        foreach (var canary in canaries)
        {
            await File.WriteAllTextAsync(canary + ".json", """{"id":"canary","mailFrom":"a@b.c","recipients":["x@y.z"],"state":"Dead"}""");
            await File.WriteAllTextAsync(canary + ".eml", "Subject: canary\r\n\r\n");
            await File.WriteAllTextAsync(canary + ".entry", """{"id":"canary","mailFrom":"a@b.c","recipients":["x@y.z"],"state":"Dead"}""" + "\nSubject: canary\r\n\r\n");
        }

        Assert.Null(spool.Find(id));
        Assert.Equal(SpoolChange.NotFound, await spool.RetryAsync(id, CancellationToken.None));
        Assert.Equal(SpoolChange.NotFound, await spool.DeleteAsync(id, CancellationToken.None));
        Assert.All(canaries, canary => Assert.True(File.Exists(canary + ".json") && File.Exists(canary + ".eml") && File.Exists(canary + ".entry"), canary + " was touched"));
    }
}
