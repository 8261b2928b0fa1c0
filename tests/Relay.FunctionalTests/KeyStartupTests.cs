using Microsoft.Extensions.DependencyInjection;
using Relay.OAuth;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>The key that encrypts the token store is checked at start, and its absence next to a store stops the start.</summary>
public sealed class KeyStartupTests : HarnessTest
{
    private string KeyFile => Path.Combine(Harness.DataPath + "-keys", "relay.key");
    private string Store => Path.Combine(Harness.DataPath, "oauth", "authorization.bin");

    [Fact]
    public async Task StoreWithoutItsKeyFile_StopsTheStart_SayingWhichFileToRestoreAndWhere()
    {
        await AuthorizeOnceAsync();
        File.Delete(KeyFile);

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => Harness.StartRelayAsync());

        var error = Assert.Single(ConfigurationErrors.From(failure));
        Assert.StartsWith("Relay:Secrets:KeyFile", error, StringComparison.Ordinal);
        Assert.Contains($"'{KeyFile}' does not exist, but the token store {Store} is encrypted with the key it held. Restore the key file at {KeyFile}", error, StringComparison.Ordinal);
        Assert.False(File.Exists(KeyFile)); // no new key that could not read the store
    }

    [Fact]
    public async Task StoreWithoutItsKeyFile_ExitsWithCode2()
    {
        await AuthorizeOnceAsync();
        File.Delete(KeyFile);

        var (exitCode, output) = await RelayProcess.RunToExitAsync(Harness);

        Assert.True(exitCode == 2, output);
        Assert.Contains($"Restore the key file at {KeyFile}", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Relay:Secrets:KeyFile", "not base64!")]
    [InlineData("Relay:Secrets:KeyFile", "c2hvcnQ=")] // base64, but 5 bytes
    [InlineData("Relay:Secrets:Key", "not base64!")]
    public async Task MalformedKey_StopsTheStart_BeforeAnyAuthorizationCanFail(string key, string value)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(KeyFile)!);
        await File.WriteAllTextAsync(KeyFile, key.EndsWith("KeyFile", StringComparison.Ordinal) ? value : Convert.ToBase64String(new byte[32]));

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => Harness.StartUnauthorizedRelayAsync(s =>
        {
            if (key.EndsWith(":Key", StringComparison.Ordinal))
            {
                s[key] = value;
            }
        }));

        var error = Assert.Single(ConfigurationErrors.From(failure));
        Assert.StartsWith(key + " ", error, StringComparison.Ordinal);
        Assert.Contains("base64 of 32 bytes", error, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task GeneratingTheKey_AtStart_LeavesAnExistingFolderAsItIs_AndMakesANewOneOwnerOnly()
    {
        var existing = Directory.CreateDirectory(Harness.DataPath + "-keys").FullName;
        File.SetUnixFileMode(existing, (UnixFileMode)0b111_101_101); // 0755, as /etc
        var created = Path.Combine(existing, "new", "folder");

        await using (var relay = await Harness.StartUnauthorizedRelayAsync())
        {
            Assert.True(File.Exists(KeyFile)); // at start, not at the first authorization
        }

        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(existing));
        await using (var relay = await Harness.StartUnauthorizedRelayAsync(s => s["Relay:Secrets:KeyFile"] = Path.Combine(created, "relay.key")))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(created));
        }

        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(existing));
    }

    [Fact]
    public async Task KeyThatCannotBeCreated_StopsTheStart_AsAConfigurationError()
    {
        var notAFolder = Harness.DataPath + "-keys-file";
        await File.WriteAllTextAsync(notAFolder, "a file where the key's folder should be");

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => Harness.StartUnauthorizedRelayAsync(s => s["Relay:Secrets:KeyFile"] = Path.Combine(notAFolder, "relay.key")));

        var error = Assert.Single(ConfigurationErrors.From(failure));
        Assert.StartsWith($"Relay:Secrets:KeyFile names '{Path.Combine(notAFolder, "relay.key")}', where the key cannot be read or created", error, StringComparison.Ordinal);
        File.Delete(notAFolder);
    }

    /// <summary>A relay with a key saves an authorization: the store now exists, encrypted with that key.</summary>
    private async Task AuthorizeOnceAsync()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync();
        await relay.TokenStore().SaveAsync(
            new StoredAuthorization { Account = RelayHarness.Account, RefreshToken = FakeGoogleOAuthServer.RefreshToken, ClientId = FakeGoogleOAuthServer.ClientId, AuthorizedAt = DateTimeOffset.UtcNow }, CancellationToken.None);
        Assert.True(File.Exists(Store));
        Assert.True(File.Exists(KeyFile));
    }
}
