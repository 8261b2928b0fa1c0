using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>
/// <c>relay check</c>, <c>relay send-test</c> and <c>relay health</c>, run as a person runs them next to the relay.
/// None of them changes the relay, so the class shares one relay process (starting one costs about a second).
/// </summary>
public sealed class DiagnosticCommandTests(DiagnosticCommandTests.SharedRelay shared) : IClassFixture<DiagnosticCommandTests.SharedRelay>
{
    private RelayHarness Harness => shared.Harness;

    public sealed class SharedRelay : IAsyncLifetime
    {
        internal RelayHarness Harness { get; private set; } = null!;
        internal RelayProcess Relay { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Harness = await RelayHarness.StartAsync();
            Relay = await RelayProcess.StartAsync(Harness);
        }

        public async Task DisposeAsync()
        {
            await Relay.DisposeAsync();
            await Harness.DisposeAsync();
        }
    }

    [Fact]
    public async Task Check_AllGood_EveryStepOk()
    {
        var relay = shared.Relay;

        var before = Harness.Gmail.Messages.Count;
        var (exitCode, output, _) = await relay.RunCommandAsync("check");

        Assert.True(exitCode == 0, output);
        Assert.Contains("OK    Configuration: valid", output, StringComparison.Ordinal);
        Assert.Contains("OK    Token refresh", output, StringComparison.Ordinal);
        Assert.Contains("OK    Upstream connection: localhost:", output, StringComparison.Ordinal);
        Assert.Contains("OK    Upstream login (XOAUTH2): accepted for relay.account@example.com", output, StringComparison.Ordinal);
        Assert.Equal(before, Harness.Gmail.Messages.Count); // nothing sent
    }

    [Fact]
    public async Task Check_WrongClientSecret_NamesTheTokenStepAndTheSetting()
    {
        var relay = shared.Relay;

        var (exitCode, output, _) = await relay.RunCommandAsync(new Dictionary<string, string?> { ["Relay__Google__ClientSecret"] = "GOCSPX-wrong" }, "check");

        Assert.Equal(1, exitCode);
        Assert.Contains("FAIL  Token refresh", output, StringComparison.Ordinal);
        Assert.Contains("Relay:Google:ClientId and ClientSecret", output, StringComparison.Ordinal);
        Assert.DoesNotContain("GOCSPX-wrong", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_UpstreamUnreachable_NamesTheConnectionStep()
    {
        var relay = shared.Relay;

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
        var relay = shared.Relay;

        var (exitCode, output, _) = await relay.RunCommandAsync("send-test", "--to", "operator@example.org");

        Assert.True(exitCode == 0, output);
        Assert.Contains("OK    Test message: sent to operator@example.org: 2.0.0 OK", output, StringComparison.Ordinal);
        Assert.Contains(Harness.Gmail.Messages, received => received.Recipients.SequenceEqual(["operator@example.org"]));
    }

    [Fact]
    public async Task Health_AnswersForLivenessAndReadiness()
    {
        var relay = shared.Relay;

        var alive = await relay.RunCommandAsync("health");
        var ready = await relay.RunCommandAsync("health", "--ready");

        Assert.Equal((0, "ok"), (alive.ExitCode, alive.Output.Trim()));
        Assert.Equal((0, "ready"), (ready.ExitCode, ready.Output.Trim()));
    }
}
