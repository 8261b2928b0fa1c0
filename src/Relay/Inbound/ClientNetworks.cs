using System.Net;

namespace Relay.Inbound;

/// <summary>
/// The networks whose clients may use the relay. By default loopback and the private ranges (which covers Docker
/// networks); IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
/// <para>
/// In a container, a client seen from one of the container's default gateways (IPv4, and IPv6 on an IPv6-enabled
/// network) is of unknown origin: Docker's userland proxy relays IPv6 clients, host programs and (rootless, Desktop)
/// every client with that source address. It is refused even when a range of the list contains it, unless that gateway
/// is listed on its own (<c>172.18.0.1</c>, <c>/32</c>, <c>fd00::1/128</c>), or
/// <see cref="InboundOptions.PublishedAddress"/> says the port is published on a loopback or private address only, so
/// that only this host (or its LAN) can reach the proxy.
/// </para>
/// </summary>
internal sealed class ClientNetworks
{
    public static readonly string[] Defaults = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

    private static readonly IPNetwork[] Private = [.. Defaults.Select(IPNetwork.Parse), IPNetwork.Parse("fe80::/10")];

    private readonly IPNetwork[] _networks;
    private readonly Dictionary<IPAddress, bool> _gateways; // each gateway, and whether its clients are admitted

    public ClientNetworks(IEnumerable<string> networks, IEnumerable<IPAddress>? gateways = null, string? publishedAddress = null)
    {
        _networks = [.. networks.Select(Parse)];
        _gateways = (gateways ?? []).Select(Normalize).Distinct().ToDictionary(gateway => gateway, gateway => IsListedAlone(gateway) || IsLocalOnly(publishedAddress));
    }

    public static ClientNetworks From(InboundOptions options, IEnumerable<IPAddress>? gateways = null) =>
        new(options.AllowedNetworks.Count > 0 ? options.AllowedNetworks : Defaults, gateways, options.PublishedAddress);

    /// <summary>Each container gateway whose clients are refused though a range of the list contains it, with that range (worth a warning).</summary>
    public IEnumerable<(IPAddress Gateway, IPNetwork Range)> GatewaysRefusedInRange =>
        from gateway in _gateways where !gateway.Value
        from network in _networks.Where(network => network.Contains(gateway.Key)).Take(1)
        select (gateway.Key, network);

    /// <summary>The container gateways (Docker's proxy) whose clients are accepted.</summary>
    public IEnumerable<IPAddress> GatewaysAdmitted => _gateways.Where(gateway => gateway.Value).Select(gateway => gateway.Key);

    public bool Allows(IPAddress address) => Refusal(address) is null;

    /// <summary>Null when a client at <paramref name="address"/> may use the relay; otherwise why not, for the log.</summary>
    public string? Refusal(IPAddress address)
    {
        var normalized = Normalize(address);
        if (_gateways.TryGetValue(normalized, out var admitted))
        {
            return admitted
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

    private bool IsListedAlone(IPAddress gateway) =>
        _networks.Any(network => network.BaseAddress.Equals(gateway) && network.PrefixLength == (gateway.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));

    /// <summary>Loopback, or a private (LAN) address: not 0.0.0.0, ::, or a public address.</summary>
    private static bool IsLocalOnly(string? publishedAddress) =>
        IPAddress.TryParse(publishedAddress, out var address)
        && (IPAddress.IsLoopback(address) || Private.Any(network => network.Contains(Normalize(address))));
}
