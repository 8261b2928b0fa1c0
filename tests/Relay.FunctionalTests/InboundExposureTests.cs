using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Relay.Inbound;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>What a client sees of the relay before it is let in: Docker's gateway refused, no version in the greeting.</summary>
public sealed class InboundExposureTests : HarnessTest
{
    [Theory]
    [InlineData(null, false)] // the gateway is inside 127.0.0.0/8 of the default list, and still refused
    [InlineData("0.0.0.0", false)]
    [InlineData("127.0.0.1", true)] // docker-compose.yml's default: published on this host only
    public async Task ClientFromTheContainersGateway_IsRefused_UnlessThePortIsPublishedOnLoopbackOrLan(string? publishedAddress, bool served)
    {
        // A route file as a container's, whose default gateway is 127.0.0.2: connecting from there is coming from "the gateway".
        var routes = Path.Combine(Harness.DataPath + "-routes");
        await File.WriteAllTextAsync(routes, "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\neth0\t00000000\t0200007F\t0003\t0\t0\t0\t00000000\t0\t0\t0\n");
        await using var relay = await StartRelayAsync(new ContainerNetwork(routes), s => s["Relay:Inbound:PublishedAddress"] = publishedAddress);

        var greeting = await GreetingFromAsync("127.0.0.2", relay.SmtpPort);

        if (served)
        {
            Assert.StartsWith("220 ", greeting, StringComparison.Ordinal);
            Assert.Contains(relay.Logs.Lines, line => line.Replace("\"", "", StringComparison.Ordinal).Contains("Clients relayed by Docker's proxy (from the container's gateway 127.0.0.2) are accepted", StringComparison.Ordinal));
        }
        else
        {
            Assert.Equal("554 5.7.1 127.0.0.2 is not allowed to use this relay", greeting);
            Assert.Contains(relay.Logs.Lines, line => line.Replace("\"", "", StringComparison.Ordinal).Contains("Refused a client from 127.0.0.2: the container's gateway", StringComparison.Ordinal));
            Assert.Contains(relay.Logs.Lines, line => line.StartsWith("Warning", StringComparison.Ordinal) && line.Replace("\"", "", StringComparison.Ordinal).Contains("contains the container's gateway 127.0.0.2 (in 127.0.0.0/8)", StringComparison.Ordinal));
        }

        Assert.StartsWith("220 ", await GreetingFromAsync("127.0.0.1", relay.SmtpPort), StringComparison.Ordinal); // other clients as before
    }

    [Fact]
    public async Task Greeting_NamesTheServer_WithoutSmtpServersVersion()
    {
        await using var relay = await Harness.StartRelayAsync(s => s["Relay:Inbound:ServerName"] = "relay.example.lan");

        Assert.Equal("220 relay.example.lan ESMTP ready", await GreetingFromAsync("127.0.0.1", relay.SmtpPort));
    }

    private Task<RelayInstance> StartRelayAsync(ContainerNetwork network, Action<Dictionary<string, string?>> change) =>
        Harness.StartRelayAsync(change, services => services.Replace(ServiceDescriptor.Singleton(network)));

    private static async Task<string> GreetingFromAsync(string clientAddress, int port)
    {
        using var socket = new TcpClient(new IPEndPoint(IPAddress.Parse(clientAddress), 0));
        await socket.ConnectAsync(IPAddress.Loopback, port);
        using var reader = new StreamReader(socket.GetStream(), Encoding.ASCII);
        return await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)) ?? "(closed)";
    }
}
