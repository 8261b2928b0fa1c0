using System.Runtime.InteropServices;

namespace Relay;

/// <summary>
/// Writes that survive a power cut: data flushed to the disk (fsync) before the caller goes on,
/// and renames made durable by syncing the folder that holds them.
/// </summary>
internal static partial class DurableFile
{
    /// <summary>Creates <paramref name="path"/> (readable by its owner only), lets <paramref name="write"/> fill it, and flushes it to disk.</summary>
    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        // Not FileOptions.Asynchronous: on Linux that sends every write to the thread pool and back, which costs more than a
        // write into the page cache; the fsync below blocks either way.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 81920 };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // mail and tokens are nobody else's business
        }

        await using var stream = new FileStream(path, options);
        await write(stream, cancellationToken);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Creates a new file holding a secret (a key, the login secret, a private key): readable by its owner only from the
    /// moment it exists, flushed to disk. Its folder is created when missing, owner-only too; an existing folder keeps
    /// its mode. Fails when the file already exists.
    /// </summary>
    public static void CreateSecret(string path, ReadOnlySpan<byte> content)
    {
        CreateFolder(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        SyncFolder(Path.GetDirectoryName(Path.GetFullPath(path))!); // its name too: a key lost in a power cut cannot be made again
    }

    /// <summary>Creates <paramref name="folder"/> readable by its owner only when it is missing; an existing folder (/etc, say) keeps its mode.</summary>
    public static void CreateFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else if (!Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public static Task WriteAsync(string path, byte[] content, CancellationToken cancellationToken) =>
        WriteAsync(path, async (stream, ct) => await stream.WriteAsync(content, ct), cancellationToken);

    /// <summary>
    /// Writes <paramref name="content"/> beside <paramref name="path"/> (under a name of its own, so concurrent writers do
    /// not collide), then renames it over <paramref name="path"/>: readers see the old file or the new one, never half.
    /// </summary>
    public static async Task ReplaceAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            await WriteAsync(temporary, content, cancellationToken);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        SyncFolder(Path.GetDirectoryName(path)!);
    }

    /// <summary>fsync on the folder, so that a rename or a new name in it is on disk. A no-op where the OS has no such call.</summary>
    public static void SyncFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = Open(folder, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw new IOException($"Cannot open folder '{folder}' to sync it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of folder '{folder}' failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
