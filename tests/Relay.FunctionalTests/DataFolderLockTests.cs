using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>One relay per data folder: a second one would deliver the same queue again.</summary>
public sealed class DataFolderLockTests
{
    [Fact]
    public async Task SecondProcessOnTheSameDataFolder_ExitsWith1_NamingTheFolderAndTheRunningPid()
    {
        await using var harness = await RelayHarness.StartAsync();
        await using var first = await RelayProcess.StartAsync(harness);

        var (exitCode, output) = await RelayProcess.RunToExitAsync(harness); // other ports (0), same data folder

        Assert.True(exitCode == 1, output);
        Assert.Contains($"Another Relay (PID {first.Id}) is already running on the data folder {harness.DataPath}", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.False(first.HasExited);
    }

    [Fact]
    public async Task DataFolder_IsFreeAgain_OnceTheRelayHoldingItStops()
    {
        await using var harness = await RelayHarness.StartAsync();
        var first = await harness.StartRelayAsync();
        var refused = await Assert.ThrowsAsync<DataFolderLockedException>(() => harness.StartRelayAsync());
        Assert.Contains($"PID {Environment.ProcessId}", refused.Message, StringComparison.Ordinal);

        await first.DisposeAsync();
        await using var second = await harness.StartRelayAsync();
        Assert.Equal(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadAllText(Path.Combine(harness.DataPath, DataFolderLock.PidFileName)).Trim());
    }
}
