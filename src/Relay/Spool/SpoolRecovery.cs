using System.Text.Json;

namespace Relay.Spool;

/// <summary>
/// Rebuilds the spool from disk at start-up. Whatever sits in <c>incoming</c> was never acknowledged with a 250 (or is
/// an update whose old file is still in place), so it is dropped. An entry that cannot be read is moved to
/// <c>spool/corrupt</c>. Entries kept by an earlier version as <c>ID.eml</c> beside <c>ID.json</c> are first finished
/// where a crash cut a move short, then turned into <c>ID.entry</c> files (<see cref="Convert"/>).
/// </summary>
internal static class SpoolRecovery
{
    public static (List<SpoolEntry> Waiting, List<SpoolEntry> Dead) Recover(SpoolFolders folders, ILogger logger)
    {
        Directory.CreateDirectory(folders.Root);
        if (Directory.Exists(folders.Incoming))
        {
            Directory.Delete(folders.Incoming, recursive: true);
        }

        Directory.CreateDirectory(folders.Incoming);
        Directory.CreateDirectory(folders.Queue);
        foreach (var leftover in Directory.EnumerateFiles(folders.Queue, "*.tmp"))
        {
            File.Delete(leftover);
        }

        FinishMoves(folders);
        Convert(folders, folders.Queue, logger);
        Convert(folders, folders.Dead, logger);

        var waiting = new List<SpoolEntry>();
        foreach (var file in Directory.EnumerateFiles(folders.Queue, "*" + SpoolFolders.EntryExtension))
        {
            var id = Path.GetFileNameWithoutExtension(file);
            if (SpoolFile.Read(file) is not { } entry || entry.Id != id)
            {
                MoveAsideCorrupt(folders, id, logger);
                continue;
            }

            waiting.Add(entry with
            {
                QueuedAt = entry.QueuedAt == default ? entry.ReceivedAt : entry.QueuedAt,
                State = entry.State == SpoolState.Dead ? SpoolState.Queued : entry.State, // in the queue folder, it waits
            });
        }

        var dead = new List<SpoolEntry>();
        if (Directory.Exists(folders.Dead))
        {
            foreach (var file in Directory.EnumerateFiles(folders.Dead, "*" + SpoolFolders.EntryExtension))
            {
                if (SpoolFile.Read(file) is { } entry && entry.Id == Path.GetFileNameWithoutExtension(file))
                {
                    dead.Add(entry with { State = SpoolState.Dead });
                }
            }
        }

        SpoolLog.Recovered(logger, waiting.Count, folders.Root);
        return (waiting, dead);
    }

    /// <summary>
    /// Turns each entry an earlier version kept in <paramref name="folder"/> as <c>ID.eml</c> and <c>ID.json</c> into an
    /// <c>ID.entry</c> file, one at a time: written under <c>incoming</c>, flushed, renamed into the folder, the folder
    /// synced, then the old pair deleted. A crash in between leaves both, and the next start only deletes the pair. An
    /// envelope that cannot be read, or has no message, goes to <c>spool/corrupt</c> with its message (from the queue; a
    /// dead letter that cannot be read stays where it is, as before). A pair that cannot be converted now (disk full)
    /// stays as it is, logged, until a later start.
    /// </summary>
    private static void Convert(SpoolFolders folders, string folder, ILogger logger)
    {
        if (!Directory.Exists(folder))
        {
            return;
        }

        var converted = 0;
        foreach (var envelopeFile in Directory.EnumerateFiles(folder, "*.json").ToList())
        {
            var id = Path.GetFileNameWithoutExtension(envelopeFile);
            var message = SpoolFolders.Message(folder, id);
            var incoming = SpoolFolders.Entry(folders.Incoming, id);
            try
            {
                if (SpoolFile.Read(SpoolFolders.Entry(folder, id)) is null) // else converted before a crash cut the clean-up short
                {
                    if (ReadEnvelope(envelopeFile) is not { } entry || entry.Id != id || !File.Exists(message))
                    {
                        if (folder == folders.Queue)
                        {
                            MoveAsideCorrupt(folders, id, logger);
                        }

                        continue;
                    }

                    using (var source = new FileStream(message, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan))
                    {
                        SpoolFile.WriteAsync(incoming, entry, source.CopyToAsync, CancellationToken.None).GetAwaiter().GetResult();
                    }

                    File.Move(incoming, SpoolFolders.Entry(folder, id), overwrite: true);
                    DurableFile.SyncFolder(folder);
                }

                File.Delete(envelopeFile);
                File.Delete(message);
                converted++;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                SpoolLog.ConversionFailed(logger, envelopeFile, ex.Message);
                File.Delete(incoming);
            }
        }

        if (converted > 0)
        {
            SpoolLog.Converted(logger, converted, folder);
        }
    }

