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
}
