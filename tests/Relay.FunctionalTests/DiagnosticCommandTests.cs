using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary><c>relay check</c>, <c>relay send-test</c> and <c>relay health</c>, run as a person runs them next to the relay.</summary>
public sealed class DiagnosticCommandTests : HarnessTest
{
    [Fact]
    public async Task Check_AllGood_EveryStepOk()
    {
        await using var relay = await RelayProcess.StartAsync(Harness);

        var (exitCode, output, _) = await relay.RunCommandAsync("check");

        Assert.True(exitCode == 0, output);
        Assert.Contains("OK    Configuration: valid", output, StringComparison.Ordinal);
        Assert.Contains("OK    Token refresh", output, StringComparison.Ordinal);
        Assert.Contains("OK    Upstream connection: localhost:", output, StringComparison.Ordinal);
        Assert.Contains("OK    Upstream login (XOAUTH2): accepted for relay.account@example.com", output, StringComparison.Ordinal);
        Assert.Empty(Harness.Gmail.Messages); // nothing sent
    }

    [Fact]
    public async Task Check_WrongClientSecret_NamesTheTokenStepAndTheSetting()
    {
        await using var relay = await RelayProcess.StartAsync(Harness);

        var (exitCode, output, _) = await relay.RunCommandAsync(new Dictionary<string, string?> { ["Relay__Google__ClientSecret"] = "GOCSPX-wrong" }, "check");

        Assert.Equal(1, exitCode);
        Assert.Contains("FAIL  Token refresh", output, StringComparison.Ordinal);
        Assert.Contains("Relay:Google:ClientId and ClientSecret", output, StringComparison.Ordinal);
        Assert.DoesNotContain("GOCSPX-wrong", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_UpstreamUnreachable_NamesTheConnectionStep()
    {
        await using var relay = await RelayProcess.StartAsync(Harness);

        using var closed = new ClosedPort();
        var (exitCode, output, _) = await relay.RunCommandAsync(new Dictionary<string, string?> { ["Relay__Outbound__Port"] = closed.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) }, "check");

        Assert.Equal(1, exitCode);
        Assert.Contains("OK    Token refresh", output, StringComparison.Ordinal);
        Assert.Contains("FAIL  Upstream connection", output, StringComparison.Ordinal);
        Assert.Contains("Relay:Outbound:Host and Port", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendTest_SendsOneMessageAndPrintsGmailsReply()
    {
        await using var relay = await RelayProcess.StartAsync(Harness);

        var (exitCode, output, _) = await relay.RunCommandAsync("send-test", "--to", "operator@example.org");

        Assert.True(exitCode == 0, output);
        Assert.Contains("OK    Test message: sent to operator@example.org: 2.0.0 OK", output, StringComparison.Ordinal);
        var received = await Harness.Gmail.NextMessageAsync();
        Assert.Equal(["operator@example.org"], received.Recipients);
    }

    [Fact]
    public async Task Health_AnswersForLivenessAndReadiness()
    {
        await using var relay = await RelayProcess.StartAsync(Harness);

        var alive = await relay.RunCommandAsync("health");
        var ready = await relay.RunCommandAsync("health", "--ready");

        Assert.Equal((0, "ok"), (alive.ExitCode, alive.Output.Trim()));
        Assert.Equal((0, "ready"), (ready.ExitCode, ready.Output.Trim()));
    }
}
