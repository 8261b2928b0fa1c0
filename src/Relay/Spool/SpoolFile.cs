using System.Text.Json;
using MimeKit.IO;

namespace Relay.Spool;

/// <summary>
/// The file of one spool entry, <c>ID.entry</c>: its envelope (<see cref="SpoolEntry"/>) as one line of JSON, then the
/// message exactly as it was received. One file holds the whole entry, so a new message costs one file and one flush
/// to disk, an update is a new file renamed over the old one, and a move between folders is one rename: no step can
/// leave an envelope without its message or the reverse.
/// </summary>
internal static class SpoolFile
{
    /// <summary>An envelope longer than this (a first line with no end) means the file is not an entry.</summary>
    public const int MaxEnvelopeBytes = 4 * 1024 * 1024;

    private static readonly JsonSerializerOptions Line = new(SpoolJson.Options) { WriteIndented = false };

    /// <summary>Creates the file at <paramref name="path"/>: <paramref name="entry"/>'s line, then what <paramref name="writeMessage"/> writes; flushed to disk.</summary>
    public static Task WriteAsync(string path, SpoolEntry entry, Func<Stream, CancellationToken, Task> writeMessage, CancellationToken cancellationToken) =>
        DurableFile.WriteAsync(path, async (stream, ct) =>
        {
            await stream.WriteAsync(Envelope(entry), ct);
            await writeMessage(stream, ct);
        }, cancellationToken);

    /// <summary>The entry's first line: its envelope as JSON (which never holds a raw line feed) and a line feed.</summary>
    public static byte[] Envelope(SpoolEntry entry)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(entry, Line);
        if (json.Length >= MaxEnvelopeBytes)
        {
            throw new IOException($"The envelope of {entry.Id} would take {json.Length} bytes, more than a spool entry's {MaxEnvelopeBytes}.");
        }

        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        return line;
    }

    /// <summary>The envelope of the entry at <paramref name="path"/>; null when the file cannot be read or is not an entry.</summary>
    public static SpoolEntry? Read(string path)
    {
        try
        {
            using var stream = OpenRead(path);
            return JsonSerializer.Deserialize<SpoolEntry>(FirstLine(stream), Line);
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The message of the entry at <paramref name="path"/>, as received: a stream over the file past its envelope line.</summary>
    public static Stream OpenMessage(string path)
    {
        var stream = OpenRead(path);
        try
        {
            var start = FirstLine(stream).Length + 1;
            stream.Position = start;
            return new BoundStream(stream, start, -1, leaveOpen: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan);

    /// <summary>The bytes before the first line feed; the stream is left anywhere after them.</summary>
    private static ReadOnlySpan<byte> FirstLine(Stream stream)
    {
        var buffer = new byte[4096];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length >= MaxEnvelopeBytes)
                {
                    throw new IOException($"No envelope line in the first {MaxEnvelopeBytes} bytes: not a spool entry.");
                }

                Array.Resize(ref buffer, buffer.Length * 4);
            }

            var read = stream.Read(buffer, length, buffer.Length - length);
            if (read == 0)
            {
                throw new IOException("The file ends before its envelope line does: not a spool entry.");
            }

            var end = Array.IndexOf(buffer, (byte)'\n', length, read);
            length += read;
            if (end >= 0)
            {
                return buffer.AsSpan(0, end);
            }
        }
    }
}
