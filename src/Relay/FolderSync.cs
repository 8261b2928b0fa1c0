namespace Relay;

/// <summary>
/// Group commit of a folder's names: callers that renamed or created a file in <see cref="Folder"/> and need it on disk
/// call <see cref="SyncAsync"/>; while one fsync of the folder runs, the callers that arrive wait for the next one,
/// which then covers all of them. Each caller still returns only after an fsync that began after its change.
/// </summary>
internal sealed class FolderSync(string folder, Action<string>? sync = null)
{
    private readonly Action<string> _sync = sync ?? DurableFile.SyncFolder;

    private readonly SemaphoreSlim _syncing = new(1, 1);
    private long _requested;
    private long _done;
    private long _syncs;

    /// <summary>How many fsyncs ran (for tests and figures).</summary>
    public long Syncs => Volatile.Read(ref _syncs);

    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        var mine = Interlocked.Increment(ref _requested);
        await _syncing.WaitAsync(cancellationToken);
        try
        {
            if (Volatile.Read(ref _done) >= mine)
            {
                return; // an fsync that began after this caller's change has completed while it waited
            }

            var covered = Volatile.Read(ref _requested);
            Interlocked.Increment(ref _syncs);
            _sync(folder);
            Volatile.Write(ref _done, covered);
        }
        finally
        {
            _syncing.Release();
        }
    }
}
