using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>Base for test classes that use a fresh harness (fake Gmail, fake Google, data folder) per test.</summary>
public abstract class HarnessTest : IAsyncLifetime
{
    internal RelayHarness Harness { get; private set; } = null!;

    public async Task InitializeAsync() => Harness = await RelayHarness.StartAsync();

    public async Task DisposeAsync() => await Harness.DisposeAsync();
}
