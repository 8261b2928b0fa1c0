using System.Text.Json;

namespace Relay.Spool;

/// <summary>
/// Rebuilds the spool from disk at start-up. Whatever sits in <c>incoming</c> was never acknowledged with a 250, so it
/// is dropped (the client still has it), as is a message file whose envelope never made it beside it. An envelope that
/// cannot be read is moved to <c>spool/corrupt</c>.
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
        var waiting = new List<SpoolEntry>();
        foreach (var envelopeFile in Directory.EnumerateFiles(folders.Queue, "*.json"))
        {
            var id = Path.GetFileNameWithoutExtension(envelopeFile);
            var entry = Read(envelopeFile);
            if (entry is null || entry.Id != id || !File.Exists(SpoolFolders.Message(folders.Queue, id)))
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
            foreach (var envelopeFile in Directory.EnumerateFiles(folders.Dead, "*.json"))
            {
                if (Read(envelopeFile) is { } entry && entry.Id == Path.GetFileNameWithoutExtension(envelopeFile) &&
                    File.Exists(SpoolFolders.Message(folders.Dead, entry.Id)))
                {
                    dead.Add(entry with { State = SpoolState.Dead });
                }
            }
        }

        SpoolLog.Recovered(logger, waiting.Count, folders.Root);
        return (waiting, dead);
    }

    public static SpoolEntry? Read(string envelopeFile)
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
    /// An entry moves between folders message first, envelope last (see <c>FileSpool.MoveAsync</c>); a crash between the
    /// two leaves the message in one folder and its envelope in the other: finish the move. A message in the queue with
    /// no envelope anywhere was never acknowledged (it is written straight into the queue, its envelope after it).
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
        // A copy split off for the dead letters is written there message first: cut before its envelope, it was never
        // published (the original still holds those recipients), and no envelope anywhere names it.
        if (Directory.Exists(folders.Dead))
        {
            foreach (var message in Directory.EnumerateFiles(folders.Dead, "*.eml"))
            {
                var id = Path.GetFileNameWithoutExtension(message);
                if (!File.Exists(SpoolFolders.Envelope(folders.Dead, id)) && !File.Exists(SpoolFolders.Envelope(folders.Queue, id)))
                {
                    File.Delete(message);
                }
            }
        }
    }

    private static void MoveAsideCorrupt(SpoolFolders folders, string id, ILogger logger)
    {
        Directory.CreateDirectory(folders.Corrupt);
        foreach (var path in new[] { SpoolFolders.Envelope(folders.Queue, id), SpoolFolders.Message(folders.Queue, id) })
        {
            if (File.Exists(path))
            {
                File.Move(path, Path.Combine(folders.Corrupt, Path.GetFileName(path)), overwrite: true);
            }
        }

        SpoolLog.CorruptEntry(logger, id, folders.Corrupt);
    }
}
