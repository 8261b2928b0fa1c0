using System.Globalization;
using Microsoft.Extensions.Options;

namespace Relay;

/// <summary>
/// One relay per data folder: two on the same spool would deliver the same messages twice. <c>relay.lock</c> in the data
/// folder is held open with <see cref="FileShare.None"/> (an exclusive <c>flock</c> on Linux, released by the kernel when the
/// process ends, however it ends) for as long as the relay runs; <c>relay.pid</c> beside it names the holder.
/// </summary>
internal sealed class DataFolderLock : IDisposable
{
    public const string LockFileName = "relay.lock";
    public const string PidFileName = "relay.pid";

    private readonly FileStream _lock;

    public DataFolderLock(IOptions<RelayOptions> options)
    {
        Folder = Path.GetFullPath(options.Value.DataPath);
        DurableFile.CreateFolder(Folder); // the spool and the tokens are nobody else's business

        var path = Path.Combine(Folder, LockFileName);
        try
        {
            _lock = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex) when (File.Exists(path) && ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new DataFolderLockedException(Folder, HolderPid(Folder));
        }

        var pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        _lock.SetLength(0);
        _lock.Write(System.Text.Encoding.ASCII.GetBytes(pid + "\n"));
        _lock.Flush(flushToDisk: true);
        File.WriteAllText(Path.Combine(Folder, PidFileName), pid + "\n");
    }

    public string Folder { get; }

    private static string? HolderPid(string folder)
    {
        try
        {
            return File.ReadAllText(Path.Combine(folder, PidFileName)).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Dispose() => _lock.Dispose();
}

/// <summary>Another relay holds the data folder.</summary>
internal sealed class DataFolderLockedException(string folder, string? pid) : Exception(
    $"Another Relay (PID {pid ?? "unknown"}) is already running on the data folder {folder} (it holds {Path.Combine(folder, DataFolderLock.LockFileName)}). " +
    "Two would deliver the same messages twice: stop that one first, or give this one its own folder with Relay:DataPath.");
