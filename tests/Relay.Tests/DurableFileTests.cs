namespace Relay.Tests;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DurableFileTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("relay-durable-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void CreateSecret_IsOwnerOnly_InAFolderItCreatesOwnerOnly_AndNeverOverwrites()
    {
        var path = Path.Combine(_root, "new-folder", "secret");

        DurableFile.CreateSecret(path, "s3cret"u8);

        Assert.Equal("s3cret", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        Assert.Throws<IOException>(() => DurableFile.CreateSecret(path, "other"u8));
        Assert.Equal("s3cret", File.ReadAllText(path));
    }

    [Fact]
    public void CreateSecret_LeavesTheModeOfAnExistingFolderAlone()
    {
        var folder = Path.Combine(_root, "shared");
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, (UnixFileMode)Convert.ToInt32("755", 8));

        DurableFile.CreateSecret(Path.Combine(folder, "key"), "k"u8);

        Assert.Equal((UnixFileMode)Convert.ToInt32("755", 8), File.GetUnixFileMode(folder));
    }
}