    private static SpoolEntry? ReadEnvelope(string envelopeFile)
    {
        try
        {
            return JsonSerializer.Deserialize<SpoolEntry>(File.ReadAllBytes(envelopeFile), SpoolJson.Options);
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// For entries of an earlier version (<c>ID.eml</c> and <c>ID.json</c>), which moved between folders message first,
    /// envelope last: a crash between the two left the message in one folder and its envelope in the other, so the move
    /// is finished. A message in the queue with no envelope anywhere was never acknowledged (it was written straight
    /// into the queue, its envelope after it).
    /// </summary>
    private static void FinishMoves(SpoolFolders folders)
    {
        string[] outside = [folders.Dead, folders.Delivered];
        foreach (var message in Directory.EnumerateFiles(folders.Queue, "*.eml"))
        {
            var id = Path.GetFileNameWithoutExtension(message);
            if (File.Exists(SpoolFolders.Envelope(folders.Queue, id)))
            {
                continue;
            }

            if (outside.FirstOrDefault(folder => File.Exists(SpoolFolders.Envelope(folder, id))) is { } from)
            {
                File.Move(SpoolFolders.Envelope(from, id), SpoolFolders.Envelope(folders.Queue, id)); // a retried dead letter
            }
            else
            {
                File.Delete(message);
            }
        }

        foreach (var envelope in Directory.EnumerateFiles(folders.Queue, "*.json"))
        {
            var id = Path.GetFileNameWithoutExtension(envelope);
            if (!File.Exists(SpoolFolders.Message(folders.Queue, id)) &&
                outside.FirstOrDefault(folder => File.Exists(SpoolFolders.Message(folder, id))) is { } to)
            {
                File.Move(envelope, SpoolFolders.Envelope(to, id)); // a message leaving the queue (dead, or archived)
            }
        }
        // A copy split off for the dead letters was written there message first: cut before its envelope, it was never
        // published (the original still holds those recipients). An envelope in the queue for a message in dead/ was
        // moved beside it just above, so only dead/ is looked at.
        if (Directory.Exists(folders.Dead))
        {
            foreach (var message in Directory.EnumerateFiles(folders.Dead, "*.eml"))
            {
                var id = Path.GetFileNameWithoutExtension(message);
                if (!File.Exists(SpoolFolders.Envelope(folders.Dead, id)))
                {
                    File.Delete(message);
                }
            }
        }
    }

    private static void MoveAsideCorrupt(SpoolFolders folders, string id, ILogger logger)
    {
        Directory.CreateDirectory(folders.Corrupt);
        foreach (var path in new[] { SpoolFolders.Entry(folders.Queue, id), SpoolFolders.Envelope(folders.Queue, id), SpoolFolders.Message(folders.Queue, id) })
        {
            if (File.Exists(path))
            {
                File.Move(path, Path.Combine(folders.Corrupt, Path.GetFileName(path)), overwrite: true);
            }
        }

        SpoolLog.CorruptEntry(logger, id, folders.Corrupt);
    }
}
