using System.Net;
using Relay.Inbound;

namespace Relay.Tests.Inbound;

public sealed class ClientNetworksTests : IDisposable
{
    // As in a container on a compose network: default route through 172.18.0.1 (0x010012AC, the kernel's byte order).
    private const string DockerRoutes = """
        Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
        eth0	00000000	010012AC	0003	0	0	0	00000000	0	0	0
        eth0	000012AC	00000000	0001	0	0	0	0000FFFF	0	0	0
        """;

    private readonly string _routeFile = Path.GetTempFileName();

    public ClientNetworksTests() => File.WriteAllText(_routeFile, DockerRoutes);

    [Theory]
    [InlineData("8.8.8.8", false)]
    [InlineData("::ffff:8.8.8.8", false)] // IPv4-mapped: judged by the IPv4 address
    [InlineData("2001:4860::8888", false)]
    [InlineData("127.0.0.1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("192.168.1.50", true)]
    [InlineData("172.18.0.5", true)] // GLPI on the compose network
    public void DefaultAllowlist_AdmitsLoopbackAndPrivateRanges_Only(string client, bool admitted) =>
        Assert.Equal(admitted, ClientNetworks.From(new InboundOptions()).Allows(IPAddress.Parse(client)));

    [Fact]
    public void Gateway_IsReadFromTheDefaultRoute()
    {
        Assert.Equal(IPAddress.Parse("172.18.0.1"), ContainerNetwork.ReadGateway(_routeFile));
        Assert.Equal(IPAddress.Parse("172.18.0.1"), new ContainerNetwork(_routeFile).Gateway);
        Assert.Null(new ContainerNetwork(null).Gateway); // not in a container
        Assert.Null(ContainerNetwork.ReadGateway(_routeFile + ".missing"));
    }

    [Theory]
    [InlineData("172.18.0.1")]
    [InlineData("::ffff:172.18.0.1")]
    public void GatewayClient_InsideADefaultRange_IsRefused_AndTheRangeIsReported(string client)
    {
        var networks = ClientNetworks.From(new InboundOptions(), ContainerNetwork.ReadGateway(_routeFile));

        Assert.False(networks.Allows(IPAddress.Parse(client)));
        Assert.Contains("gateway", networks.Refusal(IPAddress.Parse(client)), StringComparison.Ordinal);
        Assert.Equal(System.Net.IPNetwork.Parse("172.16.0.0/12"), networks.GatewayRefusedInRange);
        Assert.True(networks.Allows(IPAddress.Parse("172.18.0.5"))); // the rest of the range is unaffected
    }

    [Theory]
    [InlineData("172.18.0.1")]
    [InlineData("172.18.0.1/32")]
    public void GatewayClient_ListedOnItsOwn_IsAdmitted(string entry)
    {
        var networks = ClientNetworks.From(new InboundOptions { AllowedNetworks = ["192.168.0.0/16", entry] }, ContainerNetwork.ReadGateway(_routeFile));

        Assert.True(networks.Allows(IPAddress.Parse("172.18.0.1")));
        Assert.Null(networks.GatewayRefusedInRange);
    }

    [Theory]
    [InlineData("127.0.0.1", true)] // docker-compose.yml's default: only this host reaches the proxy
    [InlineData("192.168.1.10", true)] // a LAN address: this host and its LAN
    [InlineData("0.0.0.0", false)] // every address: anyone who reaches the host
    [InlineData("::", false)]
    [InlineData("203.0.113.7", false)] // a public address
    [InlineData(null, false)]
    public void GatewayClient_IsAdmittedWhenThePortIsPublishedOnLoopbackOrLanOnly(string? publishedAddress, bool admitted)
    {
        var networks = ClientNetworks.From(new InboundOptions { PublishedAddress = publishedAddress }, ContainerNetwork.ReadGateway(_routeFile));

        Assert.Equal(admitted, networks.Allows(IPAddress.Parse("172.18.0.1")));
        Assert.False(networks.Allows(IPAddress.Parse("8.8.8.8")));
    }

    [Fact]
    public void OutsideAContainer_TheGatewayRuleDoesNotApply() =>
        Assert.True(ClientNetworks.From(new InboundOptions()).Allows(IPAddress.Parse("172.18.0.1")));

    public void Dispose() => File.Delete(_routeFile);
}
