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

    // As in a container on an IPv6-enabled network: default route through fd00:dead:beef::1, and the kernel's own
    // "unreachable" default on lo (flag RTF_REJECT, no next hop), which is not a gateway.
    private const string DockerIpv6Routes = """
        fd00deadbeef00000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
        00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd00deadbeef00000000000000000001 00000400 00000001 00000000 00000003     eth0
        fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
        00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
        """;

    private readonly string _routeFile = Path.GetTempFileName();
    private readonly string _ipv6RouteFile = Path.GetTempFileName();

    public ClientNetworksTests()
    {
        File.WriteAllText(_routeFile, DockerRoutes);
        File.WriteAllText(_ipv6RouteFile, DockerIpv6Routes);
    }

    private IReadOnlyList<IPAddress> Gateways => new ContainerNetwork(_routeFile, _ipv6RouteFile).Gateways;

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
        Assert.Equal(IPAddress.Parse("fd00:dead:beef::1"), ContainerNetwork.ReadIpv6Gateway(_ipv6RouteFile));
        Assert.Equal([IPAddress.Parse("172.18.0.1"), IPAddress.Parse("fd00:dead:beef::1")], Gateways);
        Assert.Equal([IPAddress.Parse("172.18.0.1")], new ContainerNetwork(_routeFile).Gateways);
        Assert.Empty(new ContainerNetwork(null).Gateways); // not in a container
        Assert.Null(ContainerNetwork.ReadGateway(_routeFile + ".missing"));
        Assert.Null(ContainerNetwork.ReadIpv6Gateway(_ipv6RouteFile + ".missing"));
        File.WriteAllText(_ipv6RouteFile, string.Join('\n', DockerIpv6Routes.Split('\n').Where(line => !line.Contains("fd00deadbeef00000000000000000001", StringComparison.Ordinal))));
        Assert.Null(ContainerNetwork.ReadIpv6Gateway(_ipv6RouteFile)); // only the unreachable default is left
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("fd00:dead:beef::1", true)]
    [InlineData("fd00:dead:beef::1/128", true)]
    public void Ipv6GatewayClient_InsideADefaultRange_IsRefused_UnlessListedOnItsOwn(string? entry, bool admitted)
    {
        var networks = ClientNetworks.From(new InboundOptions { AllowedNetworks = entry is null ? [] : ["fc00::/7", entry] }, Gateways);

        Assert.Equal(admitted, networks.Allows(IPAddress.Parse("fd00:dead:beef::1")));
        Assert.True(networks.Allows(IPAddress.Parse("fd00:dead:beef::5"))); // a container on that network
        Assert.False(networks.Allows(IPAddress.Parse("172.18.0.1"))); // the IPv4 gateway keeps its own rule
        Assert.Equal(admitted ? [] : [System.Net.IPNetwork.Parse("fc00::/7")], networks.GatewaysRefusedInRange.Where(g => g.Gateway.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6).Select(g => g.Range));
    }

    [Theory]
    [InlineData("172.18.0.1")]
    [InlineData("::ffff:172.18.0.1")]
    public void GatewayClient_InsideADefaultRange_IsRefused_AndTheRangeIsReported(string client)
    {
        var networks = ClientNetworks.From(new InboundOptions(), Gateways);

        Assert.False(networks.Allows(IPAddress.Parse(client)));
        Assert.Contains("gateway", networks.Refusal(IPAddress.Parse(client)), StringComparison.Ordinal);
        Assert.Contains((IPAddress.Parse("172.18.0.1"), System.Net.IPNetwork.Parse("172.16.0.0/12")), networks.GatewaysRefusedInRange);
        Assert.True(networks.Allows(IPAddress.Parse("172.18.0.5"))); // the rest of the range is unaffected
    }

    [Theory]
    [InlineData("172.18.0.1")]
    [InlineData("172.18.0.1/32")]
    public void GatewayClient_ListedOnItsOwn_IsAdmitted(string entry)
    {
        var networks = ClientNetworks.From(new InboundOptions { AllowedNetworks = ["192.168.0.0/16", entry] }, Gateways);

        Assert.True(networks.Allows(IPAddress.Parse("172.18.0.1")));
        Assert.Empty(networks.GatewaysRefusedInRange);
        Assert.Equal([IPAddress.Parse("172.18.0.1")], networks.GatewaysAdmitted);
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
        var networks = ClientNetworks.From(new InboundOptions { PublishedAddress = publishedAddress }, Gateways);

        Assert.Equal(admitted, networks.Allows(IPAddress.Parse("172.18.0.1")));
        Assert.Equal(admitted, networks.Allows(IPAddress.Parse("fd00:dead:beef::1")));
        Assert.False(networks.Allows(IPAddress.Parse("8.8.8.8")));
    }

    [Fact]
    public void OutsideAContainer_TheGatewayRuleDoesNotApply() =>
        Assert.True(ClientNetworks.From(new InboundOptions()).Allows(IPAddress.Parse("172.18.0.1")));

    public void Dispose()
    {
        File.Delete(_routeFile);
        File.Delete(_ipv6RouteFile);
    }
}
