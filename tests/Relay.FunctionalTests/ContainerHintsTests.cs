using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>What the log tells an operator whose relay runs in a container, where the web port is published on the Docker host's loopback only.</summary>
public sealed class ContainerHintsTests : HarnessTest
{
    [Fact]
    public async Task InAContainer_TheSignInLinkComesWithTheSshTunnelCommand()
    {
        await using var relay = await RelayProcess.StartAsync(Harness, s =>
        {
            s.Remove("Relay:Google:RefreshToken");
            s["DOTNET_RUNNING_IN_CONTAINER"] = "true";
        });

        var hint = await relay.WaitForOutputAsync(line => line.Contains("runs in a container", StringComparison.Ordinal));

        Assert.Matches(@"ssh -L (\d+):localhost:\1 user@docker-host", hint);
    }
}
