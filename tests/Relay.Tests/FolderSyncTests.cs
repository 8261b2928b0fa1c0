namespace Relay.Tests;

public sealed class FolderSyncTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("relay-foldersync-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task CallersArrivingWhileASyncRuns_ShareTheNextOne_AndNoneReturnsBeforeAnFsyncThatBeganAfterIt()
    {
        using var firstRunning = new ManualResetEventSlim();
        using var letFirstFinish = new ManualResetEventSlim();
        var sync = new FolderSync(_folder, folder =>
        {
            firstRunning.Set();
            letFirstFinish.Wait();
            DurableFile.SyncFolder(folder);
        });
        var first = Task.Run(() => sync.SyncAsync(CancellationToken.None));
        Assert.True(firstRunning.Wait(TimeSpan.FromSeconds(10)));

        var waiting = Enumerable.Range(0, 10).Select(_ => sync.SyncAsync(CancellationToken.None)).ToList();
        Assert.All(waiting, task => Assert.False(task.IsCompleted)); // the fsync running began before their changes
        letFirstFinish.Set();
        await Task.WhenAll(waiting.Append(first));

        Assert.Equal(2, sync.Syncs); // the first, and one more for the ten that came while it ran
    }

    [Fact]
    public async Task ACallerAlone_GetsAnFsyncOfItsOwn()
    {
        var sync = new FolderSync(_folder);

        await sync.SyncAsync(CancellationToken.None);
        await sync.SyncAsync(CancellationToken.None);

        Assert.Equal(2, sync.Syncs);
    }

    [Fact]
    public async Task AMissingFolder_FailsEveryCaller()
    {
        var sync = new FolderSync(Path.Combine(_folder, "gone"));

        await Assert.ThrowsAsync<IOException>(() => sync.SyncAsync(CancellationToken.None));
    }
}
