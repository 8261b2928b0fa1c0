using System.Net;

namespace Relay.Inbound;

/// <summary>
/// The networks whose clients may use the relay. By default loopback and the private ranges (which covers Docker
/// networks); IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
/// </summary>
internal sealed class ClientNetworks
{
    public static readonly string[] Defaults = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

    private readonly IPNetwork[] _networks;

    public ClientNetworks(IEnumerable<string> networks) => _networks = [.. networks.Select(IPNetwork.Parse)];

    public static ClientNetworks From(InboundOptions options) => new(options.AllowedNetworks.Count > 0 ? options.AllowedNetworks : Defaults);

    public bool Allows(IPAddress address)
    {
        var normalized = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return _networks.Any(network => network.Contains(normalized));
    }
}
