using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary><c>relay check</c> on a relay with no account yet: every step that can run does, so the route to Gmail is known before authorizing.</summary>
public sealed class CheckBeforeAuthorizingTests : HarnessTest
{
    [Fact]
    public async Task Check_WithoutAccount_StillChecksTheSpoolAndTheUpstreamConnection()
    {
        await using var relay = await RelayProcess.StartAsync(Harness, s => s.Remove("Relay:Google:RefreshToken"));

        var (exitCode, output, _) = await relay.RunCommandAsync("check");

        Assert.Equal(1, exitCode);
        Assert.Contains("OK    Spool:", output, StringComparison.Ordinal);
        Assert.Contains("FAIL  Account: no Google account is authorized", output, StringComparison.Ordinal);
        Assert.Contains("SKIP  Token refresh: no account", output, StringComparison.Ordinal);
        Assert.Contains("OK    Upstream connection: localhost:", output, StringComparison.Ordinal);
        Assert.Contains("STARTTLS", output, StringComparison.Ordinal);
        Assert.Contains("SKIP  Upstream login (XOAUTH2): no usable token", output, StringComparison.Ordinal);
        Assert.Equal(0, Harness.Gmail.AuthAttempts);
    }
}
