using System.Net;

namespace Relay.Inbound;

/// <summary>
/// The networks whose clients may use the relay. By default loopback and the private ranges (which covers Docker
/// networks); IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
/// <para>
/// In a container, a client seen from the container's default gateway is of unknown origin: Docker's userland proxy
/// relays IPv6 clients, host programs and (rootless, Desktop) every client with that source address. It is refused even
/// when a range of the list contains it, unless the gateway is listed on its own (<c>172.18.0.1</c> or <c>/32</c>), or
/// <see cref="InboundOptions.PublishedAddress"/> says the port is published on a loopback or private address only, so
/// that only this host (or its LAN) can reach the proxy.
/// </para>
/// </summary>
internal sealed class ClientNetworks
{
    public static readonly string[] Defaults = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

    private static readonly IPNetwork[] Private = [.. Defaults.Select(IPNetwork.Parse), IPNetwork.Parse("fe80::/10")];

    private readonly IPNetwork[] _networks;
    private readonly IPAddress? _gateway;
    private readonly bool _gatewayAdmitted;

    public ClientNetworks(IEnumerable<string> networks, IPAddress? gateway = null, string? publishedAddress = null)
    {
        _networks = [.. networks.Select(Parse)];
        _gateway = gateway is null ? null : Normalize(gateway);
        _gatewayAdmitted = _gateway is not null
            && (_networks.Any(network => network.BaseAddress.Equals(_gateway) && network.PrefixLength == (_gateway.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128))
                || IsLocalOnly(publishedAddress));
    }

    public static ClientNetworks From(InboundOptions options, IPAddress? gateway = null) =>
        new(options.AllowedNetworks.Count > 0 ? options.AllowedNetworks : Defaults, gateway, options.PublishedAddress);

    /// <summary>The container's default gateway (null outside a container).</summary>
    public IPAddress? Gateway => _gateway;

    /// <summary>The range of the list that contains the gateway, when connections from it are refused nevertheless (worth a warning).</summary>
    public IPNetwork? GatewayRefusedInRange =>
        _gateway is null || _gatewayAdmitted ? null : _networks.Where(network => network.Contains(_gateway)).Cast<IPNetwork?>().FirstOrDefault();

    /// <summary>Whether connections from the container's gateway (Docker's proxy) are accepted.</summary>
    public bool GatewayAdmitted => _gatewayAdmitted;

    public bool Allows(IPAddress address) => Refusal(address) is null;

    /// <summary>Null when a client at <paramref name="address"/> may use the relay; otherwise why not, for the log.</summary>
    public string? Refusal(IPAddress address)
    {
        var normalized = Normalize(address);
        if (_gateway is not null && normalized.Equals(_gateway))
        {
            return _gatewayAdmitted
                ? null
                : "the container's gateway, behind which Docker's proxy hides the real client; list it alone in Relay:Inbound:AllowedNetworks to accept it";
        }

        return _networks.Any(network => network.Contains(normalized)) ? null : "not in Relay:Inbound:AllowedNetworks";
    }

    /// <summary>A network in CIDR form, or a single address (as /32 or /128).</summary>
    public static bool TryParse(string text, out IPNetwork network)
    {
        if (IPNetwork.TryParse(text, out network))
        {
            return true;
        }

        if (IPAddress.TryParse(text, out var address))
        {
            address = Normalize(address);
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return false;
    }

    private static IPNetwork Parse(string text) =>
        TryParse(text, out var network) ? network : throw new FormatException($"'{text}' is neither a network in CIDR form nor an IP address.");

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>Loopback, or a private (LAN) address: not 0.0.0.0, ::, or a public address.</summary>
    private static bool IsLocalOnly(string? publishedAddress) =>
        IPAddress.TryParse(publishedAddress, out var address)
        && (IPAddress.IsLoopback(address) || Private.Any(network => network.Contains(Normalize(address))));
}
