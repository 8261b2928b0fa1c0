using Relay.Testing;

namespace Relay.FunctionalTests;

public sealed class ConfigurationTests
{
    [Fact]
    public async Task InvalidConfiguration_StopsTheStartAndNamesEveryProblemWithItsKey()
    {
        await using var harness = await RelayHarness.StartAsync();
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => harness.StartRelayAsync(s =>
        {
            s["Relay:Inbound:Port"] = "70000";
            s["Relay:Outbound:Host"] = "";
            s.Remove("Relay:Account:Address");
            s["Relay:Outbound:TrustedCaFile"] = "/nonexistent/ca.pem";
        }));

        var errors = ConfigurationErrors.From(failure);
        Assert.True(errors.Count == 4, failure.ToString());
        Assert.Equal(4, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Relay:Inbound:Port", StringComparison.Ordinal) && e.Contains("Relay__Inbound__Port", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Relay:Outbound:Host", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Relay:Outbound:TrustedCaFile", StringComparison.Ordinal) && e.Contains("does not exist", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Relay:Google:RefreshToken", StringComparison.Ordinal) && e.Contains("Relay:Account:Address", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SmtpPortAlreadyTaken_StopsTheStartWithAMessageNamingIt()
    {
        await using var harness = await RelayHarness.StartAsync();
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((System.Net.IPEndPoint)squatter.LocalEndpoint).Port;

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => harness.StartRelayAsync(s => s["Relay:Inbound:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal($"Cannot listen for SMTP on 127.0.0.1:{port}: Address already in use", StartupErrors.PortInUse(failure));
    }

    [Fact]
    public async Task ValuesThatCannotBeRead_AreListedWithEveryOtherProblem_EachWithItsKeyAndTheExpectedForm()
    {
        await using var harness = await RelayHarness.StartAsync();
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => harness.StartRelayAsync(s =>
        {
            s["Relay:Inbound:Port"] = "abc";
            s["Relay:Inbound:RequireAuth"] = "maybe";
            s["Relay:Outbound:RetryInitialDelay"] = "5min";
            s.Remove("Relay:Outbound:RetryMaxDelay"); // the harness's is below the default initial delay
            s["Relay:Outbound:Host"] = ""; // and a rule broken in another section
            s["Relay:Web:Port"] = "80a";
        }));

        var errors = ConfigurationErrors.From(failure);
        Assert.True(errors.Count == 5, failure.ToString());
        Assert.Contains(errors, e => e.StartsWith("Relay:Inbound:Port cannot be read: 'abc' is not a whole number", StringComparison.Ordinal) && e.Contains("Relay__Inbound__Port", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Relay:Inbound:RequireAuth cannot be read: 'maybe' is not true or false", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Relay:Outbound:RetryInitialDelay cannot be read: '5min' is not a duration; write it as [d.]hh:mm:ss", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Relay:Outbound:Host", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Relay:Web:Port cannot be read: '80a'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ValuesThatCannotBeRead_StopTheProcessWithExitCode2_AndNoStackTrace()
    {
        await using var harness = await RelayHarness.StartAsync();

        var (exitCode, output) = await RelayProcess.RunToExitAsync(harness, s =>
        {
            s["Relay:Inbound:Port"] = "abc";
            s["Relay:Outbound:RetryInitialDelay"] = "5min";
            s.Remove("Relay:Outbound:RetryMaxDelay");
            s["Relay:Outbound:Host"] = "";
        });

        Assert.True(exitCode == 2, output);
        Assert.Contains("Relay cannot start, the configuration is invalid", output, StringComparison.Ordinal);
        Assert.Contains("Relay:Inbound:Port cannot be read: 'abc' is not a whole number", output, StringComparison.Ordinal);
        Assert.Contains("Relay:Outbound:RetryInitialDelay cannot be read: '5min'", output, StringComparison.Ordinal);
        Assert.Contains("Relay:Outbound:Host", output, StringComparison.Ordinal);
        Assert.DoesNotContain("unexpected error", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SmtpPortInUse_StopsTheProcessWithOneLine_AndNoStackTrace()
    {
        await using var harness = await RelayHarness.StartAsync();
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((System.Net.IPEndPoint)squatter.LocalEndpoint).Port;

        var (exitCode, output) = await RelayProcess.RunToExitAsync(harness, s => s["Relay:Inbound:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(exitCode == 1, output);
        Assert.Contains($"Relay cannot start: Cannot listen for SMTP on 127.0.0.1:{port}: Address already in use", output, StringComparison.Ordinal);
        Assert.False(output.Contains("   at ", StringComparison.Ordinal), output);
    }
}
